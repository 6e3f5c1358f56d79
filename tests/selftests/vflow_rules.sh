#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Rule match semantics, field by field, with real traffic and with explain. vm1's port carries
# one layer "acl" whose outbound default is deny; each round binds one allow rule and probes
# 5-tuples just inside and just outside what the rule matches (UDP and TCP from python sockets,
# ICMP echo, raw frames for the L2 fields), then asks explain about the same packets:
#   dst-port single and range (both edges), src-port range, src-ip and dst-ip prefixes (and a
#   full address), protocol, ethertype, dst-mac, src-mac with mask, out-port, in-port (an
#   inbound layer on vm2's port), vlan, dscp and tos/mask, tcp-flags (evaluated on the packet
#   that creates the flow), a wildcard rule, priorities (lower wins, ties: lower id, rule change
#   of the priority) and the default verdicts of both directions (layer set).
# Flows are flushed between rounds, so every probe is decided by the rules.

source "$(dirname "$0")/lib.sh"

vflow_test_init "rule match semantics per field, with traffic and explain"
require_cmd "$PYTHON"
vflow_require
policy_topo 3
D1=${HVDEV[1]} D2=${HVDEV[2]} D3=${HVDEV[3]}
V1=${VM[1]} V2=${VM[2]} V3=${VM[3]}
M1=${VMMAC[1]} M2=${VMMAC[2]} M3=${VMMAC[3]}
IP1=${VMIP[1]} IP2=${VMIP[2]} IP3=${VMIP[3]}

# vm1 sends from extra addresses, vm2 receives on extra addresses (prefix edges around /26)
vm_addr 1 10.0.0.65 10.0.0.129 || ktap_bail_out "extra addresses on vm1"
vm_addr 2 10.0.0.66 10.0.0.130 || ktap_bail_out "extra addresses on vm2"

# D1 has no configured MAC (learning), so vm1 may send frames from other source MACs (src-mac).
vfc_batch "setup: switch, 3 vm ports, layer acl (out-default deny) on D1" <<EOF
switch add sw0
port add sw0 dev $D1
port add sw0 dev $D2 mac $M2
port add sw0 dev $D3 mac $M3
layer add sw0 acl out-default deny in-default allow
port set $D1 layers acl
EOF
agent env smac="$M1" dmac="$M2" sip="$IP1" dip="$IP2"

check_agent "premise: acl denies vm1's UDP without rules" "0" udp "$V1" "$IP1" "$V2" "$IP2" 0:5000 0.8
check_agent "premise: vm3 -> vm2 has no layers and passes" "1" udp "$V3" "$IP3" "$V2" "$IP2" 0:5000

RID=0
# round DESCRIPTION RULE-ARGS...: replace the rule under test by "rule add sw0 id N RULE-ARGS"
# bound to acl's outbound table, and flush the flows.
round() {
	local desc=$1 prev=$RID
	shift
	flush_explains
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

# explain_is DESCRIPTION EXPECTED-VERDICT EXPECTED-STEPS DEV DIR PROTO SRC SPORT DST DPORT [opts]
# (queued: a round's explains run in one vflowctl process, before the next change)
explain_is() {
	local desc=$1 v=$2 st=$3
	shift 3
	queue_explain "explain: $desc" "^$v $st( |$)" "$@"
}

# ---- dst-port, single port
round "udp dst-port 5000 allow" prio 100 proto udp dst-port 5000 action allow
check_agent "udp dst-port 5000: 4999 no, 5000 yes, 5001 no" "010" \
	udp "$V1" "$IP1" "$V2" "$IP2" 40000:4999,40000:5000,40000:5001
check_agent "udp dst-port 5000: tcp to 5000 is not matched" "0" tcp "$V1" "$IP1" "$V2" "$IP2" 0:5000 1
explain_is "udp to 5000 allowed by acl rule 1" allow "acl:$RID:allow" \
	"$D1" out udp "$IP1" 40000 "$IP2" 5000
explain_is "udp to 5001 denied by acl's default" deny "acl:0:deny" \
	"$D1" out udp "$IP1" 40000 "$IP2" 5001

# ---- dst-port range, both edges
round "udp dst-port 5000-5010 allow" proto udp dst-port 5000-5010 action allow
check_agent "dst-port 5000-5010: 4999 no, 5000 yes, 5005 yes, 5010 yes, 5011 no" "01110" \
	udp "$V1" "$IP1" "$V2" "$IP2" 40000:4999,40000:5000,40000:5005,40000:5010,40000:5011
explain_is "udp to 5010 (upper edge) allowed" allow "acl:$RID:allow" \
	"$D1" out udp "$IP1" 40000 "$IP2" 5010
explain_is "udp to 5011 denied" deny "acl:0:deny" "$D1" out udp "$IP1" 40000 "$IP2" 5011

# ---- src-port range
round "udp src-port 40000-40009 allow" proto udp src-port 40000-40009 action allow
check_agent "src-port 40000-40009: 39999 no, 40000 yes, 40009 yes, 40010 no" "0110" \
	udp "$V1" "$IP1" "$V2" "$IP2" 39999:6000,40000:6000,40009:6000,40010:6000
explain_is "from port 40009 allowed" allow "acl:$RID:allow" "$D1" out udp "$IP1" 40009 "$IP2" 6000
explain_is "from port 39999 denied" deny "acl:0:deny" "$D1" out udp "$IP1" 39999 "$IP2" 6000

# ---- src-ip prefix
round "src-ip 10.0.0.64/26 allow" src-ip 10.0.0.64/26 action allow
check_agent "src-ip 10.0.0.64/26: from .65 yes" "1" udp "$V1" 10.0.0.65 "$V2" "$IP2" 0:6000
check_agent "src-ip 10.0.0.64/26: from .1 no" "0" udp "$V1" "$IP1" "$V2" "$IP2" 0:6000 0.8
check_agent "src-ip 10.0.0.64/26: from .129 no" "0" udp "$V1" 10.0.0.129 "$V2" "$IP2" 0:6000 0.8
explain_is "from 10.0.0.65 allowed" allow "acl:$RID:allow" "$D1" out udp 10.0.0.65 1 "$IP2" 6000
explain_is "from 10.0.0.129 denied" deny "acl:0:deny" "$D1" out udp 10.0.0.129 1 "$IP2" 6000

# ---- dst-ip prefix and full address
round "dst-ip 10.0.0.64/26 allow" dst-ip 10.0.0.64/26 action allow
check_agent "dst-ip 10.0.0.64/26: to .66 yes" "1" udp "$V1" "$IP1" "$V2" 10.0.0.66 0:6000
check_agent "dst-ip 10.0.0.64/26: to .2 no" "0" udp "$V1" "$IP1" "$V2" "$IP2" 0:6000 0.8
check_agent "dst-ip 10.0.0.64/26: to .130 no" "0" udp "$V1" "$IP1" "$V2" 10.0.0.130 0:6000 0.8
explain_is "to 10.0.0.66 allowed" allow "acl:$RID:allow" "$D1" out tcp "$IP1" 1 10.0.0.66 80
explain_is "to 10.0.0.130 denied" deny "acl:0:deny" "$D1" out tcp "$IP1" 1 10.0.0.130 80
round "dst-ip 10.0.0.66 (no prefix length: the full address) allow" dst-ip 10.0.0.66 action allow
check_agent "dst-ip 10.0.0.66: to .66 yes" "1" udp "$V1" "$IP1" "$V2" 10.0.0.66 0:6000
check_agent "dst-ip 10.0.0.66: to .2 no" "0" udp "$V1" "$IP1" "$V2" "$IP2" 0:6000 0.8

# ---- protocol
round "proto tcp allow" proto tcp action allow
check_agent "proto tcp: a TCP connection to vm2:8080 is set up" "1" tcp "$V1" "$IP1" "$V2" "$IP2" 0:8080
check_agent "proto tcp: UDP is not matched" "0" udp "$V1" "$IP1" "$V2" "$IP2" 0:8080 0.8
check_agent "proto tcp: ICMP echo is not matched" "0" ping "$V1" "$IP1" "$IP2" 1 1
explain_is "tcp allowed" allow "acl:$RID:allow" "$D1" out tcp "$IP1" 1234 "$IP2" 80
explain_is "udp denied" deny "acl:0:deny" "$D1" out udp "$IP1" 1234 "$IP2" 80
round "proto icmp allow" proto icmp action allow
check_agent "proto icmp: vm1 pings vm2 (2/2)" "2" ping "$V1" "$IP1" "$IP2" 2
check_agent "proto icmp: UDP is not matched" "0" udp "$V1" "$IP1" "$V2" "$IP2" 0:8080 0.8

# ---- wildcard
round "no conditions (wildcard) allow" action allow
check_agent "wildcard: UDP passes" "1" udp "$V1" "$IP1" "$V2" "$IP2" 0:6000
check_agent "wildcard: TCP passes" "1" tcp "$V1" "$IP1" "$V2" "$IP2" 0:8080
check_agent "wildcard: ICMP passes" "1" ping "$V1" "$IP1" "$IP2" 1
check_agent "wildcard: IPv6 UDP passes" "1" udp "$V1" "${VMIP6[1]}" "$V2" "${VMIP6[2]}" 0:6000
explain_is "anything allowed by the wildcard" allow "acl:$RID:allow" "$D1" out udp "$IP1" 9 "$IP3" 9

# ---- ethertype
round "ethertype ipv6 allow" ethertype ipv6 action allow
check_agent "ethertype ipv6: IPv6 UDP passes" "1" udp "$V1" "${VMIP6[1]}" "$V2" "${VMIP6[2]}" 0:6000
check_agent "ethertype ipv6: IPv4 UDP does not" "0" udp "$V1" "$IP1" "$V2" "$IP2" 0:6000 0.8
round "ethertype 0x0800 (ipv4) allow" ethertype 0x0800 action allow
check_agent "ethertype 0x0800: IPv4 UDP passes" "1" udp "$V1" "$IP1" "$V2" "$IP2" 0:6000
check_agent "ethertype 0x0800: IPv6 UDP does not" "0" \
	udp "$V1" "${VMIP6[1]}" "$V2" "${VMIP6[2]}" 0:6000 0.8

# ---- dst-mac and out-port
round "dst-mac of vm3 allow" dst-mac "$M3" action allow
check_agent "dst-mac M3: to vm3 yes" "1" udp "$V1" "$IP1" "$V3" "$IP3" 0:6000
check_agent "dst-mac M3: to vm2 no" "0" udp "$V1" "$IP1" "$V2" "$IP2" 0:6000 0.8
round "out-port D2 allow" out-port "$D2" action allow
check_agent "out-port D2: to vm2 yes" "1" udp "$V1" "$IP1" "$V2" "$IP2" 0:6000
check_agent "out-port D2: to vm3 no" "0" udp "$V1" "$IP1" "$V3" "$IP3" 0:6000 0.8

# ---- src-mac with a mask: raw frames from vm1 with other source MACs
agent sniff cap2 "$V2" || diag "sniff: $AGENT_REPLY"
round "src-mac 02:00:00:00:aa:00/ff:ff:ff:ff:ff:f0 allow" \
	src-mac 02:00:00:00:aa:00/ff:ff:ff:ff:ff:f0 action allow
agent send "$V1" ipv4 smac=02:00:00:00:aa:05 sport=40100 && MK1=$AGENT_REPLY
agent send "$V1" ipv4 smac=02:00:00:00:aa:1f sport=40101 && MK2=$AGENT_REPLY
agent send "$V1" ipv4 smac=02:00:00:00:ab:05 sport=40102 && MK3=$AGENT_REPLY
check_agent "src-mac/mask: from 02:00:00:00:aa:05 delivered" "1" seen cap2 "$MK1" 2
check_agent "src-mac/mask: from 02:00:00:00:aa:1f not (outside the mask)" "0" seen cap2 "$MK2" 0.5
check_agent "src-mac/mask: from 02:00:00:00:ab:05 not" "0" seen cap2 "$MK3" 0.1

# ---- vlan
round "vlan 10 allow" vlan 10 action allow
agent send "$V1" ipv4 vlan=10 sport=40200 && MK1=$AGENT_REPLY
agent send "$V1" ipv4 vlan=20 sport=40201 && MK2=$AGENT_REPLY
agent send "$V1" ipv4 sport=40202 && MK3=$AGENT_REPLY
check_agent "vlan 10: a frame tagged 10 is delivered" "1" seen cap2 "$MK1" 2
check_agent "vlan 10: a frame tagged 20 is not" "0" seen cap2 "$MK2" 0.5
check_agent "vlan 10: an untagged frame is not" "0" seen cap2 "$MK3" 0.1

# ---- dscp and tos/mask
round "dscp 46 allow" dscp 46 action allow
check_agent "dscp 46: tos 0xb8 passes" "1" udp "$V1" "$IP1" "$V2" "$IP2" 0:6000 tos=184
check_agent "dscp 46: tos 0xb9 (same DSCP, ECN bit) passes" "1" \
	udp "$V1" "$IP1" "$V2" "$IP2" 0:6000 tos=185
check_agent "dscp 46: tos 0 does not" "0" udp "$V1" "$IP1" "$V2" "$IP2" 0:6000 0.8
check_agent "dscp 46: tos 0xb4 (DSCP 45) does not" "0" \
	udp "$V1" "$IP1" "$V2" "$IP2" 0:6000 0.8 tos=180
explain_is "dscp 46 packet allowed" allow "acl:$RID:allow" \
	"$D1" out udp "$IP1" 1 "$IP2" 6000 dscp 46
explain_is "dscp 0 packet denied" deny "acl:0:deny" "$D1" out udp "$IP1" 1 "$IP2" 6000
round "tos 0x20/0xe0 allow" tos 0x20/0xe0 action allow
check_agent "tos 0x20/0xe0: tos 0x20 passes" "1" udp "$V1" "$IP1" "$V2" "$IP2" 0:6000 tos=32
check_agent "tos 0x20/0xe0: tos 0x38 passes" "1" udp "$V1" "$IP1" "$V2" "$IP2" 0:6000 tos=56
check_agent "tos 0x20/0xe0: tos 0x40 does not" "0" udp "$V1" "$IP1" "$V2" "$IP2" 0:6000 0.8 tos=64

# ---- tcp-flags: decided on the packet that creates the flow
flush_explains
vfc_batch "tcp-flags: deny +syn-ack (prio 10) above a wildcard allow (prio 100)" <<EOF
layer unbind sw0 acl out $RID
rule del sw0 id $RID
rule add sw0 id 90 prio 10 proto tcp tcp-flags +syn-ack action deny
rule add sw0 id 91 prio 100 action allow
layer bind sw0 acl out 90,91
flow flush sw0
EOF
RID=0
check_agent "tcp-flags +syn-ack deny: a connection (SYN first) is not set up" "0" \
	tcp "$V1" "$IP1" "$V2" "$IP2" 0:8080 1.5
agent send "$V1" ipv4 proto=tcp flags=A sport=40300 dport=8080 && MK1=$AGENT_REPLY
agent send "$V1" ipv4 proto=tcp flags=S sport=40301 dport=8080 && MK2=$AGENT_REPLY
agent send "$V1" ipv4 proto=tcp flags=SA sport=40302 dport=8080 && MK3=$AGENT_REPLY
check_agent "tcp-flags: a flow started by an ACK segment passes" "1" seen cap2 "$MK1" 2
check_agent "tcp-flags: a flow started by a bare SYN does not" "0" seen cap2 "$MK2" 0.5
check_agent "tcp-flags: a flow started by SYN+ACK passes (ack must be clear)" "1" seen cap2 "$MK3" 1
explain_is "SYN denied by rule 90" deny "acl:90:deny" \
	"$D1" out tcp "$IP1" 1 "$IP2" 8080 tcp-flags syn
explain_is "ACK allowed by rule 91" allow "acl:91:allow" \
	"$D1" out tcp "$IP1" 1 "$IP2" 8080 tcp-flags ack

# ---- priorities: lower wins, ties go to the lower id, rule change moves a rule
flush_explains
vfc_batch "priorities: rule 30 prio 100 deny udp 7000, rule 31 prio 50 allow udp 7000-7010" <<EOF
layer unbind sw0 acl out 90,91
rule del sw0 id 90
rule del sw0 id 91
rule add sw0 id 30 prio 100 proto udp dst-port 7000 action deny
rule add sw0 id 31 prio 50 proto udp dst-port 7000-7010 action allow
layer bind sw0 acl out 30,31
flow flush sw0
EOF
check_agent "prio 50 allow beats prio 100 deny: 7000 and 7005 pass" "11" \
	udp "$V1" "$IP1" "$V2" "$IP2" 0:7000,0:7005
explain_is "7000 decided by rule 31" allow "acl:31:allow" "$D1" out udp "$IP1" 1 "$IP2" 7000
flush_explains
vfc_batch "rule change 31 to prio 200" <<EOF
rule change sw0 id 31 prio 200
flow flush sw0
EOF
check_agent "after the change: 7000 denied by rule 30" "0" udp "$V1" "$IP1" "$V2" "$IP2" 0:7000 0.8
check_agent "after the change: 7005 still allowed by rule 31" "1" udp "$V1" "$IP1" "$V2" "$IP2" 0:7005
explain_is "7000 decided by rule 30" deny "acl:30:deny" "$D1" out udp "$IP1" 1 "$IP2" 7000
flush_explains
vfc_batch "tie: rule 31 back to prio 100 (= rule 30)" <<EOF
rule change sw0 id 31 prio 100
flow flush sw0
EOF
check_agent "same priority: the lower id (30, deny) wins" "0" \
	udp "$V1" "$IP1" "$V2" "$IP2" 0:7000 0.8
vfc_batch "tie: rule 29 prio 100 allow udp 7000" <<EOF
rule add sw0 id 29 prio 100 proto udp dst-port 7000 action allow
layer bind sw0 acl out 29
flow flush sw0
EOF
check_agent "same priority: the lower id (29, allow) wins" "1" udp "$V1" "$IP1" "$V2" "$IP2" 0:7000
explain_is "7000 decided by rule 29" allow "acl:29:allow" "$D1" out udp "$IP1" 1 "$IP2" 7000

# ---- default verdicts of both directions
flush_explains
vfc_batch "defaults: acl without rules; layer gate (in-default deny) on D2" <<EOF
layer unbind sw0 acl out 29,30,31
layer add sw0 gate out-default allow in-default deny
port set $D2 layers gate
flow flush sw0
EOF
check_agent "out-default deny: vm1's UDP is dropped" "0" udp "$V1" "$IP1" "$V3" "$IP3" 0:6000 0.8
check_agent "in-default deny: vm3 -> vm2 is dropped" "0" udp "$V3" "$IP3" "$V2" "$IP2" 0:6000 0.8
explain_is "inbound at D2 denied by gate's default" deny "gate:0:deny" \
	"$D2" in udp "$IP3" 1 "$IP2" 6000
flush_explains
vfc_batch "layer set acl out-default allow, gate in-default allow" <<EOF
layer set sw0 acl out-default allow
layer set sw0 gate in-default allow
flow flush sw0
EOF
check_agent "out-default allow: vm1's UDP passes" "1" udp "$V1" "$IP1" "$V3" "$IP3" 0:6000
check_agent "in-default allow: vm3 -> vm2 passes" "1" udp "$V3" "$IP3" "$V2" "$IP2" 0:6000
explain_is "outbound at D1 allowed by acl's default" allow "acl:0:allow" \
	"$D1" out udp "$IP1" 1 "$IP3" 6000

# ---- in-port: an inbound rule of vm2's port
flush_explains
vfc_batch "in-port: gate in-default deny, rule 40 in-port D1 allow (inbound table)" <<EOF
layer set sw0 gate in-default deny
rule add sw0 id 40 in-port $D1 action allow
layer bind sw0 gate in 40
flow flush sw0
EOF
check_agent "in-port D1: vm1 -> vm2 passes" "1" udp "$V1" "$IP1" "$V2" "$IP2" 0:6000
check_agent "in-port D1: vm3 -> vm2 does not" "0" udp "$V3" "$IP3" "$V2" "$IP2" 0:6000 0.8

# ---- rule counters: matches counts decisions
snap r40 rule sw0 40
check_val "rule 40 decided at least one flow (matches >= 1)" r40 matches ge 1

flush_explains
ktap_finished
