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
/// (detaching all ports), then the device notifier, then the flow entries' slab cache.
struct Vflow {
    _genl: ffi::genl::Family,
    _pernet: ffi::pernet::Pernet,
    _notifier: ffi::notifier::Notifier,
    _flow_slab: FlowSlab,
}

/// Dropped last: waits for the flow table's pending `call_rcu` frees (they run module code and
/// free into the slab), then destroys the flow entries' slab cache.
///
/// This is the crate's one `unsafe` outside src/ffi/, on purpose: destroying the cache is sound
/// only because of the drop order of [`Vflow`]'s fields, which only the crate root defines.
struct FlowSlab;

impl Drop for FlowSlab {
    fn drop(&mut self) {
        ffi::rcu::barrier();
        // SAFETY: the fields before this one dropped first, so every switch and flow table is gone,
        // and the barrier above waited for their RCU-deferred frees: no flow entry is left.
        unsafe { flow::FLOW_SLAB.destroy() };
    }
}

impl kernel::Module for Vflow {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        flow::FLOW_SLAB.create(c"vflow_flow")?;
        // From here on, an early return drops it: destroyed (empty) again.
        let flow_slab = FlowSlab;
        let notifier = ffi::notifier::Notifier::register()?;
        let pernet = ffi::pernet::Pernet::register()?;
        let genl = ffi::genl::Family::register()?;
        pr_info!(
            "loaded (flow entry {} bytes, slab vflow_flow)\n",
            ffi::rcuhash::entry_bytes::<flow::Flow>()
        );
        Ok(Vflow {
            _genl: genl,
            _pernet: pernet,
            _notifier: notifier,
            _flow_slab: flow_slab,
        })
    }
}
