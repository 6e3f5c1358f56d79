// SPDX-License-Identifier: GPL-2.0

//! Declarations of C functions the bindings lack: vflow's shims (src/vflow_shim.c, prototypes in
//! src/vflow_shim.h) and exported kernel functions from headers that `bindings_helper.h` does not
//! include. Signatures must match the C prototypes exactly.

// The pointee types are opaque C structs (bindgen gives some of them empty members); only
// pointers cross this boundary, never values.
#![allow(improper_ctypes)]

use kernel::bindings::{
    delayed_work, work_func_t, genl_family, genl_info, net, net_device, netlink_callback, nlattr, notifier_block, sk_buff,
    skb_drop_reason,
};
use kernel::ffi::{c_char, c_int, c_uint, c_void};

/// `rx_handler_func_t`.
pub(super) type RxHandlerFn = unsafe extern "C" fn(pskb: *mut *mut sk_buff) -> c_uint;

/// `enum rx_handler_result` values (checked by static_assert in vflow_shim.c).
pub(super) const RX_HANDLER_CONSUMED: c_uint = 0;
pub(super) const RX_HANDLER_PASS: c_uint = 3;
/// `NETDEV_UNREGISTER` (checked in vflow_shim.c).
pub(super) const NETDEV_UNREGISTER: kernel::ffi::c_ulong = 6;
/// `NOTIFY_DONE`.
pub(super) const NOTIFY_DONE: c_int = 0;

extern "C" {
    pub(super) static mut vflow_nl_family: genl_family;

    pub(super) fn vflow_dev_hold(dev: *mut net_device);
    pub(super) fn vflow_dev_put(dev: *mut net_device);
    pub(super) fn vflow_dev_ifindex(dev: *const net_device) -> c_int;
    pub(super) fn vflow_dev_name(dev: *const net_device) -> *const c_char;
    pub(super) fn vflow_dev_is_ether(dev: *const net_device) -> bool;
    pub(super) fn vflow_dev_rx_handler_data(
        dev: *mut net_device,
        handler: RxHandlerFn,
    ) -> *mut c_void;
    pub(super) fn vflow_skb_rx_handler_data(skb: *const sk_buff) -> *mut c_void;
    pub(super) fn vflow_notifier_dev(info: *mut c_void) -> *mut net_device;
    pub(super) fn vflow_rx_handler_register(
        dev: *mut net_device,
        handler: RxHandlerFn,
        data: *mut c_void,
    ) -> c_int;

    pub(super) fn vflow_skb_frame_len(skb: *const sk_buff) -> c_uint;
    pub(super) fn vflow_skb_rx_prepare(
        pskb: *mut *mut sk_buff,
        want: c_uint,
        f: *mut super::skb::RawRxFrame,
    ) -> c_int;
    pub(super) fn vflow_skb_xmit(skb: *mut sk_buff, dev: *mut net_device) -> c_int;
    pub(super) fn vflow_skb_free(skb: *mut sk_buff, reason: skb_drop_reason);
    pub(super) fn vflow_skb_consume(skb: *mut sk_buff);

    pub(super) fn vflow_percpu_alloc(size: usize, align: usize) -> *mut c_void;
    pub(super) fn vflow_percpu_free(ptr: *mut c_void);
    /// Only where `PerCpu::this_cpu` has no inline form (x86-64 reads `this_cpu_off` inline).
    #[cfg(not(target_arch = "x86_64"))]
    pub(super) fn vflow_percpu_this(ptr: *mut c_void) -> *mut c_void;
    pub(super) fn vflow_percpu_cpu(ptr: *mut c_void, cpu: c_int) -> *mut c_void;
    pub(super) fn vflow_next_possible_cpu(prev: c_int) -> c_int;

    pub(super) fn vflow_net_generic(net: *const net, id: c_uint) -> *mut *mut c_void;

    pub(super) fn vflow_op_maxattr(cmd: u8, dump: bool) -> u32;
    pub(super) fn vflow_genl_info_net(info: *const genl_info) -> *mut net;
    pub(super) fn vflow_genl_dump_info(cb: *mut netlink_callback) -> *mut genl_info;
    pub(super) fn vflow_dump_net(cb: *const netlink_callback) -> *mut net;
    pub(super) fn vflow_genl_put_reply(skb: *mut sk_buff, info: *mut genl_info, cmd: u8)
        -> *mut c_void;
    pub(super) fn vflow_genl_put_dump(
        skb: *mut sk_buff,
        cb: *mut netlink_callback,
        cmd: u8,
    ) -> *mut c_void;
    pub(super) fn vflow_genl_reply(skb: *mut sk_buff, info: *mut genl_info) -> c_int;
    pub(super) fn vflow_nla_nest_start(skb: *mut sk_buff, attrtype: c_int) -> *mut nlattr;
    pub(super) fn vflow_nla_nest_end(skb: *mut sk_buff, start: *mut nlattr);
    pub(super) fn vflow_nla_nest_cancel(skb: *mut sk_buff, start: *mut nlattr);

    // Exported by net/core but declared in headers the bindings do not include.
    pub(super) fn rtnl_lock();
    pub(super) fn rtnl_unlock();
    pub(super) fn netdev_rx_handler_unregister(dev: *mut net_device);
    pub(super) fn __dev_get_by_name(net: *mut net, name: *const c_char) -> *mut net_device;
    pub(super) fn __dev_get_by_index(net: *mut net, ifindex: c_int) -> *mut net_device;
    pub(super) fn register_netdevice_notifier(nb: *mut notifier_block) -> c_int;
    pub(super) fn unregister_netdevice_notifier(nb: *mut notifier_block) -> c_int;
    pub(super) fn vflow_hz() -> kernel::ffi::c_ulong;
    pub(super) fn vflow_slab_create(name: *const kernel::ffi::c_char, size: c_uint, align: c_uint) -> *mut kernel::bindings::kmem_cache;
    pub(super) fn vflow_slab_alloc_atomic(c: *mut kernel::bindings::kmem_cache) -> *mut c_void;
    pub(super) fn vflow_cond_resched();
    pub(super) fn vflow_init_delayed_work(dw: *mut delayed_work, f: work_func_t);
    pub(super) fn vflow_schedule_delayed_work(dw: *mut delayed_work, delay: kernel::ffi::c_ulong) -> bool;
}
