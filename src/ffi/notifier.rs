// SPDX-License-Identifier: GPL-2.0

//! Netdev notifier: a device that disappears (or leaves its namespace) is detached first.

use kernel::{
    bindings,
    error::to_result,
    ffi::{c_int, c_ulong, c_void},
    prelude::*,
    types::Opaque,
};

use super::{netdev::NetDev, rtnl::Rtnl, sys};

struct Block(Opaque<bindings::notifier_block>);

// SAFETY: only the notifier core touches the block, under its own lock.
unsafe impl Sync for Block {}

static BLOCK: Block = Block(Opaque::new(bindings::notifier_block {
    notifier_call: Some(netdev_event),
    ..pin_init::zeroed()
}));

/// # Safety
///
/// Called by the netdev notifier chain under RTNL with a `netdev_notifier_info` in `ptr`.
unsafe extern "C" fn netdev_event(
    _nb: *mut bindings::notifier_block,
    event: c_ulong,
    ptr: *mut c_void,
) -> c_int {
    if event == sys::NETDEV_UNREGISTER {
        // SAFETY: netdev notifiers run under RTNL with a valid `netdev_notifier_info`.
        let (rtnl, dev) = unsafe {
            (
                Rtnl::assume_held(),
                NetDev::from_raw(sys::vflow_notifier_dev(ptr)),
            )
        };
        crate::switch::device_unregistering(&rtnl, dev);
    }
    sys::NOTIFY_DONE
}

/// Registration of the netdev notifier.
pub(crate) struct Notifier(());

impl Notifier {
    /// Registers the notifier.
    pub(crate) fn register() -> Result<Notifier> {
        // SAFETY: `BLOCK` is static and stays registered until `Drop`.
        to_result(unsafe { sys::register_netdevice_notifier(BLOCK.0.get()) })?;
        Ok(Notifier(()))
    }
}

impl Drop for Notifier {
    fn drop(&mut self) {
        // SAFETY: registered in `register`.
        unsafe { sys::unregister_netdevice_notifier(BLOCK.0.get()) };
    }
}
