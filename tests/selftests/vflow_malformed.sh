#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Malformed, truncated and fragmented packets, written by a raw AF_PACKET socket in vm1 to vm2's
# MAC (the frames enter vflow at vm1's port):
#  - malformed or truncated: IPv4 header cut short, IHL below 5, IHL beyond the frame, version
#    5, total length below the header, TCP header cut by the frame and by the IP length, TCP data
#    offset 2, UDP/ICMP cut short, a first fragment without its whole UDP header, a VLAN tag
#    followed by a cut IPv4 header; IPv6 header cut short, version 4, TCP cut short, 9 extension
#    headers, an extension header cut short, a first fragment without its UDP header, a payload
#    length that cuts the UDP header. Each one is dropped (vm2's capture never sees it) and
#    counted: parse-error-packets of the port and the switch grow by exactly the number sent,
#    drop-packets by at least as much. Done on a plain port and again under a layer stack (with a
#    broadcast one too).
#  - well-formed edge cases are forwarded and are no parse errors: IPv4 first and later
#    fragments, IPv6 first and later fragments, IPv4 options (IHL 6), total length 0, Ethernet
#    padding after the IP packet, an unknown ethertype, an unknown IP protocol.
#  - fragments: the first fragment is keyed with its ports, a later one on L3 only (its flow has
#    no ports); so under a rule allowing UDP port 5000 only, the first fragment passes and the
#    later one is dropped by the layer's default.
#  - afterwards normal traffic still flows; the kernel log stays clean (the closing check).

source "$(dirname "$0")/lib.sh"

vflow_test_init "malformed, truncated and fragmented packets"
require_cmd "$PYTHON"
vflow_require
policy_topo 2
D1=${HVDEV[1]} D2=${HVDEV[2]}
V1=${VM[1]} V2=${VM[2]}
IP1=${VMIP[1]} IP2=${VMIP[2]}

vfc_batch "setup: switch, 2 plain vm ports" <<EOF
switch add sw0
port add sw0 dev $D1 mac ${VMMAC[1]}
port add sw0 dev $D2 mac ${VMMAC[2]}
EOF
agent env smac="${VMMAC[1]}" dmac="${VMMAC[2]}" sip="$IP1" dip="$IP2" sip6="${VMIP6[1]}" \
	dip6="${VMIP6[2]}"
agent sniff cap "$V2" || diag "sniff: $AGENT_REPLY"

BAD="
IPv4 header cut at 10 bytes|ipv4 trunc=10
IPv4 IHL 3|ipv4 ihl=3
IPv4 IHL 15 with a 40-byte frame|ipv4 ihl=15 trunc=40
IPv4 version 5|ipv4 ver=5
IPv4 total length 10|ipv4 tlen=10
TCP header cut by the frame (10 of 20 bytes)|ipv4 proto=tcp trunc=30
TCP header cut by the IP total length|ipv4 proto=tcp tlen=30
TCP data offset 2|ipv4 proto=tcp doff=2
UDP header cut (4 of 8 bytes)|ipv4 trunc=24
ICMP header cut (4 of 8 bytes)|ipv4 proto=icmp trunc=24
first fragment without its whole UDP header|ipv4 frag=first trunc=24
VLAN tag then a cut IPv4 header|ipv4 vlan=5 trunc=12
IPv6 header cut at 30 bytes|ipv6 trunc=30
IPv6 version 4|ipv6 ver=4
IPv6 TCP header cut (10 of 20 bytes)|ipv6 proto=tcp trunc=50
IPv6 with 9 extension headers|ipv6 ext=9
IPv6 extension header cut short|ipv6 ext=1 trunc=44
IPv6 first fragment without its UDP header|ipv6 frag=first trunc=52
IPv6 payload length 4 cutting the UDP header|ipv6 plen=4
"
GOOD="
IPv4 first fragment (UDP header complete)|ipv4 frag=first sport=40001 dport=5000
IPv4 later fragment|ipv4 frag=later sport=40001 dport=5000
IPv6 first fragment|ipv6 frag=first sport=40002 dport=5000
IPv6 later fragment|ipv6 frag=later sport=40002 dport=5000
IPv4 with options (IHL 6)|ipv4 ihl=6
IPv4 total length 0 (up to the end of the frame)|ipv4 tlen=0
IPv4 followed by 20 bytes of Ethernet padding|ipv4 payload=6 pad=20
unknown ethertype 0x88b5|raw ethertype=0x88b5 payload=46
unknown IP protocol 253|ipv4 proto=253
"

# send_set NAME LIST [opts]: send every frame of LIST from vm1; markers in MK_NAME[], descriptions
# in DESC_NAME[]
declare -a MKS DESCS
send_set() {
	local list=$1 extra=${2:-} desc spec
	MKS=() DESCS=()
	while IFS='|' read -r desc spec; do
		[ -n "$desc" ] || continue
		# shellcheck disable=SC2086 # spec and extra are word lists
		if agent send "$V1" $spec $extra; then
			MKS+=("$AGENT_REPLY")
		else
			diag "send $spec: $AGENT_REPLY"
			MKS+=("-")
		fi
		DESCS+=("$desc")
	done <<<"$list"
}

# expect_seen WANT PREFIX: check that each frame of the last send_set was seen WANT (0/1) times
expect_seen() {
	local want=$1 prefix=$2 i tmo=2
	[ "$want" = 0 ] && tmo=1
	for i in "${!MKS[@]}"; do
		if [ "${MKS[i]}" = - ]; then
			log_test 1 "$prefix: ${DESCS[i]} (not sent)"
			continue
		fi
		check_agent "$prefix: ${DESCS[i]}" "$want" seen cap "${MKS[i]}" "$tmo"
		tmo=0.2
	done
}

NBAD=$(grep -c '|' <<<"$BAD")

# ---- plain ports
snap p0 port "$D1" , s0 switch sw0
send_set "$BAD"
expect_seen 0 "plain: dropped"
snap p1 port "$D1" , s1 switch sw0
check_cnt "plain: D1 parse_error_packets +$NBAD" p0 p1 parse_error_packets eq "$NBAD"
check_cnt "plain: switch parse_error_packets +$NBAD" s0 s1 parse_error_packets eq "$NBAD"
check_cnt "plain: D1 drop_packets +$NBAD at least" p0 p1 drop_packets ge "$NBAD"
send_set "$GOOD"
expect_seen 1 "plain: forwarded"
snap p2 port "$D1"
check_cnt "plain: the well-formed ones are no parse errors" p1 p2 parse_error_packets eq 0
check_flows "first IPv4 fragment: flow keyed with its ports" eq 1 sw0 \
	in_port="$D1" ethertype=0x0800 ip_proto=17 src_port=40001 dst_port=5000
check_flows "later IPv4 fragment: flow keyed on L3 only (no ports)" eq 1 - \
	in_port="$D1" ethertype=0x0800 ip_proto=17 src_port=0 dst_port=0 reply=false
check_flows "IPv6 fragments: one flow with ports, one without" eq 2 - \
	in_port="$D1" ethertype=0x86dd ip_proto=17 reply=false

# ---- under a layer stack
vfc_batch "layer acl (out-default deny, rule 1 allows udp dst-port 5000) on D1" <<EOF
layer add sw0 acl out-default deny in-default allow
rule add sw0 id 1 proto udp dst-port 5000 action allow
layer bind sw0 acl out 1
port set $D1 layers acl
flow flush sw0
EOF
snap p3 port "$D1" , s3 switch sw0
send_set "$BAD" dport=5000
agent send "$V1" ipv4 trunc=16 dmac=ff:ff:ff:ff:ff:ff
MKS+=("$AGENT_REPLY")
DESCS+=("broadcast with a cut IPv4 header")
expect_seen 0 "layers: dropped"
snap p4 port "$D1" , s4 switch sw0
check_cnt "layers: D1 parse_error_packets +$((NBAD + 1))" p3 p4 parse_error_packets eq $((NBAD + 1))
check_cnt "layers: switch parse_error_packets +$((NBAD + 1))" s3 s4 parse_error_packets \
	eq $((NBAD + 1))
agent send "$V1" ipv4 frag=first sport=40010 dport=5000 && MKF=$AGENT_REPLY
agent send "$V1" ipv4 frag=later sport=40010 dport=5000 && MKL=$AGENT_REPLY
check_agent "layers: the first fragment to port 5000 passes rule 1" "1" seen cap "$MKF" 2
check_agent "layers: the later fragment (no ports) is dropped by the default" "0" seen cap "$MKL" 1
check_flows "layers: the later fragment's flow is denied by acl's default" eq 1 sw0 \
	in_port="$D1" ip_proto=17 src_port=0 dst_port=0 verdict=deny layer=acl rule_id=0

# ---- still working
check "port set D1 layers none" vfc port set "$D1" layers none
check_agent "normal UDP vm1 -> vm2 still delivered" "1" udp "$V1" "$IP1" "$V2" "$IP2" 0:5000
check_agent "normal ICMP vm1 -> vm2 still answered" "2" ping "$V1" "$IP1" "$IP2" 2

ktap_finished
