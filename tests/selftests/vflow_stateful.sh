#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Stateful policy: vm1's port has a layer "fw" that allows outbound and denies inbound (its
# in-default, and an explicit inbound deny rule for vm2's address). Connections vm1 starts work
# in both directions because their reverse flows let the replies in; connections from outside
# are refused.
#  - TCP over IPv4 and IPv6 (python sockets): vm1 -> vm2 connects and moves data both ways; vm2
#    -> vm1 is not set up; the switch's policy-drop-packets grows.
#  - The flows: a forward flow from D1 and a reply flow from D2 (reply flag), both allowed,
#    TCP state established; after the client closes, closing.
#  - UDP request/response: vm1 -> vm2:53 gets its answers; only the exact reverse 5-tuple gets
#    in (vm2 from port 53 to vm1's port yes, from port 54 no); unsolicited UDP is dropped.
#  - ICMP echo: vm1 pings vm2, vm2 cannot ping vm1.

source "$(dirname "$0")/lib.sh"

vflow_test_init "allow-outbound/deny-inbound passes replies, refuses unsolicited traffic"
require_cmd "$PYTHON"
vflow_require
policy_topo 2
D1=${HVDEV[1]} D2=${HVDEV[2]}
V1=${VM[1]} V2=${VM[2]}
IP1=${VMIP[1]} IP2=${VMIP[2]}
IP61=${VMIP6[1]} IP62=${VMIP6[2]}

vfc_batch "setup: layer fw (out-default allow, in-default deny, rule 1 denies vm2 inbound)" <<EOF
switch add sw0
port add sw0 dev $D1 mac ${VMMAC[1]}
port add sw0 dev $D2 mac ${VMMAC[2]}
layer add sw0 fw out-default allow in-default deny
rule add sw0 id 1 prio 10 src-ip $IP2 action deny
layer bind sw0 fw in 1
port set $D1 layers fw
EOF
check_explain "premise: explain says inbound TCP vm2 -> vm1:22 is denied" "^deny fw:1:deny( |$)" \
	"$D1" in tcp "$IP2" 40000 "$IP1" 22

# ---- TCP, IPv4
snap p0 switch sw0 , q0 port "$D1"
check_agent "TCP: vm1 connects to vm2:8080" "connected" tconn c4 "$V1" "$IP1" "$V2" "$IP2" 8080
check_agent "TCP: 20000 bytes vm1 -> vm2" "20000" txfer c4 c2s 20000
check_agent "TCP: 20000 bytes vm2 -> vm1 (replies through the reverse flow)" "20000" \
	txfer c4 s2c 20000
check_flows "TCP: forward flow from D1 (allowed, established)" eq 1 sw0 \
	in_port="$D1" ip_proto=6 dst_port=8080 reply=false verdict=allow tcp_state=established
check_flows "TCP: reply flow from D2 (reply flag, allowed, established)" eq 1 - \
	in_port="$D2" ip_proto=6 src_port=8080 reply=true verdict=allow tcp_state=established
check_agent_re "TCP: vm2 -> vm1:2222 is not set up" "^failed" \
	tconn u4 "$V2" "$IP2" "$V1" "$IP1" 2222 2
snap p1 switch sw0 , q1 port "$D1"
check_cnt "TCP: the unsolicited SYN is counted (switch policy_drop_packets +1)" p0 p1 \
	policy_drop_packets ge 1
check_cnt "TCP: on the port whose layer denied it (D1 policy_drop_packets +1)" q0 q1 \
	policy_drop_packets ge 1
check_flows "TCP: the unsolicited connection has a deny flow (rule 1)" eq 1 sw0 \
	in_port="$D2" dst_port=2222 verdict=deny layer=fw rule_id=1
agent tclose c4
check_agent_re "TCP: after the client's FIN the forward flow is closing" "^[1-9]" \
	wflows sw0 ge 1 5 in_port="$D1" dst_port=8080 tcp_state=closing

# ---- TCP, IPv6
check_agent "TCP/IPv6: vm1 connects to vm2:8080" "connected" \
	tconn c6 "$V1" "$IP61" "$V2" "$IP62" 8080
check_agent "TCP/IPv6: 20000 bytes back from vm2" "20000" txfer c6 s2c 20000
check_agent_re "TCP/IPv6: vm2 -> vm1:2222 is not set up" "^failed" \
	tconn u6 "$V2" "$IP62" "$V1" "$IP61" 2222 2
agent tclose c6

# ---- UDP
check_agent "UDP: vm1:5353 -> vm2:53, 3 requests and 3 answers" "3 3" \
	udprr "$V1" "$IP1" 5353 "$V2" "$IP2" 53 3
check_flows "UDP: reply flow from D2 for 53 -> 5353" eq 1 sw0 \
	in_port="$D2" ip_proto=17 src_port=53 dst_port=5353 reply=true verdict=allow
check_agent "UDP: vm2 from port 53 to vm1:5353 gets in (the reverse 5-tuple)" "1" \
	udp "$V2" "$IP2" "$V1" "$IP1" 53:5353
snap p2 switch sw0
check_agent "UDP: vm2 from port 54 to vm1:5353 does not" "0" udp "$V2" "$IP2" "$V1" "$IP1" 54:5353 0.8
check_agent "UDP: unsolicited vm2 -> vm1:7000 (3 datagrams) dropped" "0" \
	udp "$V2" "$IP2" "$V1" "$IP1" 0:7000 0.8 n=3
snap p3 switch sw0
check_cnt "UDP: the 4 dropped datagrams are policy drops (switch)" p2 p3 policy_drop_packets ge 4
check_cnt "UDP: and drops (switch)" p2 p3 drop_packets ge 4
check_agent "UDP/IPv6: request/response from vm1" "2 2" \
	udprr "$V1" "$IP61" 5353 "$V2" "$IP62" 53 2
check_agent "UDP/IPv6: unsolicited vm2 -> vm1 dropped" "0" \
	udp "$V2" "$IP62" "$V1" "$IP61" 0:7000 0.8

# ---- ICMP
check_agent "ICMP: vm1 pings vm2 (3/3)" "3" ping "$V1" "$IP1" "$IP2" 3
check_agent "ICMP: vm2 cannot ping vm1" "0" ping "$V2" "$IP2" "$IP1" 2 1
check_agent "ICMPv6: vm1 pings vm2 (2/2)" "2" ping "$V1" "$IP61" "$IP62" 2
check_agent "ICMPv6: vm2 cannot ping vm1" "0" ping "$V2" "$IP62" "$IP61" 2 1

# ---- without the layer everything is open again
check "port set D1 layers none" vfc port set "$D1" layers none
check_agent_re "no layers: vm2 -> vm1:2222 connects" "^connected" \
	tconn u4b "$V2" "$IP2" "$V1" "$IP1" 2222
check_agent "no layers: vm2 -> vm1:7000 passes" "1" udp "$V2" "$IP2" "$V1" "$IP1" 0:7000

ktap_finished
