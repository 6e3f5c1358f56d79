// SPDX-License-Identifier: GPL-2.0

//! The doit/dumpit functions the generated op table (src/vflow_nl_gen.c) calls. Each wraps the
//! raw arguments and calls the safe handler in `crate::genl`. Signatures match
//! src/vflow_nl_gen.h.

use kernel::{bindings, ffi::c_int, prelude::*};

use super::genl::{Dump, Request};
use crate::{genl, genl_flow, genl_policy};

macro_rules! doit {
    ($($c_name:ident => $handler:path;)*) => {$(
        /// # Safety
        ///
        /// Called by the genetlink core with the running request.
        #[no_mangle]
        unsafe extern "C" fn $c_name(_skb: *mut bindings::sk_buff, info: *mut bindings::genl_info) -> c_int {
            // SAFETY: the genetlink core calls us with the running request's `genl_info`.
            let Some(req) = (unsafe { Request::from_raw(info) }) else {
                return EINVAL.to_errno();
            };
            match $handler(&req) {
                Ok(()) => 0,
                Err(e) => e.to_errno(),
            }
        }
    )*};
}

macro_rules! dumpit {
    ($($c_name:ident => $handler:path;)*) => {$(
        /// # Safety
        ///
        /// Called by the genetlink core with the running dump.
        #[no_mangle]
        unsafe extern "C" fn $c_name(skb: *mut bindings::sk_buff, cb: *mut bindings::netlink_callback) -> c_int {
            // SAFETY: the genetlink core calls us with the running dump's buffer and callback.
            let Some(mut dump) = (unsafe { Dump::from_raw(skb, cb) }) else {
                return EINVAL.to_errno();
            };
            match $handler(&mut dump) {
                Ok(()) => dump.len(),
                Err(e) => e.to_errno(),
            }
        }
    )*};
}

doit! {
    vflow_nl_switch_new_doit => genl::switch_new;
    vflow_nl_switch_del_doit => genl::switch_del;
    vflow_nl_switch_get_doit => genl::switch_get;
    vflow_nl_port_new_doit => genl::port_new;
    vflow_nl_port_del_doit => genl::port_del;
    vflow_nl_port_get_doit => genl::port_get;
    vflow_nl_switch_set_doit => genl_flow::switch_set;
    vflow_nl_port_set_doit => genl_policy::port_set;
    vflow_nl_rule_new_doit => genl_policy::rule_new;
    vflow_nl_rule_set_doit => genl_policy::rule_set;
    vflow_nl_rule_del_doit => genl_policy::rule_del;
    vflow_nl_rule_get_doit => genl_policy::rule_get;
    vflow_nl_layer_new_doit => genl_policy::layer_new;
    vflow_nl_layer_set_doit => genl_policy::layer_set;
    vflow_nl_layer_del_doit => genl_policy::layer_del;
    vflow_nl_layer_get_doit => genl_policy::layer_get;
    vflow_nl_layer_bind_doit => genl_policy::layer_bind;
    vflow_nl_layer_unbind_doit => genl_policy::layer_unbind;
    vflow_nl_flow_flush_doit => genl_flow::flow_flush;
    vflow_nl_explain_doit => genl_flow::explain;
}

dumpit! {
    vflow_nl_switch_get_dumpit => genl::switch_dump;
    vflow_nl_port_get_dumpit => genl::port_dump;
    vflow_nl_fdb_get_dumpit => genl::fdb_dump;
    vflow_nl_rule_get_dumpit => genl_policy::rule_dump;
    vflow_nl_layer_get_dumpit => genl_policy::layer_dump;
    vflow_nl_flow_get_dumpit => genl_flow::flow_dump;
}
