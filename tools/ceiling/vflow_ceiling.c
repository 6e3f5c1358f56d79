// SPDX-License-Identifier: GPL-2.0
/*
 * vflow_ceiling: the ceiling "L" of `make bench`. An rx_handler on one device that sends every
 * received frame out of another device with no lookup at all: the least work any rx_handler-based
 * switch must do to forward a frame (the same steps as vflow's transmit: unshare, MTU check,
 * restore the Ethernet header, dev_queue_xmit).
 *
 * A measuring tool, not part of vflow: see README.md. The devices are looked up in the network
 * namespace of the process that loads the module (`ip netns exec NS insmod ...`).
 *
 *   insmod vflow_ceiling.ko in=dummy0 out=dummy1
 */
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/rtnetlink.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <net/net_namespace.h>

static char *in = "dummy0";
module_param(in, charp, 0444);
MODULE_PARM_DESC(in, "device whose received frames are forwarded");
static char *out = "dummy1";
module_param(out, charp, 0444);
MODULE_PARM_DESC(out, "device the frames are sent out of");

static struct net_device *in_dev, *out_dev;
static netdevice_tracker in_tracker, out_tracker;

static rx_handler_result_t ceiling_rx(struct sk_buff **pskb)
{
	struct net_device *dst = rcu_dereference((*pskb)->dev->rx_handler_data);
	struct sk_buff *skb = skb_share_check(*pskb, GFP_ATOMIC);

	if (!skb)
		return RX_HANDLER_CONSUMED;
	if (unlikely(!is_skb_forwardable(dst, skb))) {
		kfree_skb_reason(skb, SKB_DROP_REASON_PKT_TOO_BIG);
		return RX_HANDLER_CONSUMED;
	}
	skb_push(skb, ETH_HLEN);
	skb->dev = dst;
	dev_queue_xmit(skb);
	return RX_HANDLER_CONSUMED;
}

static int __init ceiling_init(void)
{
	struct net *net = current->nsproxy->net_ns;
	int err;

	in_dev = netdev_get_by_name(net, in, &in_tracker, GFP_KERNEL);
	out_dev = netdev_get_by_name(net, out, &out_tracker, GFP_KERNEL);
	if (!in_dev || !out_dev || in_dev == out_dev) {
		pr_err("vflow_ceiling: need two distinct devices in=%s out=%s in this netns\n", in, out);
		err = -ENODEV;
		goto put;
	}
	rtnl_lock();
	err = netdev_rx_handler_register(in_dev, ceiling_rx, out_dev);
	rtnl_unlock();
	if (err) {
		pr_err("vflow_ceiling: %s already has an rx_handler (%d)\n", in, err);
		goto put;
	}
	pr_info("vflow_ceiling: %s -> %s\n", in, out);
	return 0;
put:
	netdev_put(in_dev, &in_tracker);
	netdev_put(out_dev, &out_tracker);
	return err;
}

static void __exit ceiling_exit(void)
{
	rtnl_lock();
	netdev_rx_handler_unregister(in_dev);	/* waits for running handlers */
	rtnl_unlock();
	netdev_put(in_dev, &in_tracker);
	netdev_put(out_dev, &out_tracker);
}

module_init(ceiling_init);
module_exit(ceiling_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vflow bench ceiling: forward every frame of one device to another, no lookup");
