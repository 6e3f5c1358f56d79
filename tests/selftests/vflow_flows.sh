#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The flow table: flows appear on the first packet of a connection (a forward flow from the
# sender's port and a reverse flow from the receiver's port), later packets and the replies hit
# them (flow-hit-packets, per-flow packet counters; flow-miss-packets does not move), flow show
# filters by port, flow flush removes a port's flows with their reverse flows. Rule counters:
# matches counts decided flows, packets/bytes only with the count action (fast-path hits too).
# Switch configuration through switch add and switch set (switch show). Idle timeouts (switch
# set ... timeout udp 2 timeout icmp 2 timeout tcp-fin 2): idle UDP and ICMP flows disappear a
# few seconds after their last packet, a busy flow is kept past its
# timeout, an established TCP connection is kept while a closed one expires, switch set changes
# a timeout again.

source "$(dirname "$0")/lib.sh"

vflow_test_init "flows: install on first packet, hits, reverse flows, flush, counters, timeouts"
require_cmd "$PYTHON"
vflow_require
policy_topo 2
D1=${HVDEV[1]} D2=${HVDEV[2]}
V1=${VM[1]} V2=${VM[2]}
IP1=${VMIP[1]} IP2=${VMIP[2]}

vfc_batch "setup: switch (timeout other 50, tcp-syn 20), 2 plain vm ports" <<EOF
switch add sw0 timeout other 50 timeout tcp-syn 20
port add sw0 dev $D1 mac ${VMMAC[1]}
port add sw0 dev $D2 mac ${VMMAC[2]}
EOF
out=$(vfc -j switch show sw0)
check_jq "switch show: other 50, tcp-syn 20, defaults for the rest" "$out" \
	'.[0] | .other_timeout == 50 and .tcp_syn_timeout == 20 and .udp_timeout == 60 and
	 .icmp_timeout == 30 and .tcp_fin_timeout == 30 and .tcp_est_timeout == 7200 and
	 .max_flows == 65536 and .port_max_flows == 16384 and .limit_action == "uncached"'
check_flows "no flows yet" eq 0 sw0 ip_proto=17

# ---- first packet installs a forward and a reverse flow
snap a1 port "$D1" , as switch sw0
check_agent "one UDP datagram vm1:41000 -> vm2:5000" "1" udp "$V1" "$IP1" "$V2" "$IP2" 41000:5000
snap b1 port "$D1" , bs switch sw0
check_cnt "first packet: D1 flow_miss_packets +1" a1 b1 flow_miss_packets ge 1
check_cnt "first packet: switch flow_install +2 (forward and reverse)" as bs flow_install ge 2
check_flows "forward flow: from D1, to D2, 10.0.0.1:41000 -> 10.0.0.2:5000, 1 packet" eq 1 sw0 \
	in_port="$D1" out_port="$D2" src_ip="$IP1" dst_ip="$IP2" ip_proto=17 src_port=41000 \
	dst_port=5000 reply=false verdict=allow packets=1
check_flows "reverse flow: from D2, 10.0.0.2:5000 -> 10.0.0.1:41000, reply flag" eq 1 - \
	in_port="$D2" src_ip="$IP2" dst_ip="$IP1" src_port=5000 dst_port=41000 reply=true
check_val "switch n_flows is 2" bs n_flows eq 2
check_val "D1 n_flows is 2 (both directions count against the port that created them)" b1 \
	n_flows eq 2

# ---- later packets hit the flow
check_agent "5 more datagrams on the same 5-tuple" "5" \
	udp "$V1" "$IP1" "$V2" "$IP2" 41000:5000 2 n=5
snap c1 port "$D1"
check_cnt "hits: D1 flow_hit_packets +5" b1 c1 flow_hit_packets ge 5
check_cnt "hits: D1 flow_miss_packets +0" b1 c1 flow_miss_packets eq 0
check_flows "the forward flow counts 6 packets" eq 1 sw0 \
	in_port="$D1" src_port=41000 dst_port=5000 packets=6

# ---- replies hit the reverse flow
snap c2 port "$D2"
check_agent "vm2 answers 4 times from 5000 to 41000" "4" \
	udp "$V2" "$IP2" "$V1" "$IP1" 5000:41000 2 n=4
snap d2 port "$D2"
check_cnt "replies: D2 flow_hit_packets +4" c2 d2 flow_hit_packets ge 4
check_cnt "replies: D2 flow_miss_packets +0" c2 d2 flow_miss_packets eq 0
check_flows "the reverse flow counts 4 packets" eq 1 sw0 \
	in_port="$D2" src_port=5000 dst_port=41000 reply=true packets=4

# ---- flow show filtered by port, flush by port
out=$(vfc -j flow show sw0 port "$D2")
check_jq "flow show sw0 port D2: only flows from D2" "$out" --argjson i \
	"$(vfc -j port show dev "$D2" | jq '.[0].id')" 'length >= 1 and all(.[]; .in_port == $i)'
check "flow flush sw0 port D1" vfc flow flush sw0 port "$D1"
check_flows "flush of D1 removed its flow and the reverse flow" eq 0 sw0 ip_proto=17
snap e1 port "$D1"
check_agent "the next datagram is delivered" "1" udp "$V1" "$IP1" "$V2" "$IP2" 41000:5000
snap f1 port "$D1"
check_cnt "and misses again (flow_miss_packets +1)" e1 f1 flow_miss_packets ge 1
check_flows "the flow is back with 1 packet" eq 1 sw0 in_port="$D1" src_port=41000 packets=1

# ---- rule counters: matches (decisions) and, with count, packets/bytes
vfc_batch "layer all with rule 1 (udp 6000, count) and rule 2 (udp 6001, no count)" <<EOF
layer add sw0 all out-default allow in-default allow
rule add sw0 id 1 proto udp dst-port 6000 action allow count
rule add sw0 id 2 proto udp dst-port 6001 action allow
layer bind sw0 all out 1,2
port set $D1 layers all
EOF
check_agent "5 datagrams to 6000 and 5 to 6001 on one flow each" "55" \
	udp "$V1" "$IP1" "$V2" "$IP2" 41100:6000,41101:6001 2 n=5
snap r1 rule sw0 1 , r2 rule sw0 2
check_val "rule 1 decided 1 flow (matches 1)" r1 matches eq 1
check_val "rule 1 (count) counted 5 packets, hits included" r1 packets eq 5
check_val "rule 1 bytes: 5 packets of at least 30 bytes" r1 bytes ge 150
check_val "rule 2 decided 1 flow (matches 1)" r2 matches eq 1
check_val "rule 2 (no count) counted no packets" r2 packets eq 0
check "port set D1 layers none" vfc port set "$D1" layers none

# ---- timeouts
vfc_batch "switch set sw0 timeout udp 2 timeout icmp 2 timeout tcp-fin 2; flow flush" <<EOF
switch set sw0 timeout udp 2 timeout icmp 2 timeout tcp-fin 2
flow flush sw0
EOF
out=$(vfc -j switch show sw0)
check_jq "switch show: udp 2, icmp 2, tcp-fin 2, the rest unchanged" "$out" \
	'.[0] | .udp_timeout == 2 and .icmp_timeout == 2 and .tcp_fin_timeout == 2 and
	 .tcp_syn_timeout == 20 and .other_timeout == 50 and .tcp_est_timeout == 7200'
check_agent "UDP vm1:42000 -> vm2:5000" "1" udp "$V1" "$IP1" "$V2" "$IP2" 42000:5000
check_agent "ICMP echo vm1 -> vm2" "1" ping "$V1" "$IP1" "$IP2" 1
check_flows "UDP and ICMP flows are there right after the traffic" ge 4 sw0
check_agent_re "idle UDP flows expire (udp timeout 2 s; waited < 10 s)" "^0 " \
	wflows sw0 eq 0 10 ip_proto=17
check_agent_re "idle ICMP flows expire (icmp timeout 2 s)" "^0 " wflows sw0 eq 0 6 ip_proto=1
# a busy flow outlives its timeout: one datagram every 0.5 s for 4 s
for i in 1 2 3 4 5 6 7 8; do
	agent udp "$V1" "$IP1" "$V2" "$IP2" 42001:5000 1 >/dev/null
	agent sleep 0.5
done
check_flows "a flow busy for 4 s (timeout 2 s) is still the same flow (8 packets)" eq 1 sw0 \
	in_port="$D1" src_port=42001 packets=8
check "switch set sw0 timeout udp 30" vfc switch set sw0 timeout udp 30
out=$(vfc -j switch show sw0)
check_jq "switch show: udp_timeout 30" "$out" '.[0].udp_timeout == 30'
check_agent "UDP vm1:42002 -> vm2:5000" "1" udp "$V1" "$IP1" "$V2" "$IP2" 42002:5000
agent sleep 5
check_flows "with timeout 30 the flow is still there after 5 s idle" eq 1 sw0 \
	in_port="$D1" src_port=42002

# TCP: established connections use tcp-est (7200 s), closed ones tcp-fin (2 s)
check_agent "TCP vm1 -> vm2:8080 (stays open)" "connected" \
	tconn keep "$V1" "$IP1" "$V2" "$IP2" 8080
check_agent "TCP vm1 -> vm2:8081 (closed at once)" "connected" \
	tconn closed "$V1" "$IP1" "$V2" "$IP2" 8081
agent txfer keep c2s 100 >/dev/null
agent tclose closed
check_agent_re "the closed connection's flows expire (tcp-fin 2 s)" "^0 " \
	wflows sw0 eq 0 10 ip_proto=6 dst_port=8081
check_flows "the open connection's flows are still there" eq 1 sw0 \
	in_port="$D1" ip_proto=6 dst_port=8080 tcp_state=established
check_agent "and it still carries data" "1000" txfer keep s2c 1000

ktap_finished
