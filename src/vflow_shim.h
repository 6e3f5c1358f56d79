/* SPDX-License-Identifier: GPL-2.0 */
/*
 * C shims for vflow's Rust FFI layer (src/ffi/): static inlines and macros that have no symbol,
 * and fields of structs that are opaque to Rust's bindings (struct net_device). Nothing here makes
 * a decision; every function is a one- or two-liner over a kernel API.
 */
#ifndef VFLOW_SHIM_H
#define VFLOW_SHIM_H

#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>

/* net_device */
void vflow_dev_hold(struct net_device *dev);
void vflow_dev_put(struct net_device *dev);
int vflow_dev_ifindex(const struct net_device *dev);
const char *vflow_dev_name(const struct net_device *dev);
bool vflow_dev_is_ether(const struct net_device *dev);
void *vflow_dev_rx_handler_data(struct net_device *dev, rx_handler_func_t *handler);
void *vflow_skb_rx_handler_data(const struct sk_buff *skb);
struct net_device *vflow_notifier_dev(void *info);
int vflow_rx_handler_register(struct net_device *dev, rx_handler_func_t *handler, void *data);

/* sk_buff */
unsigned int vflow_skb_frame_len(const struct sk_buff *skb);
int vflow_skb_vlan_id(const struct sk_buff *skb);
/* What vflow_skb_rx_prepare() learnt of a received frame (mirrored in src/ffi/skb.rs). */
struct vflow_rx_frame {
	const u8 *frame;	/* the Ethernet header */
	u32 linear;		/* bytes readable from @frame */
	u32 len;		/* frame length, Ethernet header included */
	s32 vlan;		/* VID of the outer tag in skb metadata, or -1 */
};
enum { VFLOW_RX_READY, VFLOW_RX_LOOPBACK, VFLOW_RX_GONE, VFLOW_RX_NOMEM };
int vflow_skb_rx_prepare(struct sk_buff **pskb, unsigned int want, struct vflow_rx_frame *f);
int vflow_skb_xmit(struct sk_buff *skb, struct net_device *dev);
void vflow_skb_free(struct sk_buff *skb, enum skb_drop_reason reason);
void vflow_skb_consume(struct sk_buff *skb);

/* slab caches */
struct kmem_cache *vflow_slab_create(const char *name, unsigned int size, unsigned int align);
void *vflow_slab_alloc_atomic(struct kmem_cache *c);

/* time, scheduling, deferred work */
unsigned long vflow_hz(void);
void vflow_cond_resched(void);
void vflow_init_delayed_work(struct delayed_work *dw, work_func_t fn);
bool vflow_schedule_delayed_work(struct delayed_work *dw, unsigned long delay);

/* per-CPU memory */
void __percpu *vflow_percpu_alloc(size_t size, size_t align);
void vflow_percpu_free(void __percpu *ptr);
void *vflow_percpu_this(void __percpu *ptr);
void *vflow_percpu_cpu(void __percpu *ptr, int cpu);
int vflow_next_possible_cpu(int prev);

/* pernet */
void **vflow_net_generic(const struct net *net, unsigned int id);

/* generic netlink */
u32 vflow_op_maxattr(u8 cmd, bool dump);
struct net *vflow_genl_info_net(const struct genl_info *info);
struct genl_info *vflow_genl_dump_info(struct netlink_callback *cb);
struct net *vflow_dump_net(const struct netlink_callback *cb);
void *vflow_genl_put_reply(struct sk_buff *skb, struct genl_info *info, u8 cmd);
void *vflow_genl_put_dump(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd);
int vflow_genl_reply(struct sk_buff *skb, struct genl_info *info);
struct nlattr *vflow_nla_nest_start(struct sk_buff *skb, int attrtype);
void vflow_nla_nest_end(struct sk_buff *skb, struct nlattr *start);
void vflow_nla_nest_cancel(struct sk_buff *skb, struct nlattr *start);

#endif /* VFLOW_SHIM_H */
