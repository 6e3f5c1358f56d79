#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IPv6 rules next to IPv4 ones, with traffic and explain:
#  - dst-ip and src-ip IPv6 prefixes (fd00::40/122: ::66 inside, ::2 and ::80 outside);
#  - an IPv6 prefix implies IPv6: ::/0 allows every IPv6 packet and no IPv4 one, and
#    0.0.0.0/0 every IPv4 packet and no IPv6 one;
#  - L4 over IPv6: UDP port range edges, TCP connections, ICMPv6 echo (proto icmpv6);
#  - traffic class: dscp 46 on IPv6;
#  - stateful over IPv6: allowed outbound, denied inbound, replies pass;
#  - the flows carry the IPv6 addresses.

source "$(dirname "$0")/lib.sh"

vflow_test_init "IPv6 and IPv4 rules"
require_cmd "$PYTHON"
vflow_require
policy_topo 2
D1=${HVDEV[1]} D2=${HVDEV[2]}
V1=${VM[1]} V2=${VM[2]}
IP1=${VMIP[1]} IP2=${VMIP[2]}
A1=${VMIP6[1]} A2=${VMIP6[2]}

vm_addr 1 fd00::41 || ktap_bail_out "extra addresses on vm1"
vm_addr 2 fd00::66 fd00::80 || ktap_bail_out "extra addresses on vm2"

vfc_batch "setup: layer acl (out-default deny) on D1" <<EOF
switch add sw0
port add sw0 dev $D1 mac ${VMMAC[1]}
port add sw0 dev $D2 mac ${VMMAC[2]}
layer add sw0 acl out-default deny in-default allow
port set $D1 layers acl
EOF

RID=0
round() {
	local desc=$1 prev=$RID
	shift
	RID=$((RID + 1))
	{
		if [ "$prev" -gt 0 ]; then
			echo "layer unbind sw0 acl out $prev"
			echo "rule del sw0 id $prev"
		fi
		echo "rule add sw0 id $RID $*"
		echo "layer bind sw0 acl out $RID"
		echo "flow flush sw0"
	} >"$TMPD/round"
	vfc_batch "rule $RID: $desc" <"$TMPD/round"
}

round "dst-ip fd00::40/122 allow" dst-ip fd00::40/122 action allow
check_agent "to fd00::66 (inside) passes" "1" udp "$V1" "$A1" "$V2" fd00::66 0:6000
check_agent "to fd00::2 (below) does not" "0" udp "$V1" "$A1" "$V2" "$A2" 0:6000 0.8
check_agent "to fd00::80 (above) does not" "0" udp "$V1" "$A1" "$V2" fd00::80 0:6000 0.8
check_explain "explain: to fd00::7f allowed by rule $RID" "^allow acl:$RID:allow( |$)" \
	"$D1" out udp "$A1" 1 fd00::7f 6000
check_explain "explain: to fd00::80 denied" "^deny acl:0:deny( |$)" \
	"$D1" out udp "$A1" 1 fd00::80 6000

round "src-ip fd00::40/122 allow" src-ip fd00::40/122 action allow
check_agent "from fd00::41 passes" "1" udp "$V1" fd00::41 "$V2" "$A2" 0:6000
check_agent "from fd00::1 does not" "0" udp "$V1" "$A1" "$V2" "$A2" 0:6000 0.8

round "dst-ip ::/0 allow (every IPv6 packet)" dst-ip ::/0 action allow
check_agent "::/0: IPv6 UDP passes" "1" udp "$V1" "$A1" "$V2" "$A2" 0:6000
check_agent "::/0: ICMPv6 echo passes" "1" ping "$V1" "$A1" "$A2" 1
check_agent "::/0: IPv4 UDP does not" "0" udp "$V1" "$IP1" "$V2" "$IP2" 0:6000 0.8
check_explain "explain: IPv4 not matched by ::/0" "^deny acl:0:deny( |$)" \
	"$D1" out udp "$IP1" 1 "$IP2" 6000

round "dst-ip 0.0.0.0/0 allow (every IPv4 packet)" dst-ip 0.0.0.0/0 action allow
check_agent "0.0.0.0/0: IPv4 UDP passes" "1" udp "$V1" "$IP1" "$V2" "$IP2" 0:6000
check_agent "0.0.0.0/0: IPv6 UDP does not" "0" udp "$V1" "$A1" "$V2" "$A2" 0:6000 0.8
check_explain "explain: IPv6 not matched by 0.0.0.0/0" "^deny acl:0:deny( |$)" \
	"$D1" out udp "$A1" 1 "$A2" 6000

round "IPv6 udp dst-port 5000-5010" dst-ip fd00::/64 proto udp dst-port 5000-5010 action allow
check_agent "IPv6 dst-port 5000-5010: 4999 no, 5000 yes, 5010 yes, 5011 no" "0110" \
	udp "$V1" "$A1" "$V2" "$A2" 0:4999,0:5000,0:5010,0:5011
check_agent "same rule: IPv4 to 5000 does not match (IPv6 prefix)" "0" \
	udp "$V1" "$IP1" "$V2" "$IP2" 0:5000 0.8
check_explain "explain: [fd00::1]:1 -> [fd00::2]:5010 allowed" "^allow acl:$RID:allow( |$)" \
	"$D1" out udp "$A1" 1 "$A2" 5010

round "IPv6 tcp dst-port 8080" src-ip fd00::1 proto tcp dst-port 8080 action allow
check_agent "TCP/IPv6 to 8080 connects" "1" tcp "$V1" "$A1" "$V2" "$A2" 0:8080
check_agent "TCP/IPv6 to 8081 does not" "0" tcp "$V1" "$A1" "$V2" "$A2" 0:8081 1

round "proto icmpv6 allow" proto icmpv6 action allow
check_agent "ICMPv6 echo passes (2/2)" "2" ping "$V1" "$A1" "$A2" 2
check_agent "ICMP (v4) echo does not" "0" ping "$V1" "$IP1" "$IP2" 1 1

round "IPv6 dscp 46 allow" ethertype ipv6 dscp 46 action allow
check_agent "traffic class 0xb8 passes" "1" udp "$V1" "$A1" "$V2" "$A2" 0:6000 tos=184
check_agent "traffic class 0 does not" "0" udp "$V1" "$A1" "$V2" "$A2" 0:6000 0.8

# ---- flows carry the IPv6 addresses
round "IPv6 wildcard allow" ethertype ipv6 action allow
check_agent "UDP [fd00::1]:41000 -> [fd00::2]:5000" "1" udp "$V1" "$A1" "$V2" "$A2" 41000:5000
check_flows "the forward flow has the IPv6 addresses and ports" eq 1 sw0 \
	in_port="$D1" src_ip="$A1" dst_ip="$A2" ip_proto=17 src_port=41000 dst_port=5000 \
	ethertype=0x86dd verdict=allow
check_flows "the reverse flow too" eq 1 - \
	in_port="$D2" src_ip="$A2" dst_ip="$A1" src_port=5000 dst_port=41000 reply=true

# ---- stateful over IPv6
vfc_batch "layer acl: out-default allow, in-default deny" <<EOF
layer set sw0 acl out-default allow in-default deny
flow flush sw0
EOF
check_agent "stateful: vm1 -> vm2 TCP/IPv6 connects" "connected" tconn c "$V1" "$A1" "$V2" "$A2" 8080
check_agent "stateful: replies reach vm1" "5000" txfer c s2c 5000
check_agent_re "stateful: vm2 -> vm1 TCP/IPv6 refused" "^failed" \
	tconn u "$V2" "$A2" "$V1" "$A1" 2222 2
check_agent "stateful: UDP/IPv6 request/response" "2 2" udprr "$V1" "$A1" 5353 "$V2" "$A2" 53 2
check_agent "stateful: unsolicited UDP/IPv6 dropped" "0" udp "$V2" "$A2" "$V1" "$A1" 0:7000 0.8
agent tclose c

ktap_finished
