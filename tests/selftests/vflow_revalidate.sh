#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Policy changes reach flows that are already installed (revalidation on the next hit):
#  - an allowed UDP flow whose rule is changed to deny stops at the very next packet;
#  - an allowed, established TCP connection survives an unrelated rule change (rule add + bind)
#    and keeps moving data; the switch's revalidate counter grows and the policy generation too;
#  - the same connection stops (no more data reaches the server) once its own rule denies it;
#  - unbinding a rule, changing a layer default and changing the port's stack take effect on
#    cached flows the same way (deny -> allow -> deny), and explain agrees each time;
#  - the flows show the new verdict and the generation they were decided under.

source "$(dirname "$0")/lib.sh"

vflow_test_init "rule, layer and stack changes take effect on installed flows"
require_cmd "$PYTHON"
vflow_require
policy_topo 2
D1=${HVDEV[1]} D2=${HVDEV[2]}
V1=${VM[1]} V2=${VM[2]}
IP1=${VMIP[1]} IP2=${VMIP[2]}

vfc_batch "setup: layer fw on D1 (out-default deny): rule 1 allows udp 5000, rule 2 tcp 8080" <<EOF
switch add sw0
port add sw0 dev $D1 mac ${VMMAC[1]}
port add sw0 dev $D2 mac ${VMMAC[2]}
layer add sw0 fw out-default deny in-default allow
rule add sw0 id 1 prio 100 proto udp dst-port 5000 action allow
rule add sw0 id 2 prio 100 proto tcp dst-port 8080 action allow
layer bind sw0 fw out 1,2
port set $D1 layers fw
EOF

# ---- UDP: allowed flow, then its rule denies
check_agent "UDP vm1:41000 -> vm2:5000 passes (flow installed)" "1" \
	udp "$V1" "$IP1" "$V2" "$IP2" 41000:5000
check_agent "3 more on the cached flow" "3" udp "$V1" "$IP1" "$V2" "$IP2" 41000:5000 2 n=3
check_flows "the flow is cached and allowed (4 packets)" eq 1 sw0 \
	in_port="$D1" src_port=41000 verdict=allow packets=4
snap s0 switch sw0
check "rule change 1: deny" vfc rule change sw0 id 1 proto udp dst-port 5000 action deny
snap s1 switch sw0
check_cnt "the policy generation moved" s0 s1 generation ge 1
check_agent "the very next datagram on the cached flow is dropped" "0" \
	udp "$V1" "$IP1" "$V2" "$IP2" 41000:5000 0.8
snap s2 switch sw0
check_cnt "revalidate counter grew" s1 s2 revalidate ge 1
agent get s1 generation
GEN1=$AGENT_REPLY
check_flows "the flow now says deny (rule 1) under the new generation" eq 1 sw0 \
	in_port="$D1" src_port=41000 verdict=deny rule_id=1 generation="$GEN1"
check_explain "explain agrees: deny by rule 1" "^deny fw:1:deny( |$)" \
	"$D1" out udp "$IP1" 41000 "$IP2" 5000

# ---- TCP: established connection, unrelated change, then its own rule
check_agent "TCP vm1 -> vm2:8080 connects" "connected" tconn c "$V1" "$IP1" "$V2" "$IP2" 8080
check_agent "TCP: 10000 bytes to the server" "10000" txfer c c2s 10000
snap t0 switch sw0
vfc_batch "unrelated change: rule 3 allows udp 9999, bound to fw" <<EOF
rule add sw0 id 3 prio 100 proto udp dst-port 9999 action allow
layer bind sw0 fw out 3
EOF
check_agent "TCP after the unrelated change: 10000 more bytes to the server" "10000" \
	txfer c c2s 10000
check_agent "TCP after the unrelated change: 10000 bytes back" "10000" txfer c s2c 10000
snap t1 switch sw0
check_cnt "revalidate counter grew (the connection's flows were re-decided)" t0 t1 revalidate ge 1
check_flows "the connection's forward flow is still allowed, by rule 2" eq 1 sw0 \
	in_port="$D1" dst_port=8080 verdict=allow rule_id=2 tcp_state=established
check "rule change 2: deny" vfc rule change sw0 id 2 proto tcp dst-port 8080 action deny
check_agent "TCP after its rule denies it: nothing more reaches the server" "0" txfer c c2s 1000 2
check_flows "the forward flow now says deny" eq 1 sw0 in_port="$D1" dst_port=8080 verdict=deny
agent tclose c rst

# ---- unbind, layer default, stack
vfc_batch "rule 4 allows udp 6000" <<EOF
rule add sw0 id 4 prio 100 proto udp dst-port 6000 action allow
layer bind sw0 fw out 4
EOF
check_agent "UDP vm1:41001 -> vm2:6000 passes" "1" udp "$V1" "$IP1" "$V2" "$IP2" 41001:6000
check "layer unbind fw out 4" vfc layer unbind sw0 fw out 4
check_agent "after unbind: the cached flow drops the next datagram (default deny)" "0" \
	udp "$V1" "$IP1" "$V2" "$IP2" 41001:6000 0.8
check_explain "explain: fw's default denies" "^deny fw:0:deny( |$)" \
	"$D1" out udp "$IP1" 41001 "$IP2" 6000
check "layer set fw out-default allow" vfc layer set sw0 fw out-default allow
check_agent "after the default changed: the next datagram passes" "1" \
	udp "$V1" "$IP1" "$V2" "$IP2" 41001:6000
check "layer set fw out-default deny" vfc layer set sw0 fw out-default deny
check_agent "default deny again: dropped" "0" udp "$V1" "$IP1" "$V2" "$IP2" 41001:6000 0.8
check "port set D1 layers none" vfc port set "$D1" layers none
check_agent "without layers: the cached (deny) flow passes the next datagram" "1" \
	udp "$V1" "$IP1" "$V2" "$IP2" 41001:6000
check_agent "and the UDP 5000 flow denied by rule 1 passes too" "1" \
	udp "$V1" "$IP1" "$V2" "$IP2" 41000:5000
check "port set D1 layers fw" vfc port set "$D1" layers fw
check_agent "stack back: the 5000 flow is denied again" "0" \
	udp "$V1" "$IP1" "$V2" "$IP2" 41000:5000 0.8

ktap_finished
