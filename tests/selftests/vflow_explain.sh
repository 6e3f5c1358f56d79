#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# explain agrees with what traffic does. A three-layer policy (vm1: [tenant, infra], vm2:
# [web]) and a table of UDP and TCP 5-tuples in both directions; for each 5-tuple:
#  - explain on the sender's port (out) and on the receiver's port (in) give the verdict the
#    table expects (allow only when both walks allow);
#  - the same 5-tuple sent for real passes exactly when explain says allow;
#  - the flow the packet created names the layer and rule explain's walk ended on (the first
#    deny, else the last allow of the receiver's inbound walk or of the sender's outbound walk).
# explain itself touches neither flows nor rule counters.

source "$(dirname "$0")/lib.sh"

vflow_test_init "explain matches what traffic does"
require_cmd "$PYTHON"
vflow_require
policy_topo 2
D1=${HVDEV[1]} D2=${HVDEV[2]}
V1=${VM[1]} V2=${VM[2]}
IP1=${VMIP[1]} IP2=${VMIP[2]}

vfc_batch "setup: vm1 [tenant, infra], vm2 [web]" <<EOF
switch add sw0
port add sw0 dev $D1 mac ${VMMAC[1]}
port add sw0 dev $D2 mac ${VMMAC[2]}
layer add sw0 tenant out-default allow in-default deny
layer add sw0 infra out-default allow in-default allow
layer add sw0 web out-default allow in-default deny
rule add sw0 id 11 prio 10 proto udp dst-port 5001 action deny
rule add sw0 id 12 prio 10 proto tcp src-ip 10.0.0.0/24 dst-port 22 action allow
layer bind sw0 tenant out 11
layer bind sw0 tenant in 12
rule add sw0 id 21 prio 10 dst-ip $IP2 proto udp dst-port 5002 action deny
rule add sw0 id 22 prio 10 proto udp src-port 53 action deny
layer bind sw0 infra out 21
layer bind sw0 infra in 22
rule add sw0 id 31 prio 10 proto tcp dst-port 80-81 action allow
rule add sw0 id 32 prio 10 proto udp dst-port 5000-5003 action allow
rule add sw0 id 33 prio 5 proto udp dst-port 5003 action deny
layer bind sw0 web in 31,32,33
port set $D1 layers tenant,infra
port set $D2 layers web
EOF

# from  proto sport dport  expected
ROWS="
1 udp 41000 5000 allow
1 udp 41001 5001 deny
1 udp 41002 5002 deny
1 udp 41003 5003 deny
1 tcp 41004 80 allow
1 tcp 41005 443 deny
1 udp 41006 6000 deny
2 tcp 42000 22 allow
2 tcp 42001 23 deny
2 udp 53 42002 deny
2 udp 42003 22 deny
"

# last_step STEPS: the layer:rule:verdict explain's walk ended on ("-" when none)
last_step() {
	local s=${1##*,}
	[ "$s" = - ] && s=
	echo "$s"
}

# every explain of the table (out on the sender's port, in on the receiver's) in one vflowctl
# run, before any traffic: afterwards there are no flows and no rule matches
specs=()
while read -r from proto sp dp want; do
	[ -n "$from" ] || continue
	if [ "$from" = 1 ]; then
		specs+=("$D1 out $proto $IP1 $sp $IP2 $dp" "$D2 in $proto $IP1 $sp $IP2 $dp")
	else
		specs+=("$D2 out $proto $IP2 $sp $IP1 $dp" "$D1 in $proto $IP2 $sp $IP1 $dp")
	fi
done <<<"$ROWS"
agent_explains "${specs[@]}"
log_test $? "explain answers all ${#specs[@]} queries of the table" || diag "$AGENT_REPLY"
check_flows "explain installed no flows" eq 0 sw0 ip_proto!=0
snap r32 rule sw0 32
check_val "explain counted no rule matches (rule 32)" r32 matches eq 0

k=0
while read -r from proto sp dp want; do
	[ -n "$from" ] || continue
	if [ "$from" = 1 ]; then
		sd=$D1 sv=$V1 rv=$V2 sip=$IP1 dip=$IP2
	else
		sd=$D2 sv=$V2 rv=$V1 sip=$IP2 dip=$IP1
	fi
	what="vm$from $proto :$sp -> :$dp"
	read -r ov os _ <<<"${EXPL[k]:-none - -}"
	read -r iv is _ <<<"${EXPL[k + 1]:-none - -}"
	k=$((k + 2))
	ev=allow
	[ "$ov" = allow ] && [ "$iv" = allow ] || ev=deny
	check_eq "$what: explain says $want (out $ov [$os], in $iv [$is])" "$ev" "$want"
	if [ "$ov" = deny ]; then
		dec=$(last_step "$os")
	elif [ "$iv" = deny ] || [ -n "$(last_step "$is")" ]; then
		dec=$(last_step "$is")
	else
		dec=$(last_step "$os")
	fi
	[ "$ev" = allow ] && bits=1 || bits=0
	tmo=2
	[ "$ev" = deny ] && tmo=1
	check_agent "$what: traffic agrees with explain ($ev)" "$bits" \
		"$proto" "$sv" "$sip" "$rv" "$dip" "$sp:$dp" "$tmo"
	IFS=: read -r dl dr _ <<<"$dec"
	check_flows "$what: its flow names $dl rule $dr ($ev)" eq 1 sw0 \
		in_port="$sd" ip_proto="$proto" src_port="$sp" dst_port="$dp" reply=false \
		verdict="$ev" layer="$dl" rule_id="$dr"
done <<<"$ROWS"

ktap_finished
