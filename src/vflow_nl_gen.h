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

extern struct genl_family vflow_nl_family;

#endif /* _LINUX_VFLOW_GEN_H */
