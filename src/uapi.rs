// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)

//! uAPI numbers of the vflow family. Generated from include/uapi/linux/vflow.h by
//! scripts/uapi2rs.py (run `make genl`); do not edit.

pub(crate) const VFLOW_FAMILY_VERSION: u32 = 1;
pub(crate) const VFLOW_NAME_MAX_LEN: u32 = 15;
pub(crate) const VFLOW_MAX_PORTS: u32 = 1024;
pub(crate) const VFLOW_PORT_TYPE_VM: u32 = 0;
pub(crate) const VFLOW_PORT_TYPE_UPLINK: u32 = 1;
pub(crate) const VFLOW_A_STATS_RX_PACKETS: u32 = 1;
pub(crate) const VFLOW_A_STATS_RX_BYTES: u32 = 2;
pub(crate) const VFLOW_A_STATS_TX_PACKETS: u32 = 3;
pub(crate) const VFLOW_A_STATS_TX_BYTES: u32 = 4;
pub(crate) const VFLOW_A_STATS_DROP_PACKETS: u32 = 5;
pub(crate) const VFLOW_A_STATS_DROP_BYTES: u32 = 6;
pub(crate) const VFLOW_A_STATS_PASS_PACKETS: u32 = 7;
pub(crate) const VFLOW_A_STATS_FLOOD_PACKETS: u32 = 8;
pub(crate) const VFLOW_A_STATS_MAX: u32 = 8;
pub(crate) const VFLOW_A_SWITCH_NAME: u32 = 1;
pub(crate) const VFLOW_A_SWITCH_N_PORTS: u32 = 2;
pub(crate) const VFLOW_A_SWITCH_STATS: u32 = 3;
pub(crate) const VFLOW_A_SWITCH_MAX: u32 = 3;
pub(crate) const VFLOW_A_PORT_SWITCH: u32 = 1;
pub(crate) const VFLOW_A_PORT_IFINDEX: u32 = 2;
pub(crate) const VFLOW_A_PORT_IFNAME: u32 = 3;
pub(crate) const VFLOW_A_PORT_TYPE: u32 = 4;
pub(crate) const VFLOW_A_PORT_MAC: u32 = 5;
pub(crate) const VFLOW_A_PORT_ID: u32 = 6;
pub(crate) const VFLOW_A_PORT_STATS: u32 = 7;
pub(crate) const VFLOW_A_PORT_MAX: u32 = 7;
pub(crate) const VFLOW_A_FDB_SWITCH: u32 = 1;
pub(crate) const VFLOW_A_FDB_MAC: u32 = 2;
pub(crate) const VFLOW_A_FDB_IFINDEX: u32 = 3;
pub(crate) const VFLOW_A_FDB_STATIC: u32 = 4;
pub(crate) const VFLOW_A_FDB_MAX: u32 = 4;
pub(crate) const VFLOW_CMD_SWITCH_NEW: u32 = 1;
pub(crate) const VFLOW_CMD_SWITCH_DEL: u32 = 2;
pub(crate) const VFLOW_CMD_SWITCH_GET: u32 = 3;
pub(crate) const VFLOW_CMD_PORT_NEW: u32 = 4;
pub(crate) const VFLOW_CMD_PORT_DEL: u32 = 5;
pub(crate) const VFLOW_CMD_PORT_GET: u32 = 6;
pub(crate) const VFLOW_CMD_FDB_GET: u32 = 7;
pub(crate) const VFLOW_CMD_MAX: u32 = 7;
