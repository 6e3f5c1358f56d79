// SPDX-License-Identifier: GPL-2.0

//! vflow: a virtual-switch datapath for virtualization hosts.
//!
//! Switches are named datapath instances in a network namespace; ports attach netdevs to them
//! through an rx_handler that forwards frames by MAC. Control is the `vflow` generic-netlink
//! family (Documentation/netlink/specs/vflow.yaml). See Documentation/design.md.

mod fdb;
mod ffi;
mod flow;
mod genl;
mod genl_flow;
mod genl_policy;
mod logic;
mod netns;
mod policy;
mod port;
mod stats;
mod switch;
// Generated from the uAPI header: not every number is used by the kernel side.
#[allow(dead_code)]
mod uapi;

use kernel::prelude::*;

module! {
    type: Vflow,
    name: "vflow",
    authors: ["vflow engineers"],
    description: "vflow virtual-switch datapath",
    license: "GPL",
}

/// The loaded module. Fields drop in order: no new requests, then every namespace's switches
/// (detaching all ports), then the device notifier.
struct Vflow {
    _genl: ffi::genl::Family,
    _pernet: ffi::pernet::Pernet,
    _notifier: ffi::notifier::Notifier,
    _rcu_barrier: RcuBarrier,
}

/// Dropped last: waits for the flow table's pending `call_rcu` frees, which run module code.
struct RcuBarrier;

impl Drop for RcuBarrier {
    fn drop(&mut self) {
        ffi::rcu::barrier();
    }
}

impl kernel::Module for Vflow {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let notifier = ffi::notifier::Notifier::register()?;
        let pernet = ffi::pernet::Pernet::register()?;
        let genl = ffi::genl::Family::register()?;
        pr_info!(
            "loaded (flow entry {} bytes)\n",
            ffi::rcuhash::entry_bytes::<flow::Flow>()
        );
        Ok(Vflow {
            _genl: genl,
            _pernet: pernet,
            _notifier: notifier,
            _rcu_barrier: RcuBarrier,
        })
    }
}
