// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/vflow.yaml */
/* YNL-GEN kernel source */
/* To regenerate run: tools/net/ynl/ynl-regen.sh */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "vflow_nl_gen.h"

#include <uapi/linux/vflow.h>

/* VFLOW_CMD_SWITCH_NEW - do */
static const struct nla_policy vflow_switch_new_nl_policy[VFLOW_A_SWITCH_NAME + 1] = {
	[VFLOW_A_SWITCH_NAME] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
};

/* VFLOW_CMD_SWITCH_DEL - do */
static const struct nla_policy vflow_switch_del_nl_policy[VFLOW_A_SWITCH_NAME + 1] = {
	[VFLOW_A_SWITCH_NAME] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
};

/* VFLOW_CMD_SWITCH_GET - do */
static const struct nla_policy vflow_switch_get_nl_policy[VFLOW_A_SWITCH_NAME + 1] = {
	[VFLOW_A_SWITCH_NAME] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
};

/* VFLOW_CMD_PORT_NEW - do */
static const struct nla_policy vflow_port_new_nl_policy[VFLOW_A_PORT_MAC + 1] = {
	[VFLOW_A_PORT_SWITCH] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_PORT_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[VFLOW_A_PORT_IFNAME] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_PORT_TYPE] = NLA_POLICY_MAX(NLA_U32, 1),
	[VFLOW_A_PORT_MAC] = NLA_POLICY_EXACT_LEN(6),
};

/* VFLOW_CMD_PORT_DEL - do */
static const struct nla_policy vflow_port_del_nl_policy[VFLOW_A_PORT_IFNAME + 1] = {
	[VFLOW_A_PORT_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[VFLOW_A_PORT_IFNAME] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
};

/* VFLOW_CMD_PORT_GET - do */
static const struct nla_policy vflow_port_get_do_nl_policy[VFLOW_A_PORT_IFNAME + 1] = {
	[VFLOW_A_PORT_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[VFLOW_A_PORT_IFNAME] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
};

/* VFLOW_CMD_PORT_GET - dump */
static const struct nla_policy vflow_port_get_dump_nl_policy[VFLOW_A_PORT_SWITCH + 1] = {
	[VFLOW_A_PORT_SWITCH] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
};

/* VFLOW_CMD_FDB_GET - dump */
static const struct nla_policy vflow_fdb_get_nl_policy[VFLOW_A_FDB_SWITCH + 1] = {
	[VFLOW_A_FDB_SWITCH] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
};

/* Ops table for vflow */
static const struct genl_split_ops vflow_nl_ops[] = {
	{
		.cmd		= VFLOW_CMD_SWITCH_NEW,
		.doit		= vflow_nl_switch_new_doit,
		.policy		= vflow_switch_new_nl_policy,
		.maxattr	= VFLOW_A_SWITCH_NAME,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VFLOW_CMD_SWITCH_DEL,
		.doit		= vflow_nl_switch_del_doit,
		.policy		= vflow_switch_del_nl_policy,
		.maxattr	= VFLOW_A_SWITCH_NAME,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VFLOW_CMD_SWITCH_GET,
		.doit		= vflow_nl_switch_get_doit,
		.policy		= vflow_switch_get_nl_policy,
		.maxattr	= VFLOW_A_SWITCH_NAME,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd	= VFLOW_CMD_SWITCH_GET,
		.dumpit	= vflow_nl_switch_get_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= VFLOW_CMD_PORT_NEW,
		.doit		= vflow_nl_port_new_doit,
		.policy		= vflow_port_new_nl_policy,
		.maxattr	= VFLOW_A_PORT_MAC,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VFLOW_CMD_PORT_DEL,
		.doit		= vflow_nl_port_del_doit,
		.policy		= vflow_port_del_nl_policy,
		.maxattr	= VFLOW_A_PORT_IFNAME,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VFLOW_CMD_PORT_GET,
		.doit		= vflow_nl_port_get_doit,
		.policy		= vflow_port_get_do_nl_policy,
		.maxattr	= VFLOW_A_PORT_IFNAME,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VFLOW_CMD_PORT_GET,
		.dumpit		= vflow_nl_port_get_dumpit,
		.policy		= vflow_port_get_dump_nl_policy,
		.maxattr	= VFLOW_A_PORT_SWITCH,
		.flags		= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= VFLOW_CMD_FDB_GET,
		.dumpit		= vflow_nl_fdb_get_dumpit,
		.policy		= vflow_fdb_get_nl_policy,
		.maxattr	= VFLOW_A_FDB_SWITCH,
		.flags		= GENL_CMD_CAP_DUMP,
	},
};

struct genl_family vflow_nl_family __ro_after_init = {
	.name		= VFLOW_FAMILY_NAME,
	.version	= VFLOW_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.split_ops	= vflow_nl_ops,
	.n_split_ops	= ARRAY_SIZE(vflow_nl_ops),
};
