// SPDX-License-Identifier: GPL-2.0

//! Per-network-namespace state: every namespace gets its own [`NetState`], created when the
//! namespace (or the module) appears and torn down when it goes away.

use core::cell::UnsafeCell;

use kernel::{
    bindings,
    error::to_result,
    ffi::{c_int, c_uint, c_void},
    prelude::*,
    sync::Arc,
    types::{ForeignOwnable, Opaque},
};

use super::{netdev::Net, sys};
use crate::netns::NetState;

/// The kernel's `pernet_operations` for vflow plus the id it assigns us.
struct Ops {
    ops: Opaque<bindings::pernet_operations>,
    id: UnsafeCell<c_uint>,
}

// SAFETY: the kernel writes `id` once, at registration, before any reader can run; `ops` is only
// touched by the pernet core under its own lock.
unsafe impl Sync for Ops {}

static OPS: Ops = Ops {
    ops: Opaque::new(bindings::pernet_operations {
        init: Some(net_init),
        exit: Some(net_exit),
        id: OPS.id.get(),
        size: size_of::<*mut c_void>(),
        ..pin_init::zeroed()
    }),
    id: UnsafeCell::new(0),
};

fn slot(net: &Net) -> *mut *mut c_void {
    // SAFETY: `net` is alive and the registration gave it a `size`-byte generic slot; `id` was
    // set by the kernel before any namespace callback could run.
    unsafe { sys::vflow_net_generic(net.as_raw(), *OPS.id.get()) }
}

/// # Safety
///
/// Called by the pernet core with a namespace being created.
unsafe extern "C" fn net_init(net: *mut bindings::net) -> c_int {
    // SAFETY: the pernet core passes a live namespace.
    let net = unsafe { Net::from_raw(net) };
    match NetState::new() {
        Ok(state) => {
            // SAFETY: our zeroed slot in a namespace being set up; nobody else reads it yet.
            unsafe { *slot(net) = state.into_foreign() };
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// Called by the pernet core with a namespace being destroyed (or at unregistration).
unsafe extern "C" fn net_exit(net: *mut bindings::net) {
    // SAFETY: the pernet core passes a live namespace.
    let net = unsafe { Net::from_raw(net) };
    let slot = slot(net);
    // SAFETY: the slot holds the `Arc<NetState>` stored by `net_init`; the namespace is dying,
    // so no new request can find it; we take it out exactly once.
    let state = unsafe {
        let p = core::mem::replace(&mut *slot, core::ptr::null_mut());
        if p.is_null() {
            return;
        }
        <Arc<NetState> as ForeignOwnable>::from_foreign(p)
    };
    NetState::shutdown(&state);
}

/// The vflow state of `net`.
pub(crate) fn state_of(net: &Net) -> Option<Arc<NetState>> {
    // SAFETY: the slot is set between `net_init` and `net_exit`; callers hold the namespace alive
    // (a socket, a device or the pernet core), so `net_exit` cannot run concurrently.
    let p = unsafe { *slot(net) };
    if p.is_null() {
        return None;
    }
    // SAFETY: `p` is the live `Arc<NetState>` stored by `net_init`.
    let b = unsafe { <Arc<NetState> as ForeignOwnable>::borrow(p) };
    Some(b.into())
}

/// Registration of vflow's pernet operations: creates a [`NetState`] in every namespace.
pub(crate) struct Pernet(());

impl Pernet {
    /// Registers; `net_init` runs for every existing namespace before this returns.
    pub(crate) fn register() -> Result<Pernet> {
        // SAFETY: `OPS` is static and stays registered until `Drop`.
        to_result(unsafe { bindings::register_pernet_subsys(OPS.ops.get()) })?;
        Ok(Pernet(()))
    }
}

impl Drop for Pernet {
    fn drop(&mut self) {
        // SAFETY: registered in `register`; runs `net_exit` for every namespace.
        unsafe { bindings::unregister_pernet_subsys(OPS.ops.get()) };
    }
}
