// SPDX-License-Identifier: GPL-2.0

//! rx_handler registration: the per-device hook that hands every received frame to vflow.

use core::{marker::PhantomData, ptr::NonNull};

use kernel::{
    bindings,
    ffi::c_uint,
    prelude::*,
    sync::{Arc, ArcBorrow},
    types::ForeignOwnable,
};

use super::{
    netdev::NetDev,
    rcu::RcuReader,
    rtnl::Rtnl,
    skb::SkBuff,
    sys,
};

/// Context of a running rx_handler: softirq, bottom halves off, inside the RCU read-side section
/// that `__netif_receive_skb_core` opened.
///
/// # Invariants
///
/// Only created by [`rx_trampoline`], for the duration of one call.
pub(crate) struct RxCtx {
    _not_send: PhantomData<*mut ()>,
}

// SAFETY: an `RxCtx` only exists inside an rx_handler call, which runs under `rcu_read_lock`.
unsafe impl RcuReader for RxCtx {}

/// What the handler did with a frame.
pub(crate) enum RxResult {
    /// vflow took the frame (forwarded, flooded or dropped it).
    Consumed,
    /// Give the frame to the host stack as if vflow were not there.
    Pass(SkBuff),
}

/// The object attached to a device as its rx_handler data.
pub(crate) trait RxHandler: Send + Sync + Sized {
    /// Handles one received frame.
    fn receive(this: ArcBorrow<'_, Self>, skb: SkBuff, rx: &RxCtx) -> RxResult;
}

/// Called by `__netif_receive_skb_core()` under `rcu_read_lock`, in softirq.
///
/// # Safety
///
/// `pskb` must point to a received skb of a device whose rx_handler data came from `register`.
unsafe extern "C" fn rx_trampoline<T: RxHandler + 'static>(
    pskb: *mut *mut bindings::sk_buff,
) -> c_uint {
    // SAFETY: the stack passes a valid pointer to a valid skb that we now own.
    let raw = unsafe { *pskb };
    let Some(nn) = NonNull::new(raw) else {
        return sys::RX_HANDLER_PASS;
    };
    // `skb->dev` is the receiving device and its rx_handler is this function, so its
    // rx_handler_data is the `Arc<T>` that `register` installed; it is only released after
    // `netdev_rx_handler_unregister`, which waits for running handlers.
    // SAFETY: `raw` is a valid received skb (above); we are inside its device's rx_handler.
    let data = unsafe { sys::vflow_skb_rx_handler_data(raw) };
    // SAFETY: see above: `data` is a live `Arc<T>` for the whole call.
    let this = unsafe { <Arc<T> as ForeignOwnable>::borrow(data) };
    // SAFETY: we own the skb (see above) and hand the ownership to `SkBuff`.
    let skb = unsafe { SkBuff::from_raw(nn) };
    let rx = RxCtx {
        _not_send: PhantomData,
    };
    match T::receive(this, skb, &rx) {
        RxResult::Consumed => sys::RX_HANDLER_CONSUMED,
        RxResult::Pass(skb) => {
            // SAFETY: the stack continues with the skb we hand back (it may be a new one after
            // unsharing).
            unsafe { *pskb = skb.into_raw() };
            sys::RX_HANDLER_PASS
        }
    }
}

/// Attaches `handler` to `dev`. Fails with `EBUSY` when the device already has an rx_handler.
pub(crate) fn register<T: RxHandler + 'static>(_rtnl: &Rtnl, dev: &NetDev, handler: Arc<T>) -> Result {
    let data = handler.into_foreign();
    // SAFETY: RTNL is held (token); `dev` is a registered device; `data` is an owned Arc that
    // lives until `unregister` takes it back.
    let rc = unsafe { sys::vflow_rx_handler_register(dev.as_raw(), rx_trampoline::<T>, data.cast()) };
    if rc < 0 {
        // SAFETY: registration failed, so nobody else saw `data`; take the Arc back.
        drop(unsafe { <Arc<T> as ForeignOwnable>::from_foreign(data) });
        return Err(Error::from_errno(rc));
    }
    Ok(())
}

/// The handler attached to `dev` by [`register`] with type `T`, if any.
pub(crate) fn handler_of<'a, T: RxHandler + 'static>(
    _rtnl: &'a Rtnl,
    dev: &'a NetDev,
) -> Option<ArcBorrow<'a, T>> {
    // SAFETY: RTNL is held (token), so the rx_handler fields are stable.
    let data = unsafe { sys::vflow_dev_rx_handler_data(dev.as_raw(), rx_trampoline::<T>) };
    if data.is_null() {
        return None;
    }
    // SAFETY: the handler is `rx_trampoline::<T>`, so `data` is an `Arc<T>` from `register`,
    // alive until `unregister`, which needs RTNL, which the borrow's lifetime holds.
    Some(unsafe { <Arc<T> as ForeignOwnable>::borrow(data.cast()) })
}

/// Detaches vflow's handler of type `T` from `dev` and returns the handler object. After this
/// returns no rx_handler call for `dev` is running or will run.
pub(crate) fn unregister<T: RxHandler + 'static>(rtnl: &Rtnl, dev: &NetDev) -> Option<Arc<T>> {
    let _ = rtnl;
    // SAFETY: RTNL is held (token), so the rx_handler fields are stable.
    let data = unsafe { sys::vflow_dev_rx_handler_data(dev.as_raw(), rx_trampoline::<T>) };
    if data.is_null() {
        return None;
    }
    // SAFETY: RTNL held; the device has our handler. `netdev_rx_handler_unregister` waits
    // (synchronize_net) for running handlers.
    unsafe { sys::netdev_rx_handler_unregister(dev.as_raw()) };
    // SAFETY: `data` is the Arc installed by `register`; no handler can use it any more.
    Some(unsafe { <Arc<T> as ForeignOwnable>::from_foreign(data) })
}
