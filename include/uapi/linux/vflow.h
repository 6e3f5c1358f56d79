/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/vflow.yaml */
/* YNL-GEN uapi header */
/* To regenerate run: tools/net/ynl/ynl-regen.sh */

#ifndef _UAPI_LINUX_VFLOW_H
#define _UAPI_LINUX_VFLOW_H

#define VFLOW_FAMILY_NAME	"vflow"
#define VFLOW_FAMILY_VERSION	1

#define VFLOW_NAME_MAX_LEN	15
#define VFLOW_MAX_PORTS		1024

/**
 * enum vflow_port_type - Role of a port in its switch.
 * @VFLOW_PORT_TYPE_VM: Faces a virtual machine (tap, veth, VF representor).
 *   Frames from it never reach the host stack; with a MAC set, frames from any
 *   other source MAC are dropped (anti-spoofing).
 * @VFLOW_PORT_TYPE_UPLINK: Faces the physical network. Source MACs are
 *   learned; frames for no vflow port pass to the host stack untouched.
 */
enum vflow_port_type {
	VFLOW_PORT_TYPE_VM,
	VFLOW_PORT_TYPE_UPLINK,
};

enum {
	VFLOW_A_STATS_RX_PACKETS = 1,
	VFLOW_A_STATS_RX_BYTES,
	VFLOW_A_STATS_TX_PACKETS,
	VFLOW_A_STATS_TX_BYTES,
	VFLOW_A_STATS_DROP_PACKETS,
	VFLOW_A_STATS_DROP_BYTES,
	VFLOW_A_STATS_PASS_PACKETS,
	VFLOW_A_STATS_FLOOD_PACKETS,

	__VFLOW_A_STATS_MAX,
	VFLOW_A_STATS_MAX = (__VFLOW_A_STATS_MAX - 1)
};

enum {
	VFLOW_A_SWITCH_NAME = 1,
	VFLOW_A_SWITCH_N_PORTS,
	VFLOW_A_SWITCH_STATS,

	__VFLOW_A_SWITCH_MAX,
	VFLOW_A_SWITCH_MAX = (__VFLOW_A_SWITCH_MAX - 1)
};

enum {
	VFLOW_A_PORT_SWITCH = 1,
	VFLOW_A_PORT_IFINDEX,
	VFLOW_A_PORT_IFNAME,
	VFLOW_A_PORT_TYPE,
	VFLOW_A_PORT_MAC,
	VFLOW_A_PORT_ID,
	VFLOW_A_PORT_STATS,

	__VFLOW_A_PORT_MAX,
	VFLOW_A_PORT_MAX = (__VFLOW_A_PORT_MAX - 1)
};

enum {
	VFLOW_A_FDB_SWITCH = 1,
	VFLOW_A_FDB_MAC,
	VFLOW_A_FDB_IFINDEX,
	VFLOW_A_FDB_STATIC,

	__VFLOW_A_FDB_MAX,
	VFLOW_A_FDB_MAX = (__VFLOW_A_FDB_MAX - 1)
};

enum {
	VFLOW_CMD_SWITCH_NEW = 1,
	VFLOW_CMD_SWITCH_DEL,
	VFLOW_CMD_SWITCH_GET,
	VFLOW_CMD_PORT_NEW,
	VFLOW_CMD_PORT_DEL,
	VFLOW_CMD_PORT_GET,
	VFLOW_CMD_FDB_GET,

	__VFLOW_CMD_MAX,
	VFLOW_CMD_MAX = (__VFLOW_CMD_MAX - 1)
};

#endif /* _UAPI_LINUX_VFLOW_H */
