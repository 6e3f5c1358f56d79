#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Layer stacks: the order of the walk in both directions, seen in traffic, in the flows (the
# deciding layer and rule) and in explain's steps.
#  - vm1's port has the stack [A, B] (A on top). Outbound (from vm1) walks A then B, inbound (to
#    vm1) B then A; the first deny stops the walk, a flow records the denying layer or else the
#    last allowing one.
#  - Reordering the stack (port set layers B,A) reverses both walks; layers none makes the port
#    plain again.
#  - Object errors: duplicate layer (EEXIST), unknown layer in a stack, more than 8 layers,
#    binding an unknown rule id, deleting a bound rule or a layer in use (EBUSY), each refused
#    with a message and without changing what traffic sees; refs and n-ports bookkeeping.

source "$(dirname "$0")/lib.sh"

vflow_test_init "layer order in both directions, stacks, layer and rule errors"
require_cmd "$PYTHON"
vflow_require
policy_topo 2
D1=${HVDEV[1]} D2=${HVDEV[2]}
V1=${VM[1]} V2=${VM[2]}
IP1=${VMIP[1]} IP2=${VMIP[2]}

vfc_batch "setup: switch, 2 ports; layers A and B; rule 10 (in A) and 20 (in B) deny udp 5000" <<EOF
switch add sw0
port add sw0 dev $D1 mac ${VMMAC[1]}
port add sw0 dev $D2 mac ${VMMAC[2]}
layer add sw0 A
layer add sw0 B
rule add sw0 id 10 prio 100 proto udp dst-port 5000 action deny
rule add sw0 id 20 prio 100 proto udp dst-port 5000 action deny
rule add sw0 id 11 prio 100 proto udp dst-port 5001 action allow
rule add sw0 id 21 prio 100 proto udp dst-port 5001 action allow
layer bind sw0 A out 10,11
layer bind sw0 A in 10,11
layer bind sw0 B out 20,21
layer bind sw0 B in 20,21
port set $D1 layers A,B
EOF

out=$(vfc -j port show dev "$D1")
check_jq "port show lists the stack top first: [A, B]" "$out" '.[0].layers == ["A", "B"]'
out=$(vfc -j layer show sw0)
check_jq "layer show: A and B each with 2 out and 2 in rules, 1 port" "$out" \
	'(map(select(.name == "A" or .name == "B")) | length == 2) and
	 all(.[] | select(.name == "A" or .name == "B"); .n_out_rules == 2 and .n_in_rules == 2
	     and .n_ports == 1)'

# ---- both layers deny 5000: the first in walk order decides
check_agent "outbound vm1 -> vm2:5000 denied" "0" udp "$V1" "$IP1" "$V2" "$IP2" 41000:5000 0.8
check_agent "inbound vm2 -> vm1:5000 denied" "0" udp "$V2" "$IP2" "$V1" "$IP1" 42000:5000 0.8
check_flows "outbound: the flow is denied by layer A (top, walked first), rule 10" eq 1 sw0 \
	in_port="$D1" src_port=41000 dst_port=5000 verdict=deny layer=A rule_id=10
check_flows "inbound: the flow is denied by layer B (bottom, walked first), rule 20" eq 1 sw0 \
	in_port="$D2" src_port=42000 dst_port=5000 verdict=deny layer=B rule_id=20
check_explain "explain out: stops at A" "^deny A:10:deny( |$)" \
	"$D1" out udp "$IP1" 41000 "$IP2" 5000
check_explain "explain in: stops at B" "^deny B:20:deny( |$)" \
	"$D1" in udp "$IP2" 42000 "$IP1" 5000

# ---- both allow 5001: every layer is walked, in order; the last one decides
check_agent "outbound vm1 -> vm2:5001 allowed" "1" udp "$V1" "$IP1" "$V2" "$IP2" 41001:5001
check_agent "inbound vm2 -> vm1:5001 allowed" "1" udp "$V2" "$IP2" "$V1" "$IP1" 42001:5001
check_flows "outbound allowed flow: decided last by B (rule 21)" eq 1 sw0 \
	in_port="$D1" src_port=41001 dst_port=5001 reply=false verdict=allow layer=B rule_id=21
check_flows "inbound allowed flow: decided last by A (rule 11)" eq 1 sw0 \
	in_port="$D2" src_port=42001 dst_port=5001 reply=false verdict=allow layer=A rule_id=11
check_explain "explain out: A then B" "^allow A:11:allow,B:21:allow( |$)" \
	"$D1" out udp "$IP1" 41001 "$IP2" 5001
check_explain "explain in: B then A" "^allow B:21:allow,A:11:allow( |$)" \
	"$D1" in udp "$IP2" 42001 "$IP1" 5001

# ---- A allows 5000 now (rule change): outbound passes A and is denied by B
vfc_batch "rule change 10: allow" <<EOF
rule change sw0 id 10 proto udp dst-port 5000 action allow
flow flush sw0
EOF
check_agent "outbound 5000 still denied (by B)" "0" udp "$V1" "$IP1" "$V2" "$IP2" 41002:5000 0.8
check_flows "the outbound flow names B, rule 20" eq 1 sw0 \
	in_port="$D1" src_port=41002 verdict=deny layer=B rule_id=20
check_explain "explain out: A allows, B denies" "^deny A:10:allow,B:20:deny( |$)" \
	"$D1" out udp "$IP1" 41002 "$IP2" 5000
check_explain "explain in: B denies first, A is not walked" "^deny B:20:deny( |$)" \
	"$D1" in udp "$IP2" 42002 "$IP1" 5000

# ---- reorder the stack: B on top
vfc_batch "port set D1 layers B,A; rule change 10: deny again, 20: allow" <<EOF
port set $D1 layers B,A
rule change sw0 id 10 proto udp dst-port 5000 action deny
rule change sw0 id 20 proto udp dst-port 5000 action allow
flow flush sw0
EOF
out=$(vfc -j port show dev "$D1")
check_jq "port show: [B, A]" "$out" '.[0].layers == ["B", "A"]'
check_agent "outbound 5000 denied (B allows, A denies)" "0" \
	udp "$V1" "$IP1" "$V2" "$IP2" 41003:5000 0.8
check_flows "outbound flow: layer A rule 10" eq 1 sw0 in_port="$D1" src_port=41003 layer=A rule_id=10
check_explain "explain out with [B, A]: B then A" "^deny B:20:allow,A:10:deny( |$)" \
	"$D1" out udp "$IP1" 41003 "$IP2" 5000
check_explain "explain in with [B, A]: A first, it denies" "^deny A:10:deny( |$)" \
	"$D1" in udp "$IP2" 42003 "$IP1" 5000

# ---- errors
state_layers() { vfc -j layer show sw0 2>/dev/null | jq -c 'sort_by(.name)'; }
L0=$(state_layers)
check_err "layer add A again: EEXIST" "$ERR_EEXIST" vfc layer add sw0 A
check_err "port set with an unknown layer is refused" "no such layer|not found|No such|unknown" \
	vfc port set "$D1" layers B,nosuch
out=$(vfc -j port show dev "$D1")
check_jq "  and the stack is unchanged" "$out" '.[0].layers == ["B", "A"]'
vfc_batch "layers L1..L8" <<EOF
layer add sw0 L1
layer add sw0 L2
layer add sw0 L3
layer add sw0 L4
layer add sw0 L5
layer add sw0 L6
layer add sw0 L7
layer add sw0 L8
EOF
check "a stack of 8 layers is accepted" vfc port set "$D2" layers L1,L2,L3,L4,L5,L6,L7,L8
check_err "a stack of 9 layers is refused" "$ERR_EINVAL|too many|at most|8" \
	vfc port set "$D2" layers L1,L2,L3,L4,L5,L6,L7,L8,A
check_err "binding an unknown rule id is refused" "no such rule|not found|No such" \
	vfc layer bind sw0 A out 999
check_err "rule del of a bound rule: EBUSY" "$ERR_EBUSY|referenced|bound|layer" vfc rule del sw0 id 10
check_err "layer del of a layer in a port stack: EBUSY" "$ERR_EBUSY|in use|port" vfc layer del sw0 A
check_err "rule add with an existing id: EEXIST" "$ERR_EEXIST" \
	vfc rule add sw0 id 10 proto udp action allow
check_err "rule id 0 is refused" "$ERR_EINVAL|range|id" vfc rule add sw0 id 0 action allow
check_err "a rule without a verdict is refused" "$ERR_EINVAL|action|allow|deny" \
	vfc rule add sw0 id 77 proto udp
check_err "a rule with both allow and deny is refused" "$ERR_EINVAL|action|allow|deny|once|one" \
	vfc rule add sw0 id 78 action allow deny
check_err "layer add on an unknown switch: ENOENT" "$ERR_ENOENT" vfc layer add nosuch X
check_eq "the layers of A/B are unchanged by the refusals" \
	"$(state_layers | jq -c 'map(select(.name == "A" or .name == "B"))')" \
	"$(jq -c 'map(select(.name == "A" or .name == "B"))' <<<"$L0")"
check_agent "traffic still decided as before the refusals" "0" \
	udp "$V1" "$IP1" "$V2" "$IP2" 41004:5000 0.8

out=$(vfc -j rule show sw0 id 10)
check_jq "rule 10 is referenced by 2 index tables (A out, A in)" "$out" '.[0].refs == 2'

# ---- layers none: a plain port again; then the layer can go
check "port set D1 layers none" vfc port set "$D1" layers none
check "port set D2 layers none" vfc port set "$D2" layers none
out=$(vfc -j port show dev "$D1")
check_jq "D1 has no layers" "$out" '(.[0].layers // []) == []'
check_agent "plain port: vm1 -> vm2:5000 passes" "1" udp "$V1" "$IP1" "$V2" "$IP2" 41005:5000
check "layer unbind A out 10 and in 10" vfc layer unbind sw0 A out 10
check "layer unbind A in 10" vfc layer unbind sw0 A in 10
check "rule del 10 once unbound" vfc rule del sw0 id 10
check "layer del A once unused" vfc layer del sw0 A
out=$(vfc -j layer show sw0)
check_jq "A is gone, B remains" "$out" 'all(.[]; .name != "A") and any(.[]; .name == "B")'

ktap_finished
