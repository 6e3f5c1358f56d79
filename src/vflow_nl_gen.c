// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/vflow.yaml */
/* YNL-GEN kernel source */
/* To regenerate run: tools/net/ynl/ynl-regen.sh */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "vflow_nl_gen.h"

#include <uapi/linux/vflow.h>

/* Integer value ranges */
static const struct netlink_range_validation vflow_a_switch_max_flows_range = {
	.min	= 1ULL,
	.max	= 4194304ULL,
};

/* Common nested types */
const struct nla_policy vflow_action_nl_policy[VFLOW_A_ACTION_TYPE + 1] = {
	[VFLOW_A_ACTION_TYPE] = NLA_POLICY_MAX(NLA_U32, 2),
};

const struct nla_policy vflow_actions_nl_policy[VFLOW_A_ACTIONS_ACTION + 1] = {
	[VFLOW_A_ACTIONS_ACTION] = NLA_POLICY_NESTED(vflow_action_nl_policy),
};

const struct nla_policy vflow_flow_key_nl_policy[VFLOW_A_FLOW_KEY_TCP_FLAGS + 1] = {
	[VFLOW_A_FLOW_KEY_SRC_MAC] = NLA_POLICY_EXACT_LEN(6),
	[VFLOW_A_FLOW_KEY_DST_MAC] = NLA_POLICY_EXACT_LEN(6),
	[VFLOW_A_FLOW_KEY_ETHERTYPE] = { .type = NLA_U16, },
	[VFLOW_A_FLOW_KEY_VLAN_ID] = NLA_POLICY_MAX(NLA_U16, 4095),
	[VFLOW_A_FLOW_KEY_SRC_IP] = NLA_POLICY_MAX_LEN(16),
	[VFLOW_A_FLOW_KEY_DST_IP] = NLA_POLICY_MAX_LEN(16),
	[VFLOW_A_FLOW_KEY_IP_PROTO] = { .type = NLA_U8, },
	[VFLOW_A_FLOW_KEY_SRC_PORT] = { .type = NLA_U16, },
	[VFLOW_A_FLOW_KEY_DST_PORT] = { .type = NLA_U16, },
	[VFLOW_A_FLOW_KEY_TOS] = { .type = NLA_U8, },
	[VFLOW_A_FLOW_KEY_TCP_FLAGS] = { .type = NLA_U16, },
};

const struct nla_policy vflow_layer_stack_nl_policy[VFLOW_A_LAYER_STACK_NAME + 1] = {
	[VFLOW_A_LAYER_STACK_NAME] = { .type = NLA_STRING, .len = VFLOW_NAME_MAX_LEN, },
};

const struct nla_policy vflow_match_nl_policy[VFLOW_A_MATCH_TCP_FLAGS_MASK + 1] = {
	[VFLOW_A_MATCH_IN_PORT] = { .type = NLA_U32, },
	[VFLOW_A_MATCH_OUT_PORT] = { .type = NLA_U32, },
	[VFLOW_A_MATCH_SRC_MAC] = NLA_POLICY_EXACT_LEN(6),
	[VFLOW_A_MATCH_SRC_MAC_MASK] = NLA_POLICY_EXACT_LEN(6),
	[VFLOW_A_MATCH_DST_MAC] = NLA_POLICY_EXACT_LEN(6),
	[VFLOW_A_MATCH_DST_MAC_MASK] = NLA_POLICY_EXACT_LEN(6),
	[VFLOW_A_MATCH_ETHERTYPE] = { .type = NLA_U16, },
	[VFLOW_A_MATCH_VLAN_ID] = NLA_POLICY_MAX(NLA_U16, 4095),
	[VFLOW_A_MATCH_SRC_IP] = NLA_POLICY_MAX_LEN(16),
	[VFLOW_A_MATCH_SRC_PLEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[VFLOW_A_MATCH_DST_IP] = NLA_POLICY_MAX_LEN(16),
	[VFLOW_A_MATCH_DST_PLEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[VFLOW_A_MATCH_IP_PROTO] = { .type = NLA_U8, },
	[VFLOW_A_MATCH_SRC_PORT_MIN] = { .type = NLA_U16, },
	[VFLOW_A_MATCH_SRC_PORT_MAX] = { .type = NLA_U16, },
	[VFLOW_A_MATCH_DST_PORT_MIN] = { .type = NLA_U16, },
	[VFLOW_A_MATCH_DST_PORT_MAX] = { .type = NLA_U16, },
	[VFLOW_A_MATCH_TOS] = { .type = NLA_U8, },
	[VFLOW_A_MATCH_TOS_MASK] = { .type = NLA_U8, },
	[VFLOW_A_MATCH_TCP_FLAGS] = { .type = NLA_U16, },
	[VFLOW_A_MATCH_TCP_FLAGS_MASK] = { .type = NLA_U16, },
};

const struct nla_policy vflow_rule_list_nl_policy[VFLOW_A_RULE_LIST_ID + 1] = {
	[VFLOW_A_RULE_LIST_ID] = { .type = NLA_U32, },
};

/* VFLOW_CMD_SWITCH_NEW - do */
static const struct nla_policy vflow_switch_new_nl_policy[VFLOW_A_SWITCH_OTHER_TIMEOUT + 1] = {
	[VFLOW_A_SWITCH_NAME] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_SWITCH_MAX_FLOWS] = NLA_POLICY_FULL_RANGE(NLA_U32, &vflow_a_switch_max_flows_range),
	[VFLOW_A_SWITCH_PORT_MAX_FLOWS] = NLA_POLICY_MIN(NLA_U32, 1),
	[VFLOW_A_SWITCH_LIMIT_ACTION] = NLA_POLICY_MAX(NLA_U32, 1),
	[VFLOW_A_SWITCH_TCP_SYN_TIMEOUT] = NLA_POLICY_MIN(NLA_U32, 1),
	[VFLOW_A_SWITCH_TCP_EST_TIMEOUT] = NLA_POLICY_MIN(NLA_U32, 1),
	[VFLOW_A_SWITCH_TCP_FIN_TIMEOUT] = NLA_POLICY_MIN(NLA_U32, 1),
	[VFLOW_A_SWITCH_UDP_TIMEOUT] = NLA_POLICY_MIN(NLA_U32, 1),
	[VFLOW_A_SWITCH_ICMP_TIMEOUT] = NLA_POLICY_MIN(NLA_U32, 1),
	[VFLOW_A_SWITCH_OTHER_TIMEOUT] = NLA_POLICY_MIN(NLA_U32, 1),
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
static const struct nla_policy vflow_port_new_nl_policy[VFLOW_A_PORT_MAX_FLOWS + 1] = {
	[VFLOW_A_PORT_SWITCH] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_PORT_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[VFLOW_A_PORT_IFNAME] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_PORT_TYPE] = NLA_POLICY_MAX(NLA_U32, 1),
	[VFLOW_A_PORT_MAC] = NLA_POLICY_EXACT_LEN(6),
	[VFLOW_A_PORT_LAYERS] = NLA_POLICY_NESTED(vflow_layer_stack_nl_policy),
	[VFLOW_A_PORT_MAX_FLOWS] = { .type = NLA_U32, },
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

/* VFLOW_CMD_SWITCH_SET - do */
static const struct nla_policy vflow_switch_set_nl_policy[VFLOW_A_SWITCH_OTHER_TIMEOUT + 1] = {
	[VFLOW_A_SWITCH_NAME] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_SWITCH_MAX_FLOWS] = NLA_POLICY_FULL_RANGE(NLA_U32, &vflow_a_switch_max_flows_range),
	[VFLOW_A_SWITCH_PORT_MAX_FLOWS] = NLA_POLICY_MIN(NLA_U32, 1),
	[VFLOW_A_SWITCH_LIMIT_ACTION] = NLA_POLICY_MAX(NLA_U32, 1),
	[VFLOW_A_SWITCH_TCP_SYN_TIMEOUT] = NLA_POLICY_MIN(NLA_U32, 1),
	[VFLOW_A_SWITCH_TCP_EST_TIMEOUT] = NLA_POLICY_MIN(NLA_U32, 1),
	[VFLOW_A_SWITCH_TCP_FIN_TIMEOUT] = NLA_POLICY_MIN(NLA_U32, 1),
	[VFLOW_A_SWITCH_UDP_TIMEOUT] = NLA_POLICY_MIN(NLA_U32, 1),
	[VFLOW_A_SWITCH_ICMP_TIMEOUT] = NLA_POLICY_MIN(NLA_U32, 1),
	[VFLOW_A_SWITCH_OTHER_TIMEOUT] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* VFLOW_CMD_PORT_SET - do */
static const struct nla_policy vflow_port_set_nl_policy[VFLOW_A_PORT_MAX_FLOWS + 1] = {
	[VFLOW_A_PORT_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[VFLOW_A_PORT_IFNAME] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_PORT_LAYERS] = NLA_POLICY_NESTED(vflow_layer_stack_nl_policy),
	[VFLOW_A_PORT_MAX_FLOWS] = { .type = NLA_U32, },
};

/* VFLOW_CMD_RULE_NEW - do */
static const struct nla_policy vflow_rule_new_nl_policy[VFLOW_A_RULE_ACTIONS + 1] = {
	[VFLOW_A_RULE_SWITCH] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_RULE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[VFLOW_A_RULE_PRIORITY] = { .type = NLA_U32, },
	[VFLOW_A_RULE_MATCH] = NLA_POLICY_NESTED(vflow_match_nl_policy),
	[VFLOW_A_RULE_ACTIONS] = NLA_POLICY_NESTED(vflow_actions_nl_policy),
};

/* VFLOW_CMD_RULE_SET - do */
static const struct nla_policy vflow_rule_set_nl_policy[VFLOW_A_RULE_ACTIONS + 1] = {
	[VFLOW_A_RULE_SWITCH] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_RULE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[VFLOW_A_RULE_PRIORITY] = { .type = NLA_U32, },
	[VFLOW_A_RULE_MATCH] = NLA_POLICY_NESTED(vflow_match_nl_policy),
	[VFLOW_A_RULE_ACTIONS] = NLA_POLICY_NESTED(vflow_actions_nl_policy),
};

/* VFLOW_CMD_RULE_DEL - do */
static const struct nla_policy vflow_rule_del_nl_policy[VFLOW_A_RULE_ID + 1] = {
	[VFLOW_A_RULE_SWITCH] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_RULE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* VFLOW_CMD_RULE_GET - do */
static const struct nla_policy vflow_rule_get_do_nl_policy[VFLOW_A_RULE_ID + 1] = {
	[VFLOW_A_RULE_SWITCH] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_RULE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* VFLOW_CMD_RULE_GET - dump */
static const struct nla_policy vflow_rule_get_dump_nl_policy[VFLOW_A_RULE_LAYER + 1] = {
	[VFLOW_A_RULE_SWITCH] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_RULE_LAYER] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
};

/* VFLOW_CMD_LAYER_NEW - do */
static const struct nla_policy vflow_layer_new_nl_policy[VFLOW_A_LAYER_IN_DEFAULT + 1] = {
	[VFLOW_A_LAYER_SWITCH] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_LAYER_NAME] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_LAYER_OUT_DEFAULT] = NLA_POLICY_MAX(NLA_U32, 1),
	[VFLOW_A_LAYER_IN_DEFAULT] = NLA_POLICY_MAX(NLA_U32, 1),
};

/* VFLOW_CMD_LAYER_SET - do */
static const struct nla_policy vflow_layer_set_nl_policy[VFLOW_A_LAYER_IN_DEFAULT + 1] = {
	[VFLOW_A_LAYER_SWITCH] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_LAYER_NAME] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_LAYER_OUT_DEFAULT] = NLA_POLICY_MAX(NLA_U32, 1),
	[VFLOW_A_LAYER_IN_DEFAULT] = NLA_POLICY_MAX(NLA_U32, 1),
};

/* VFLOW_CMD_LAYER_DEL - do */
static const struct nla_policy vflow_layer_del_nl_policy[VFLOW_A_LAYER_NAME + 1] = {
	[VFLOW_A_LAYER_SWITCH] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_LAYER_NAME] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
};

/* VFLOW_CMD_LAYER_GET - do */
static const struct nla_policy vflow_layer_get_do_nl_policy[VFLOW_A_LAYER_NAME + 1] = {
	[VFLOW_A_LAYER_SWITCH] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_LAYER_NAME] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
};

/* VFLOW_CMD_LAYER_GET - dump */
static const struct nla_policy vflow_layer_get_dump_nl_policy[VFLOW_A_LAYER_SWITCH + 1] = {
	[VFLOW_A_LAYER_SWITCH] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
};

/* VFLOW_CMD_LAYER_BIND - do */
static const struct nla_policy vflow_layer_bind_nl_policy[VFLOW_A_LAYER_IN_RULES + 1] = {
	[VFLOW_A_LAYER_SWITCH] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_LAYER_NAME] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_LAYER_OUT_RULES] = NLA_POLICY_NESTED(vflow_rule_list_nl_policy),
	[VFLOW_A_LAYER_IN_RULES] = NLA_POLICY_NESTED(vflow_rule_list_nl_policy),
};

/* VFLOW_CMD_LAYER_UNBIND - do */
static const struct nla_policy vflow_layer_unbind_nl_policy[VFLOW_A_LAYER_IN_RULES + 1] = {
	[VFLOW_A_LAYER_SWITCH] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_LAYER_NAME] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_LAYER_OUT_RULES] = NLA_POLICY_NESTED(vflow_rule_list_nl_policy),
	[VFLOW_A_LAYER_IN_RULES] = NLA_POLICY_NESTED(vflow_rule_list_nl_policy),
};

/* VFLOW_CMD_FLOW_GET - dump */
static const struct nla_policy vflow_flow_get_nl_policy[VFLOW_A_FLOW_IN_PORT + 1] = {
	[VFLOW_A_FLOW_SWITCH] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_FLOW_IN_PORT] = { .type = NLA_U32, },
};

/* VFLOW_CMD_FLOW_FLUSH - do */
static const struct nla_policy vflow_flow_flush_nl_policy[VFLOW_A_FLOW_IN_PORT + 1] = {
	[VFLOW_A_FLOW_SWITCH] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_FLOW_IN_PORT] = { .type = NLA_U32, },
};

/* VFLOW_CMD_EXPLAIN - do */
static const struct nla_policy vflow_explain_nl_policy[VFLOW_A_EXPLAIN_KEY + 1] = {
	[VFLOW_A_EXPLAIN_SWITCH] = { .type = NLA_NUL_STRING, .len = VFLOW_NAME_MAX_LEN, },
	[VFLOW_A_EXPLAIN_PORT] = { .type = NLA_U32, },
	[VFLOW_A_EXPLAIN_DIRECTION] = NLA_POLICY_MAX(NLA_U32, 1),
	[VFLOW_A_EXPLAIN_KEY] = NLA_POLICY_NESTED(vflow_flow_key_nl_policy),
};

/* Ops table for vflow */
static const struct genl_split_ops vflow_nl_ops[] = {
	{
		.cmd		= VFLOW_CMD_SWITCH_NEW,
		.doit		= vflow_nl_switch_new_doit,
		.policy		= vflow_switch_new_nl_policy,
		.maxattr	= VFLOW_A_SWITCH_OTHER_TIMEOUT,
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
		.maxattr	= VFLOW_A_PORT_MAX_FLOWS,
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
	{
		.cmd		= VFLOW_CMD_SWITCH_SET,
		.doit		= vflow_nl_switch_set_doit,
		.policy		= vflow_switch_set_nl_policy,
		.maxattr	= VFLOW_A_SWITCH_OTHER_TIMEOUT,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VFLOW_CMD_PORT_SET,
		.doit		= vflow_nl_port_set_doit,
		.policy		= vflow_port_set_nl_policy,
		.maxattr	= VFLOW_A_PORT_MAX_FLOWS,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VFLOW_CMD_RULE_NEW,
		.doit		= vflow_nl_rule_new_doit,
		.policy		= vflow_rule_new_nl_policy,
		.maxattr	= VFLOW_A_RULE_ACTIONS,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VFLOW_CMD_RULE_SET,
		.doit		= vflow_nl_rule_set_doit,
		.policy		= vflow_rule_set_nl_policy,
		.maxattr	= VFLOW_A_RULE_ACTIONS,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VFLOW_CMD_RULE_DEL,
		.doit		= vflow_nl_rule_del_doit,
		.policy		= vflow_rule_del_nl_policy,
		.maxattr	= VFLOW_A_RULE_ID,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VFLOW_CMD_RULE_GET,
		.doit		= vflow_nl_rule_get_doit,
		.policy		= vflow_rule_get_do_nl_policy,
		.maxattr	= VFLOW_A_RULE_ID,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VFLOW_CMD_RULE_GET,
		.dumpit		= vflow_nl_rule_get_dumpit,
		.policy		= vflow_rule_get_dump_nl_policy,
		.maxattr	= VFLOW_A_RULE_LAYER,
		.flags		= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= VFLOW_CMD_LAYER_NEW,
		.doit		= vflow_nl_layer_new_doit,
		.policy		= vflow_layer_new_nl_policy,
		.maxattr	= VFLOW_A_LAYER_IN_DEFAULT,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VFLOW_CMD_LAYER_SET,
		.doit		= vflow_nl_layer_set_doit,
		.policy		= vflow_layer_set_nl_policy,
		.maxattr	= VFLOW_A_LAYER_IN_DEFAULT,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VFLOW_CMD_LAYER_DEL,
		.doit		= vflow_nl_layer_del_doit,
		.policy		= vflow_layer_del_nl_policy,
		.maxattr	= VFLOW_A_LAYER_NAME,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VFLOW_CMD_LAYER_GET,
		.doit		= vflow_nl_layer_get_doit,
		.policy		= vflow_layer_get_do_nl_policy,
		.maxattr	= VFLOW_A_LAYER_NAME,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VFLOW_CMD_LAYER_GET,
		.dumpit		= vflow_nl_layer_get_dumpit,
		.policy		= vflow_layer_get_dump_nl_policy,
		.maxattr	= VFLOW_A_LAYER_SWITCH,
		.flags		= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= VFLOW_CMD_LAYER_BIND,
		.doit		= vflow_nl_layer_bind_doit,
		.policy		= vflow_layer_bind_nl_policy,
		.maxattr	= VFLOW_A_LAYER_IN_RULES,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VFLOW_CMD_LAYER_UNBIND,
		.doit		= vflow_nl_layer_unbind_doit,
		.policy		= vflow_layer_unbind_nl_policy,
		.maxattr	= VFLOW_A_LAYER_IN_RULES,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VFLOW_CMD_FLOW_GET,
		.dumpit		= vflow_nl_flow_get_dumpit,
		.policy		= vflow_flow_get_nl_policy,
		.maxattr	= VFLOW_A_FLOW_IN_PORT,
		.flags		= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= VFLOW_CMD_FLOW_FLUSH,
		.doit		= vflow_nl_flow_flush_doit,
		.policy		= vflow_flow_flush_nl_policy,
		.maxattr	= VFLOW_A_FLOW_IN_PORT,
		.flags		= GENL_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VFLOW_CMD_EXPLAIN,
		.doit		= vflow_nl_explain_doit,
		.policy		= vflow_explain_nl_policy,
		.maxattr	= VFLOW_A_EXPLAIN_KEY,
		.flags		= GENL_CMD_CAP_DO,
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
