/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/vflow.yaml */
/* YNL-GEN kernel header */
/* To regenerate run: tools/net/ynl/ynl-regen.sh */

#ifndef _LINUX_VFLOW_GEN_H
#define _LINUX_VFLOW_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/vflow.h>

/* Common nested types */
extern const struct nla_policy vflow_action_nl_policy[VFLOW_A_ACTION_TYPE + 1];
extern const struct nla_policy vflow_actions_nl_policy[VFLOW_A_ACTIONS_ACTION + 1];
extern const struct nla_policy vflow_flow_key_nl_policy[VFLOW_A_FLOW_KEY_TCP_FLAGS + 1];
extern const struct nla_policy vflow_layer_stack_nl_policy[VFLOW_A_LAYER_STACK_NAME + 1];
extern const struct nla_policy vflow_match_nl_policy[VFLOW_A_MATCH_TCP_FLAGS_MASK + 1];
extern const struct nla_policy vflow_rule_list_nl_policy[VFLOW_A_RULE_LIST_ID + 1];

int vflow_nl_switch_new_doit(struct sk_buff *skb, struct genl_info *info);
int vflow_nl_switch_del_doit(struct sk_buff *skb, struct genl_info *info);
int vflow_nl_switch_get_doit(struct sk_buff *skb, struct genl_info *info);
int vflow_nl_switch_get_dumpit(struct sk_buff *skb,
			       struct netlink_callback *cb);
int vflow_nl_port_new_doit(struct sk_buff *skb, struct genl_info *info);
int vflow_nl_port_del_doit(struct sk_buff *skb, struct genl_info *info);
int vflow_nl_port_get_doit(struct sk_buff *skb, struct genl_info *info);
int vflow_nl_port_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int vflow_nl_fdb_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int vflow_nl_switch_set_doit(struct sk_buff *skb, struct genl_info *info);
int vflow_nl_port_set_doit(struct sk_buff *skb, struct genl_info *info);
int vflow_nl_rule_new_doit(struct sk_buff *skb, struct genl_info *info);
int vflow_nl_rule_set_doit(struct sk_buff *skb, struct genl_info *info);
int vflow_nl_rule_del_doit(struct sk_buff *skb, struct genl_info *info);
int vflow_nl_rule_get_doit(struct sk_buff *skb, struct genl_info *info);
int vflow_nl_rule_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int vflow_nl_layer_new_doit(struct sk_buff *skb, struct genl_info *info);
int vflow_nl_layer_set_doit(struct sk_buff *skb, struct genl_info *info);
int vflow_nl_layer_del_doit(struct sk_buff *skb, struct genl_info *info);
int vflow_nl_layer_get_doit(struct sk_buff *skb, struct genl_info *info);
int vflow_nl_layer_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int vflow_nl_layer_bind_doit(struct sk_buff *skb, struct genl_info *info);
int vflow_nl_layer_unbind_doit(struct sk_buff *skb, struct genl_info *info);
int vflow_nl_flow_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int vflow_nl_flow_flush_doit(struct sk_buff *skb, struct genl_info *info);
int vflow_nl_explain_doit(struct sk_buff *skb, struct genl_info *info);

extern struct genl_family vflow_nl_family;

#endif /* _LINUX_VFLOW_GEN_H */
