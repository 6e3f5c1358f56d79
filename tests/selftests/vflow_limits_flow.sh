#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Flow limits with counters:
#  - port set D1 max-flows 4, then 10 UDP connections from vm1: both directions of a connection
#    count against the port that created it, so D1 owns 4 flows (2 connections, forward and
#    reverse), the new-flow packets beyond the limit are counted (flow-limit-packets on the port
#    and the switch) and, with the default limit-action uncached, still delivered (all 10, again
#    on a second round);
#  - switch set limit-action drop: after a flush, of 10 new connections only the 2 that fit pass,
#    the other 8 are dropped (drop-packets, flow-limit-packets);
#  - the switch limit (max-flows 6): n-flows of the switch stays <= 6;
#  - out-of-range values are refused with a message (max-flows 0, above 4194304, limit-action
#    bogus).

source "$(dirname "$0")/lib.sh"

vflow_test_init "port and switch flow limits, uncached and drop"
require_cmd "$PYTHON"
vflow_require
policy_topo 2
D1=${HVDEV[1]} D2=${HVDEV[2]}
V1=${VM[1]} V2=${VM[2]}
IP1=${VMIP[1]} IP2=${VMIP[2]}

vfc_batch "setup: switch, 2 plain vm ports, D1 max-flows 4" <<EOF
switch add sw0
port add sw0 dev $D1 mac ${VMMAC[1]}
port add sw0 dev $D2 mac ${VMMAC[2]}
port set $D1 max-flows 4
EOF
out=$(vfc -j port show dev "$D1")
check_jq "port show: D1 max_flows 4" "$out" '.[0].max_flows == 4'

pairs() { # pairs FIRST-SPORT: 10 pairs sport:5000
	local i p=
	for ((i = 0; i < 10; i++)); do p+="${p:+,}$(($1 + i)):5000"; done
	echo "$p"
}

# ---- uncached
snap p0 port "$D1" , s0 switch sw0
check_agent "uncached: 10 new UDP flows from vm1 all delivered" "1111111111" \
	udp "$V1" "$IP1" "$V2" "$IP2" "$(pairs 43000)" 2
snap p1 port "$D1" , s1 switch sw0
check_val "D1 n_flows is 4 (2 connections, both directions)" p1 n_flows eq 4
check_flows "flow show: 2 forward flows from D1, with their 2 reverse flows" eq 2 sw0 \
	in_port="$D1" reply=false
check_flows "  (the reverse flows)" eq 2 - in_port="$D2" reply=true
check_cnt "D1 flow_limit_packets +8" p0 p1 flow_limit_packets ge 8
check_cnt "switch flow_limit_packets +8" s0 s1 flow_limit_packets ge 8
check_cnt "no drops on D1" p0 p1 drop_packets eq 0
check_agent "uncached: a second round on the same 10 5-tuples all delivered" "1111111111" \
	udp "$V1" "$IP1" "$V2" "$IP2" "$(pairs 43000)" 2
snap p2 port "$D1"
check_cnt "second round: flow_limit_packets +8 again (uncached packets never install)" p1 p2 \
	flow_limit_packets ge 8
check_val "D1 n_flows still <= 4" p2 n_flows le 4

# ---- drop
vfc_batch "switch set limit-action drop; flow flush" <<EOF
switch set sw0 limit-action drop
flow flush sw0
EOF
out=$(vfc -j switch show sw0)
check_jq "switch show: limit_action drop" "$out" '.[0].limit_action == "drop"'
snap p3 port "$D1"
agent udp "$V1" "$IP1" "$V2" "$IP2" "$(pairs 44000)" 1.5
got=$AGENT_REPLY
n=$(tr -cd 1 <<<"$got" | wc -c)
check_eq "drop: of 10 new connections exactly the 2 that fit pass ($got)" "$n" 2
snap p4 port "$D1"
check_cnt "drop: D1 drop_packets +8" p3 p4 drop_packets ge 8
check_cnt "drop: D1 flow_limit_packets +8" p3 p4 flow_limit_packets ge 8
check_val "drop: D1 n_flows is 4" p4 n_flows eq 4
check "port set D1 max-flows 0 (back to the switch's port-max-flows)" vfc port set "$D1" max-flows 0
check_agent "with the port limit lifted the dropped 5-tuples pass" "1111111111" \
	udp "$V1" "$IP1" "$V2" "$IP2" "$(pairs 44000)" 2

# ---- switch limit
vfc_batch "switch set max-flows 6 limit-action uncached; flow flush" <<EOF
switch set sw0 max-flows 6 limit-action uncached
flow flush sw0
EOF
snap s5 switch sw0
check_agent "switch limit: 10 new flows all delivered (uncached)" "1111111111" \
	udp "$V1" "$IP1" "$V2" "$IP2" "$(pairs 45000)" 2
snap s6 switch sw0
check_val "switch n_flows <= 6" s6 n_flows le 6
check_cnt "switch flow_limit_packets grew" s5 s6 flow_limit_packets ge 4
check_flows "flow show lists at most 6 flows" le 6 sw0

# ---- bad values
check_err "switch set max-flows 0 is refused" "$ERR_EINVAL" vfc switch set sw0 max-flows 0
check_err "switch set max-flows 4194305 is refused" "$ERR_EINVAL" \
	vfc switch set sw0 max-flows 4194305
check_err "switch add with limit-action bogus is refused" "$ERR_EINVAL|limit-action|uncached" \
	vfc switch add sw1 limit-action bogus
check_err "switch set timeout udp 0 is refused" "$ERR_EINVAL" vfc switch set sw0 timeout udp 0
out=$(vfc -j switch show sw0)
check_jq "the refusals changed nothing (max_flows 6, udp_timeout 60)" "$out" \
	'.[0].max_flows == 6 and .[0].udp_timeout == 60'

ktap_finished
