// SPDX-License-Identifier: GPL-2.0
/*
 * ovsdp: a minimal client of the Open vSwitch kernel datapath (openvswitch.ko) for `make bench`:
 * create a datapath, attach devices, install flows in bulk directly over the ovs_* generic netlink
 * families (no ovs-vswitchd). One process installs 1M flows in seconds, where one Python call per
 * flow (the kernel selftest's ovs-dpctl.py) takes seconds each under TCG.
 *
 *   ovsdp add-dp DP                    datapath DP (its internal port gets no upcalls)
 *   ovsdp del-dp DP
 *   ovsdp add-if DP IFNAME PORTNO      attach IFNAME as vport PORTNO
 *   ovsdp flows DP IN OUT MODE N SMAC DMAC SIP DIP SPORT DPORT
 *       IPv4/UDP flows in_port(IN) -> output(OUT).
 *       MODE wild:  one flow like ovs-vswitchd's megaflow for an in_port rule:
 *                   in_port, eth_type(0x0800), ipv4(frag=no) exact, the rest wildcarded (N ignored)
 *       MODE exact: N flows exact on in_port, eth, eth_type, ipv4 (src = SIP + i, i < N), udp
 *       MODE masks: N flows with N distinct masks (ipv4 src/dst prefixes, udp src bits, N <= 288);
 *                   the last one (source wildcarded) matches the traffic, the others never
 *                   do: a lookup that misses the mask cache walks the masks
 *   ovsdp upcall DP IN OUT STATEFILE
 *       a minimal upcall handler standing in for ovs-vswitchd (a lower bound of its work): misses
 *       of vport IN come to this process, which installs an exact-match flow for the packet's
 *       whole key (-> output OUT) and sends the packet back to be executed. Whenever its queue is
 *       empty it writes "HANDLED LAST_REALTIME_NS" to STATEFILE. Runs until killed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/openvswitch.h>
#include <net/if.h>
#include <fcntl.h>
#include <time.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUFSZ (256 * 1024)
static int sock;
static uint32_t seq;

struct msg {
	char *buf;
	size_t len;
};

static void die(const char *what, int err)
{
	fprintf(stderr, "ovsdp: %s: %s\n", what, strerror(err));
	exit(1);
}

static struct nlmsghdr *msg_start(struct msg *m, uint16_t type, uint8_t cmd, uint16_t flags,
				  int dp_ifindex, int with_ovs_hdr)
{
	struct nlmsghdr *n = (struct nlmsghdr *)(m->buf + m->len);
	struct genlmsghdr *g = NLMSG_DATA(n);

	memset(n, 0, NLMSG_HDRLEN + GENL_HDRLEN + sizeof(struct ovs_header));
	n->nlmsg_type = type;
	n->nlmsg_flags = NLM_F_REQUEST | flags;
	n->nlmsg_seq = ++seq;
	g->cmd = cmd;
	g->version = with_ovs_hdr ? OVS_DATAPATH_VERSION : 1;
	n->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN;
	if (with_ovs_hdr) {
		struct ovs_header *o = (struct ovs_header *)((char *)g + GENL_HDRLEN);

		o->dp_ifindex = dp_ifindex;
		n->nlmsg_len += sizeof(*o);
	}
	return n;
}

static struct nlattr *put(struct nlmsghdr *n, uint16_t type, const void *data, size_t len)
{
	struct nlattr *a = (struct nlattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));

	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy((char *)a + NLA_HDRLEN, data, len);
	n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + NLA_ALIGN(a->nla_len);
	return a;
}

static void put_u32(struct nlmsghdr *n, uint16_t type, uint32_t v)
{
	put(n, type, &v, 4);
}

static struct nlattr *nest(struct nlmsghdr *n, uint16_t type)
{
	return put(n, type | NLA_F_NESTED, NULL, 0);
}

static void nest_end(struct nlmsghdr *n, struct nlattr *a)
{
	a->nla_len = (char *)n + n->nlmsg_len - (char *)a;
}

static void msg_end(struct msg *m, struct nlmsghdr *n)
{
	m->len += NLMSG_ALIGN(n->nlmsg_len);
}

/* Sends the batch and reads `acks` acknowledgements; returns the first error (0 = none). */
static int xfer(struct msg *m, int acks, void (*reply)(struct nlmsghdr *))
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	static char rbuf[BUFSZ];
	int first_err = 0;

	if (sendto(sock, m->buf, m->len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("send", errno);
	m->len = 0;
	while (acks > 0) {
		ssize_t r = recv(sock, rbuf, sizeof(rbuf), 0);
		struct nlmsghdr *n;

		if (r < 0)
			die("recv", errno);
		for (n = (struct nlmsghdr *)rbuf; NLMSG_OK(n, r); n = NLMSG_NEXT(n, r)) {
			if (n->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(n);

				if (e->error && !first_err)
					first_err = -e->error;
				acks--;
			} else if (reply) {
				reply(n);
			}
		}
	}
	return first_err;
}

static uint16_t family_id;
static void family_reply(struct nlmsghdr *n)
{
	struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(n) + GENL_HDRLEN);
	int len = n->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;

	for (; len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len;
	     len -= NLA_ALIGN(a->nla_len), a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
		if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
			family_id = *(uint16_t *)((char *)a + NLA_HDRLEN);
}

static uint16_t family(struct msg *m, const char *name)
{
	struct nlmsghdr *n = msg_start(m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK, 0, 0);
	int err;

	put(n, CTRL_ATTR_FAMILY_NAME, name, strlen(name) + 1);
	msg_end(m, n);
	family_id = 0;
	err = xfer(m, 1, family_reply);
	if (err || !family_id) {
		fprintf(stderr, "ovsdp: no generic netlink family %s (openvswitch.ko loaded?)\n", name);
		exit(1);
	}
	return family_id;
}

static int dp_index(const char *dp)
{
	int i = if_nametoindex(dp);

	if (!i) {
		fprintf(stderr, "ovsdp: no datapath %s\n", dp);
		exit(1);
	}
	return i;
}

static void parse_mac(const char *s, uint8_t *mac)
{
	if (sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4],
		   &mac[5]) != 6) {
		fprintf(stderr, "ovsdp: bad MAC %s\n", s);
		exit(2);
	}
}

struct tmpl {
	uint32_t in, out;
	struct ovs_key_ethernet eth;
	struct ovs_key_ipv4 ip;
	struct ovs_key_udp udp;
};

static void put_key(struct nlmsghdr *n, uint16_t type, uint32_t in, const struct ovs_key_ethernet *eth,
		    uint16_t ethertype, const struct ovs_key_ipv4 *ip, const struct ovs_key_udp *udp)
{
	struct nlattr *k = nest(n, type);

	put_u32(n, OVS_KEY_ATTR_IN_PORT, in);
	put(n, OVS_KEY_ATTR_ETHERNET, eth, sizeof(*eth));
	put(n, OVS_KEY_ATTR_ETHERTYPE, &ethertype, 2);
	put(n, OVS_KEY_ATTR_IPV4, ip, sizeof(*ip));
	put(n, OVS_KEY_ATTR_UDP, udp, sizeof(*udp));
	nest_end(n, k);
}

static void add_flow(struct msg *m, uint16_t fam, int dpi, const struct tmpl *t,
		     const struct ovs_key_ipv4 *ip, const struct ovs_key_udp *udp,
		     const struct ovs_key_ipv4 *ipmask, const struct ovs_key_udp *udpmask,
		     const struct ovs_key_ethernet *ethmask)
{
	struct nlmsghdr *n = msg_start(m, fam, OVS_FLOW_CMD_NEW, NLM_F_ACK | NLM_F_CREATE, dpi, 1);
	struct nlattr *acts;

	put_key(n, OVS_FLOW_ATTR_KEY, t->in, &t->eth, htons(0x0800), ip, udp);
	if (ipmask)
		put_key(n, OVS_FLOW_ATTR_MASK, 0xffffffff, ethmask, 0xffff, ipmask, udpmask);
	acts = nest(n, OVS_FLOW_ATTR_ACTIONS);
	put_u32(n, OVS_ACTION_ATTR_OUTPUT, t->out);
	nest_end(n, acts);
	msg_end(m, n);
}

static int cmd_flows(struct msg *m, char **av)
{
	uint16_t fam = family(m, OVS_FLOW_FAMILY);
	int dpi = dp_index(av[0]);
	const char *mode = av[3];
	long nflows = atol(av[4]), i, pending = 0;
	struct tmpl t = { .in = atoi(av[1]), .out = atoi(av[2]) };
	struct ovs_key_ipv4 ip, ipmask;
	struct ovs_key_udp udp, udpmask;
	struct ovs_key_ethernet ethmask;
	struct in_addr sip, dip;
	int err;

	parse_mac(av[5], t.eth.eth_src);
	parse_mac(av[6], t.eth.eth_dst);
	if (!inet_aton(av[7], &sip) || !inet_aton(av[8], &dip)) {
		fprintf(stderr, "ovsdp: bad IPv4 address\n");
		return 2;
	}
	memset(&t.ip, 0, sizeof(t.ip));
	t.ip.ipv4_src = sip.s_addr;
	t.ip.ipv4_dst = dip.s_addr;
	t.ip.ipv4_proto = 17;
	t.ip.ipv4_ttl = 32;	/* what pktgen sends */
	t.ip.ipv4_frag = OVS_FRAG_TYPE_NONE;
	t.udp.udp_src = htons(atoi(av[9]));
	t.udp.udp_dst = htons(atoi(av[10]));

	if (!strcmp(mode, "wild")) {
		memset(&ipmask, 0, sizeof(ipmask));
		memset(&udpmask, 0, sizeof(udpmask));
		memset(&ethmask, 0, sizeof(ethmask));
		ipmask.ipv4_frag = 0xff;
		add_flow(m, fam, dpi, &t, &t.ip, &t.udp, &ipmask, &udpmask, &ethmask);
		return xfer(m, 1, NULL);
	}
	if (!strcmp(mode, "masks")) {
		/* Flow i < N-1: ipv4 src /(24 + i % 9), udp src high (16 - i / 9 % 16) bits, ipv4 dst
		 * /32 or /24 (i / 144): distinct masks for i < 288. Its key's source is 11.0.0.0 +
		 * 256 * i, inside every one of these masks: no two flows overlap and none matches the
		 * traffic (10.x). The last flow wildcards the source address and port: it matches all. */
		if (nflows < 1 || nflows > 288) {
			fprintf(stderr, "ovsdp: masks: 1..288\n");
			return 2;
		}
		for (i = 0; i < nflows; i++) {
			int plen = 24 + i % 9, ubits = 16 - (i / 9) % 16, dplen = 32 - 8 * (i / 144);
			uint32_t m32 = 0xffffffffu << (32 - plen), d32 = 0xffffffffu << (32 - dplen);
			uint16_t m16 = (uint16_t)(0xffffu << (16 - ubits));

			memset(&ethmask, 0xff, sizeof(ethmask));
			ipmask = (struct ovs_key_ipv4){ .ipv4_src = htonl(m32), .ipv4_dst = htonl(d32),
				.ipv4_proto = 0xff, .ipv4_frag = 0xff };
			udpmask = (struct ovs_key_udp){ .udp_src = htons(m16), .udp_dst = 0xffff };
			ip = t.ip;
			udp = t.udp;
			ip.ipv4_src = htonl((11u << 24) + 256u * (uint32_t)i);
			if (i == nflows - 1) {
				ipmask.ipv4_src = 0;
				udpmask.udp_src = 0;
				ipmask.ipv4_dst = 0xffffffff;
			}
			ip.ipv4_src &= ipmask.ipv4_src;
			ip.ipv4_dst &= ipmask.ipv4_dst;
			udp.udp_src &= udpmask.udp_src;
			add_flow(m, fam, dpi, &t, &ip, &udp, &ipmask, &udpmask, &ethmask);
			if ((err = xfer(m, 1, NULL)))
				return err;
		}
		return 0;
	}
	if (strcmp(mode, "exact"))
		return 2;
	for (i = 0; i < nflows; i++) {
		ip = t.ip;
		ip.ipv4_src = htonl(ntohl(t.ip.ipv4_src) + i);
		add_flow(m, fam, dpi, &t, &ip, &t.udp, NULL, NULL, NULL);
		if (++pending == 200 || i == nflows - 1) {
			if ((err = xfer(m, pending, NULL)))
				return err;
			pending = 0;
		}
	}
	return 0;
}

static struct nlattr *find_attr(struct nlattr *a, int len, int type)
{
	for (; len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len;
	     len -= NLA_ALIGN(a->nla_len), a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
	return NULL;
}

static int cmd_upcall(struct msg *m, char **av)
{
	uint16_t vfam = family(m, OVS_VPORT_FAMILY), ffam = family(m, OVS_FLOW_FAMILY);
	uint16_t pfam = family(m, OVS_PACKET_FAMILY);
	int dpi = dp_index(av[0]);
	uint32_t in = atoi(av[1]), out = atoi(av[2]);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t salen = sizeof(sa);
	static char rbuf[BUFSZ];
	int up, err, rcvbuf = 8 << 20;
	long handled = 0;
	long long last_ns = 0;
	struct nlmsghdr *n;

	/* the socket the kernel sends this vport's misses to */
	up = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	if (up < 0 || bind(up, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(up, (struct sockaddr *)&sa, &salen) < 0)
		die("upcall socket", errno);
	setsockopt(up, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	n = msg_start(m, vfam, OVS_VPORT_CMD_SET, NLM_F_ACK, dpi, 1);
	put_u32(n, OVS_VPORT_ATTR_PORT_NO, in);
	put_u32(n, OVS_VPORT_ATTR_UPCALL_PID, sa.nl_pid);
	msg_end(m, n);
	if ((err = xfer(m, 1, NULL)))
		return err;
	fcntl(sock, F_SETFL, O_NONBLOCK);
	for (;;) {
		ssize_t r = recv(up, rbuf, sizeof(rbuf), MSG_DONTWAIT);

		if (r < 0 && errno == EAGAIN) {
			/* idle: publish the count, drain errors of the control socket, then wait */
			char line[64];
			int fd = open(av[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);

			if (fd >= 0) {
				int l = snprintf(line, sizeof(line), "%ld %lld\n", handled, last_ns);

				if (write(fd, line, l) != l)
					die("state file", errno);
				close(fd);
			}
			while (recv(sock, rbuf, sizeof(rbuf), 0) > 0)
				;
			r = recv(up, rbuf, sizeof(rbuf), 0);
		}
		if (r < 0) {
			if (errno == ENOBUFS || errno == EINTR)	/* the kernel dropped upcalls: go on */
				continue;
			die("upcall recv", errno);
		}
		for (n = (struct nlmsghdr *)rbuf; NLMSG_OK(n, r); n = NLMSG_NEXT(n, r)) {
			struct genlmsghdr *g = NLMSG_DATA(n);
			int hl = GENL_HDRLEN + sizeof(struct ovs_header);
			struct nlattr *attrs = (struct nlattr *)((char *)g + hl), *pkt, *key, *acts;
			int alen = n->nlmsg_len - NLMSG_HDRLEN - hl;
			struct nlmsghdr *o;
			struct timespec ts;

			if (n->nlmsg_type != pfam || g->cmd != OVS_PACKET_CMD_MISS)
				continue;
			pkt = find_attr(attrs, alen, OVS_PACKET_ATTR_PACKET);
			key = find_attr(attrs, alen, OVS_PACKET_ATTR_KEY);
			if (!pkt || !key)
				continue;
			/* exact-match flow on the whole key, as an upcall handler without a classifier */
			o = msg_start(m, ffam, OVS_FLOW_CMD_NEW, NLM_F_CREATE, dpi, 1);
			put(o, OVS_FLOW_ATTR_KEY | NLA_F_NESTED, (char *)key + NLA_HDRLEN,
			    key->nla_len - NLA_HDRLEN);
			acts = nest(o, OVS_FLOW_ATTR_ACTIONS);
			put_u32(o, OVS_ACTION_ATTR_OUTPUT, out);
			nest_end(o, acts);
			msg_end(m, o);
			/* and the packet itself */
			o = msg_start(m, pfam, OVS_PACKET_CMD_EXECUTE, 0, dpi, 1);
			put(o, OVS_PACKET_ATTR_PACKET, (char *)pkt + NLA_HDRLEN, pkt->nla_len - NLA_HDRLEN);
			put(o, OVS_PACKET_ATTR_KEY | NLA_F_NESTED, (char *)key + NLA_HDRLEN,
			    key->nla_len - NLA_HDRLEN);
			acts = nest(o, OVS_PACKET_ATTR_ACTIONS);
			put_u32(o, OVS_ACTION_ATTR_OUTPUT, out);
			nest_end(o, acts);
			msg_end(m, o);
			if (sendto(sock, m->buf, m->len, 0, (struct sockaddr *)&(struct sockaddr_nl){
				   .nl_family = AF_NETLINK }, sizeof(struct sockaddr_nl)) < 0 &&
			    errno != EAGAIN)
				die("upcall send", errno);
			m->len = 0;
			handled++;
			clock_gettime(CLOCK_REALTIME, &ts);
			last_ns = ts.tv_sec * 1000000000LL + ts.tv_nsec;
		}
	}
	return 0;
}

int main(int ac, char **av)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct msg m = { .buf = malloc(BUFSZ) };
	struct nlmsghdr *n;
	int err, rcvbuf = 4 << 20;

	if (ac < 3) {
		fprintf(stderr, "usage: see the top of tests/bench/ovsdp.c\n");
		return 2;
	}
	sock = socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	if (sock < 0 || bind(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("socket", errno);
	setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (!strcmp(av[1], "add-dp")) {
		uint16_t fam = family(&m, OVS_DATAPATH_FAMILY);

		n = msg_start(&m, fam, OVS_DP_CMD_NEW, NLM_F_ACK, 0, 1);
		put(n, OVS_DP_ATTR_NAME, av[2], strlen(av[2]) + 1);
		put_u32(n, OVS_DP_ATTR_UPCALL_PID, 0);
		put_u32(n, OVS_DP_ATTR_USER_FEATURES, OVS_DP_F_UNALIGNED | OVS_DP_F_VPORT_PIDS);
		msg_end(&m, n);
		err = xfer(&m, 1, NULL);
	} else if (!strcmp(av[1], "del-dp")) {
		uint16_t fam = family(&m, OVS_DATAPATH_FAMILY);

		n = msg_start(&m, fam, OVS_DP_CMD_DEL, NLM_F_ACK, 0, 1);
		put(n, OVS_DP_ATTR_NAME, av[2], strlen(av[2]) + 1);
		msg_end(&m, n);
		err = xfer(&m, 1, NULL);
	} else if (!strcmp(av[1], "add-if") && ac == 5) {
		uint16_t fam = family(&m, OVS_VPORT_FAMILY);

		n = msg_start(&m, fam, OVS_VPORT_CMD_NEW, NLM_F_ACK, dp_index(av[2]), 1);
		put(n, OVS_VPORT_ATTR_NAME, av[3], strlen(av[3]) + 1);
		put_u32(n, OVS_VPORT_ATTR_TYPE, OVS_VPORT_TYPE_NETDEV);
		put_u32(n, OVS_VPORT_ATTR_PORT_NO, atoi(av[4]));
		put_u32(n, OVS_VPORT_ATTR_UPCALL_PID, 0);
		msg_end(&m, n);
		err = xfer(&m, 1, NULL);
	} else if (!strcmp(av[1], "upcall") && ac == 6) {
		err = cmd_upcall(&m, av + 2);
	} else if (!strcmp(av[1], "flows") && ac == 13) {
		err = cmd_flows(&m, av + 2);
	} else {
		fprintf(stderr, "usage: see the top of tests/bench/ovsdp.c\n");
		return 2;
	}
	if (err) {
		fprintf(stderr, "ovsdp %s: %s\n", av[1], strerror(err));
		return 1;
	}
	return 0;
}
