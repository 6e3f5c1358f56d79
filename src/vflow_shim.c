// SPDX-License-Identifier: GPL-2.0
/*
 * C shims for vflow's Rust FFI layer; see vflow_shim.h. Only static inlines, macros and opaque
 * struct fields are wrapped here: all policy lives in Rust.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netns/generic.h>
#include <net/sock.h>

#include "vflow_nl_gen.h"
#include "vflow_shim.h"

/* Values the Rust side hard-codes (src/ffi/consts.rs); the build fails if the kernel changes them. */
static_assert(RX_HANDLER_CONSUMED == 0);
static_assert(RX_HANDLER_PASS == 3);
static_assert(NETDEV_UNREGISTER == 6);
static_assert(NOTIFY_DONE == 0);
static_assert(ETH_HLEN == 14);

void vflow_dev_hold(struct net_device *dev)
{
	dev_hold(dev);
}

void vflow_dev_put(struct net_device *dev)
{
	dev_put(dev);
}

int vflow_dev_ifindex(const struct net_device *dev)
{
	return dev->ifindex;
}

const char *vflow_dev_name(const struct net_device *dev)
{
	return dev->name;
}

/* Only Ethernet-like devices can be switch ports (vflow forwards by MAC). */
bool vflow_dev_is_ether(const struct net_device *dev)
{
	return dev->type == ARPHRD_ETHER && dev->addr_len == ETH_ALEN &&
	       !(dev->flags & IFF_LOOPBACK);
}

/* Under RTNL: the port behind @dev when @handler (vflow's) is its rx_handler, else NULL. */
void *vflow_dev_rx_handler_data(struct net_device *dev, rx_handler_func_t *handler)
{
	if (rtnl_dereference(dev->rx_handler) != handler)
		return NULL;
	return rtnl_dereference(dev->rx_handler_data);
}

/* In an rx_handler (RCU read side): the data registered with the receiving device's handler. */
void *vflow_skb_rx_handler_data(const struct sk_buff *skb)
{
	return rcu_dereference(skb->dev->rx_handler_data);
}

struct net_device *vflow_notifier_dev(void *info)
{
	return netdev_notifier_info_to_dev(info);
}

/* Caller holds RTNL. Returns -EBUSY when the device already has an rx_handler. */
int vflow_rx_handler_register(struct net_device *dev, rx_handler_func_t *handler, void *data)
{
	return netdev_rx_handler_register(dev, handler, data);
}

/* Frame length including the Ethernet header that eth_type_trans() pulled. */
unsigned int vflow_skb_frame_len(const struct sk_buff *skb)
{
	return skb->len + skb->mac_len;
}

/*
 * The VID of the outer VLAN tag the receive path moved into skb metadata (it untags frames before
 * rx_handlers run), or -1 if there is none.
 */
int vflow_skb_vlan_id(const struct sk_buff *skb)
{
	return skb_vlan_tag_present(skb) ? skb_vlan_tag_get_id(skb) : -1;
}

/*
 * Send a received frame out of @dev: restore the Ethernet header, as br_dev_queue_push_xmit()
 * does. Consumes @skb. Returns 0 when the device took it, else a negative errno (-EMSGSIZE: the
 * frame does not fit @dev; other: the device or its qdisc dropped it).
 */
int vflow_skb_xmit(struct sk_buff *skb, struct net_device *dev)
{
	int rc;

	if (!is_skb_forwardable(dev, skb)) {
		kfree_skb_reason(skb, SKB_DROP_REASON_PKT_TOO_BIG);
		return -EMSGSIZE;
	}
	skb_push(skb, ETH_HLEN);
	skb->dev = dev;
	rc = dev_queue_xmit(skb);	/* net_xmit_eval() evaluates its argument twice */
	rc = net_xmit_eval(rc);
	return rc > 0 ? -ENOBUFS : rc;
}

void vflow_skb_free(struct sk_buff *skb, enum skb_drop_reason reason)
{
	kfree_skb_reason(skb, reason);
}

void vflow_skb_consume(struct sk_buff *skb)
{
	consume_skb(skb);
}

void __percpu *vflow_percpu_alloc(size_t size, size_t align)
{
	return __alloc_percpu_gfp(size, align, GFP_KERNEL);
}

void vflow_percpu_free(void __percpu *ptr)
{
	free_percpu(ptr);
}

void *vflow_percpu_this(void __percpu *ptr)
{
	return this_cpu_ptr(ptr);
}

void *vflow_percpu_cpu(void __percpu *ptr, int cpu)
{
	return per_cpu_ptr(ptr, cpu);
}

/* Next possible CPU after @prev (-1 to start); >= nr_cpu_ids at the end. */
int vflow_next_possible_cpu(int prev)
{
	return cpumask_next(prev, cpu_possible_mask);
}

void **vflow_net_generic(const struct net *net, unsigned int id)
{
	return net_generic(net, id);
}

/* maxattr of the generated split op for @cmd: info->attrs has maxattr + 1 entries. */
u32 vflow_op_maxattr(u8 cmd, bool dump)
{
	u32 want = dump ? GENL_CMD_CAP_DUMP : GENL_CMD_CAP_DO;
	int i;

	for (i = 0; i < vflow_nl_family.n_split_ops; i++) {
		const struct genl_split_ops *op = &vflow_nl_family.split_ops[i];

		if (op->cmd == cmd && (op->flags & want))
			return op->maxattr;
	}
	return 0;
}

struct net *vflow_genl_info_net(const struct genl_info *info)
{
	return genl_info_net(info);
}

struct genl_info *vflow_genl_dump_info(struct netlink_callback *cb)
{
	return (struct genl_info *)genl_info_dump(cb);
}

struct net *vflow_dump_net(const struct netlink_callback *cb)
{
	return sock_net(cb->skb->sk);
}

void *vflow_genl_put_reply(struct sk_buff *skb, struct genl_info *info, u8 cmd)
{
	return genlmsg_put_reply(skb, info, &vflow_nl_family, 0, cmd);
}

void *vflow_genl_put_dump(struct sk_buff *skb, struct netlink_callback *cb, u8 cmd)
{
	return genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			   &vflow_nl_family, NLM_F_MULTI, cmd);
}

int vflow_genl_reply(struct sk_buff *skb, struct genl_info *info)
{
	return genlmsg_reply(skb, info);
}

struct nlattr *vflow_nla_nest_start(struct sk_buff *skb, int attrtype)
{
	return nla_nest_start(skb, attrtype);
}

void vflow_nla_nest_end(struct sk_buff *skb, struct nlattr *start)
{
	nla_nest_end(skb, start);
}

void vflow_nla_nest_cancel(struct sk_buff *skb, struct nlattr *start)
{
	nla_nest_cancel(skb, start);
}

/*
 * The receive path's first steps in one call (each call into C costs as much as the work here):
 * - a frame the host loops back to itself is not switched: VFLOW_RX_LOOPBACK, @skb untouched;
 * - @f->len is the frame length (Ethernet header included);
 * - a shared skb (packet generators, taps) is copied, as we change skb->dev and push the header
 *   back: VFLOW_RX_GONE if that fails (the frame is freed, *@pskb is NULL);
 * - the first @want bytes of the frame (or all of it if shorter) are made linear:
 *   VFLOW_RX_NOMEM if that fails (the frame is still ours);
 * - @f->frame, @f->linear: where the frame starts and how many bytes are readable from there;
 *   @f->vlan: the outer VLAN tag the receive path moved into skb metadata, or -1.
 * Called with skb->data just past the Ethernet header, as rx_handlers see it.
 */
int vflow_skb_rx_prepare(struct sk_buff **pskb, unsigned int want, struct vflow_rx_frame *f)
{
	struct sk_buff *skb = *pskb;
	unsigned int mac_len, need;

	if (unlikely(skb->pkt_type == PACKET_LOOPBACK))
		return VFLOW_RX_LOOPBACK;
	f->len = skb->len + skb->mac_len;
	skb = skb_share_check(skb, GFP_ATOMIC);
	*pskb = skb;
	if (unlikely(!skb))
		return VFLOW_RX_GONE;
	mac_len = skb->data - skb_mac_header(skb);
	need = want > mac_len ? want - mac_len : 0;
	if (unlikely(!pskb_may_pull(skb, min(need, skb->len))))
		return VFLOW_RX_NOMEM;
	f->vlan = vflow_skb_vlan_id(skb);
	f->linear = skb_headlen(skb) + mac_len;
	f->frame = skb_mac_header(skb);
	return VFLOW_RX_READY;
}
static_assert(sizeof(struct vflow_rx_frame) == 24);

/* kmem_cache_create() and kmem_cache_alloc() are macros. */
struct kmem_cache *vflow_slab_create(const char *name, unsigned int size, unsigned int align)
{
	return kmem_cache_create(name, size, align, 0, NULL);
}

void *vflow_slab_alloc_atomic(struct kmem_cache *c)
{
	return kmem_cache_alloc(c, GFP_ATOMIC);
}

unsigned long vflow_hz(void)
{
	return HZ;
}

void vflow_cond_resched(void)
{
	cond_resched();
}

void vflow_init_delayed_work(struct delayed_work *dw, work_func_t fn)
{
	INIT_DELAYED_WORK(dw, fn);
}

bool vflow_schedule_delayed_work(struct delayed_work *dw, unsigned long delay)
{
	return queue_delayed_work(system_power_efficient_wq, dw, delay);
}
