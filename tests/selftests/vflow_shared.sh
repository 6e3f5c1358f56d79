#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared rules at scale: 1000 rules in one layer, that layer in the stacks of 1000 ports (dummy
# devices: cheap to create, fine for measuring memory) plus two VMs.
#  - Memory (/proc/meminfo Slab + VmallocUsed + Percpu, read after draining the slab caches and
#    the KASAN quarantine): bytes per rule, per attached port, and per port stack. A stack that
#    holds the 1000-rule layer must cost less than 2 KiB per port and no more than 2 KiB above a
#    stack holding a 1-rule layer: copying the rules per port (a rule costs ~500 bytes, so
#    hundreds of KiB per port) fails both. Measured noise is a few hundred bytes per port. The numbers are printed as "# " info lines.
#  - refs of a rule is 1 (one index table), the layer counts its ports.
#  - Changing the one shared rule (rule change) changes what traffic of two different ports
#    (vm1 and vm2) sees, and what explain says for a dummy port.
# Meant to run alone (guest-run.sh runs it serially): other tests' allocations would blur the
# memory numbers.

source "$(dirname "$0")/lib.sh"

vflow_test_init "1000 ports share a 1000-rule layer: memory per port and rule, shared updates"
require_cmd "$PYTHON"
vflow_require
policy_topo 3
D1=${HVDEV[1]} D2=${HVDEV[2]} D3=${HVDEV[3]}
V1=${VM[1]} V2=${VM[2]} V3=${VM[3]}
IP1=${VMIP[1]} IP2=${VMIP[2]} IP3=${VMIP[3]}
NP=1000
NR=1000
HALF=$((NP / 2))

# (left down: a port needs no carrier, and one command per device halves the time)
for ((i = 0; i < NP; i++)); do echo "link add s$i type dummy"; done >"$TMPD/mkdev"
t0=$(date +%s)
check "create $NP dummy devices" ip -n "$HV" -batch "$TMPD/mkdev"
diag "took $(($(date +%s) - t0)) s"

vfc_batch "switch sw0, layers big and small (out-default deny), 3 vm ports" <<EOF
switch add sw0
layer add sw0 big out-default deny in-default allow
layer add sw0 small out-default deny in-default allow
port add sw0 dev $D1 mac ${VMMAC[1]}
port add sw0 dev $D2 mac ${VMMAC[2]}
port add sw0 dev $D3 mac ${VMMAC[3]}
EOF

# mem_kb: MEM_KB = Slab + VmallocUsed + Percpu in kB after a drain, MEMFREE_KB = MemFree
MEM_KB=0
MEMFREE_KB=0
mem_kb() {
	local k v kv slab=0 vm=0 pc=0
	MEM_KB=0
	agent mem drain || return 1
	for kv in $AGENT_REPLY; do
		k=${kv%%=*} v=${kv#*=}
		case $k in
		Slab) slab=$v ;;
		VmallocUsed) vm=$v ;;
		Percpu) pc=$v ;;
		MemFree) MEMFREE_KB=$v ;;
		esac
	done
	MEM_KB=$((slab + vm + pc))
}

# per_obj NAME BEFORE_KB AFTER_KB N FREE_BEFORE FREE_AFTER: bytes per object, printed
per_obj() {
	local b=$(((($3 - $2) * 1024) / $4)) f=$(((($5 - $6) * 1024) / $4))
	ktap_print_msg "memory: $1: $b bytes each (slab+vmalloc+percpu; by MemFree: $f)" >&2
	echo "$b"
}

mem_kb
m0=$MEM_KB f0=$MEMFREE_KB
{
	for ((i = 1; i <= NR; i++)); do
		echo "rule add sw0 id $i prio $i proto udp dst-port $((10000 + i)) action allow"
	done
	echo "layer bind sw0 big out 1-$NR"
	echo "rule add sw0 id 5000 proto udp dst-port 9000 action allow"
	echo "layer bind sw0 small out 5000"
} >"$TMPD/rules"
t0=$(date +%s)
vfc_batch "add $NR rules and bind them to layer big (one vflowctl -b)" <"$TMPD/rules"
diag "took $(($(date +%s) - t0)) s"
mem_kb
m1=$MEM_KB f1=$MEMFREE_KB

for ((i = 0; i < NP; i++)); do echo "port add sw0 dev s$i"; done >"$TMPD/ports"
t0=$(date +%s)
vfc_batch "attach the $NP dummy devices" <"$TMPD/ports"
diag "took $(($(date +%s) - t0)) s"
mem_kb
m2=$MEM_KB f2=$MEMFREE_KB

for ((i = 0; i < HALF; i++)); do echo "port set s$i layers big"; done >"$TMPD/big"
t0=$(date +%s)
vfc_batch "$HALF ports get the stack [big] ($NR rules)" <"$TMPD/big"
diag "took $(($(date +%s) - t0)) s"
mem_kb
m3=$MEM_KB f3=$MEMFREE_KB
for ((i = HALF; i < NP; i++)); do echo "port set s$i layers small"; done >"$TMPD/small"
vfc_batch "$((NP - HALF)) ports get the stack [small] (1 rule)" <"$TMPD/small"
mem_kb
m4=$MEM_KB f4=$MEMFREE_KB

if [ "$m0" -gt 0 ] && [ "$m4" -gt 0 ]; then
	per_rule=$(per_obj "per rule (rule table + layer index)" "$m0" "$m1" "$NR" "$f0" "$f1")
	per_port=$(per_obj "per attached port (no layers)" "$m1" "$m2" "$NP" "$f1" "$f2")
	stack_big=$(per_obj "per port stack [big] ($NR rules)" "$m2" "$m3" "$HALF" "$f2" "$f3")
	stack_small=$(per_obj "per port stack [small] (1 rule)" "$m3" "$m4" $((NP - HALF)) "$f3" "$f4")
	diag "rule $per_rule B, port $per_port B, stack big $stack_big B, stack small $stack_small B"
	[ "$stack_big" -lt 2048 ]
	log_test $? "a port stack holding the $NR-rule layer costs < 2 KiB ($stack_big bytes)"
	[ $((stack_big - stack_small)) -lt 2048 ]
	log_test $? "and < 2 KiB more than one holding a 1-rule layer ($stack_big vs $stack_small)"
	[ "$per_rule" -lt 16384 ]
	log_test $? "a rule costs < 16 KiB ($per_rule bytes)"
else
	log_test 1 "memory measurement (agent mem failed: $AGENT_REPLY)"
fi

out=$(vfc -j rule show sw0 id 1)
check_jq "rule 1 is referenced once (one index table), not per port" "$out" '.[0].refs == 1'
out=$(vfc -j layer show sw0)
check_jq "layer big: $NR outbound rules, $HALF ports" "$out" --argjson n "$NR" \
	--argjson h "$HALF" 'any(.[]; .name == "big" and .n_out_rules == $n and .n_ports == $h)'

# ---- the shared rule decides for every port
vfc_batch "vm1 and vm2 get the stack [big] too" <<EOF
port set $D1 layers big
port set $D2 layers big
EOF
check_agent "vm1 -> vm3: udp 10001 (rule 1) and 10002 (rule 2) pass, 9999 does not" "110" \
	udp "$V1" "$IP1" "$V3" "$IP3" 0:10001,0:10002,0:9999
check_agent "vm2 -> vm3: the same" "110" udp "$V2" "$IP2" "$V3" "$IP3" 0:10001,0:10002,0:9999
check_explain "explain for dummy port s0: rule 1 allows" "^allow big:1:allow( |$)" \
	s0 out udp 10.0.0.200 1 "$IP3" 10001 src-mac 02:00:00:00:aa:01
t0=$(date +%s%N)
check "rule change 1: deny (one update of the shared rule)" \
	vfc rule change sw0 id 1 prio 1 proto udp dst-port 10001 action deny
diag "took $((($(date +%s%N) - t0) / 1000000)) ms"
check_agent "vm1 -> vm3: 10001 is denied now, 10002 still passes" "01" \
	udp "$V1" "$IP1" "$V3" "$IP3" 0:10001,0:10002 1.5
check_agent "vm2 -> vm3: the same" "01" udp "$V2" "$IP2" "$V3" "$IP3" 0:10001,0:10002 1.5
check_explain "explain for dummy port s0: rule 1 denies" "^deny big:1:deny( |$)" \
	s0 out udp 10.0.0.200 1 "$IP3" 10001 src-mac 02:00:00:00:aa:01
check_explain "explain for dummy port s$((NP - 1)) (small): default deny" "^deny small:0:deny( |$)" \
	"s$((NP - 1))" out udp 10.0.0.200 1 "$IP3" 10001 src-mac 02:00:00:00:aa:02

t0=$(date +%s%N)
check "switch del with $((NP + 3)) ports" vfc switch del sw0
diag "took $((($(date +%s%N) - t0) / 1000000)) ms"

ktap_finished
