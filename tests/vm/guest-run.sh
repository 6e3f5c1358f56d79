#!/bin/bash
# Runs inside the guest as root: the kselftests (tests/selftests/run_tests.sh), then the leak and
# kernel-log checks, then the closing "N passed, N failed, N skipped" line over all of them.
# usage: guest-run.sh RESULTS_DIR [test ...]
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
results=$1; shift
. "$TOP/tests/vm/env.sh"
export VFLOW_KO=${VFLOW_KO:-$TOP/build/module/vflow.ko}
export VFLOWCTL=${VFLOWCTL:-$TOP/userspace-ctl/target/release/vflowctl}
export YNL_CLI=${YNL_CLI:-$KSRC/tools/net/ynl/pyynl/cli.py}
export VFLOW_SPEC=${VFLOW_SPEC:-$TOP/Documentation/netlink/specs/vflow.yaml}
export YNL_SCHEMA=${YNL_SCHEMA:-$KSRC/Documentation/netlink/genetlink.yaml}
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
# Marks where the kernel log stops being boot and starts being the tests (see check.sh).
echo "vflow-harness: start" > /dev/kmsg
mount -t debugfs none /sys/kernel/debug 2>/dev/null
echo clear > /sys/kernel/debug/kmemleak 2>/dev/null
# The kselftests, then two checks of the kernel's state after them. Under TCG with KASAN a test takes
# 1-4 minutes, so tests that leave the module loaded run three at a time (each has its own
# namespaces); the ones that unload it run alone, first and last. VFLOW_JOBS=1 runs all serially.
ST=$TOP/tests/selftests
if [ $# -gt 0 ]; then
	tests=("$@")
else
	mapfile -t tests < <(awk '/^TEST_PROGS[ :]*=/ {on = 1} on {
		for (i = 1; i <= NF; i++) if ($i ~ /\.sh$/) print $i
		if ($NF != "\\") on = 0 }' "$ST/Makefile")
fi
# vflow_shared.sh measures kernel memory: it runs alone too, or the others' allocations blur it.
unloading=" vflow_load.sh vflow_unload_traffic.sh vflow_shared.sh "
first=() middle=() last=()
for t in "${tests[@]}"; do
	case "$unloading" in
	*" $t "*) if [ ${#middle[@]} = 0 ]; then first+=("$t"); else last+=("$t"); fi ;;
	*) middle+=("$t") ;;
	esac
done
run_one() { "$ST/run_tests.sh" "$1" > "$results/$1.log" 2>&1; }
export -f run_one; export ST results
for t in "${first[@]}"; do run_one "$t"; done
printf '%s\n' "${middle[@]}" | xargs -r -P "${VFLOW_JOBS:-3}" -I{} bash -c 'run_one {}'
for t in "${last[@]}"; do run_one "$t"; done
pass=0 fail=0 skip=0 n=0
echo "KTAP version 1"
echo "1..$(( ${#tests[@]} + 2 ))"
result() { # name rc
	n=$((n + 1))
	case $2 in
	0) echo "ok $n $1"; pass=$((pass + 1)) ;;
	4) echo "ok $n $1 # SKIP"; skip=$((skip + 1)) ;;
	*) echo "not ok $n $1"; fail=$((fail + 1)) ;;
	esac
}
for t in "${tests[@]}"; do
	grep -v -E '^(TAP version|1\.\.)' "$results/$t.log" | sed 's/^/# /'
	if grep -q -E '^ok 1 .*# SKIP' "$results/$t.log"; then result "$t" 4
	elif grep -q -E '^ok 1 ' "$results/$t.log"; then result "$t" 0
	else result "$t" 1; fi
done
# Leaks: unload first so everything vflow allocated must be gone, then scan twice (an object that
# changed since the previous scan is not reported).
rmmod vflow 2>/dev/null
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak; sleep 1; echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak > "$results/kmemleak.txt"
	if [ -s "$results/kmemleak.txt" ]; then
		sed 's/^/# /' "$results/kmemleak.txt" | head -60
		result kmemleak 1
	else
		result kmemleak 0
	fi
else
	echo "# kmemleak not available"; result kmemleak 4
fi
dmesg > "$results/dmesg.txt"
if "$TOP/tests/vm/splat.sh" "$results/dmesg.txt" > "$results/splats.txt"; then
	result kernel-log-clean 0
else
	sed 's/^/# /' "$results/splats.txt" | head -40
	result kernel-log-clean 1
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
