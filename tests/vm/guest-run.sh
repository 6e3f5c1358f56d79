#!/bin/bash
# Runs inside the guest as root: every kselftest of tests/selftests in order, KTAP output, then the
# leak and splat checks, then the closing "N passed, N failed, N skipped" line.
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
cd "$TOP/tests/selftests" || exit 1
if [ $# -gt 0 ]; then tests=("$@"); else
	read -r -a tests <<< "$(make -s --no-print-directory print-tests)"
fi
mount -t debugfs none /sys/kernel/debug 2>/dev/null
echo clear > /sys/kernel/debug/kmemleak 2>/dev/null
echo "KTAP version 1"
echo "1..$(( ${#tests[@]} + 2 ))"
pass=0 fail=0 skip=0 n=0
result() { # name rc
	n=$((n + 1))
	case $2 in
	0) echo "ok $n $1"; pass=$((pass + 1)) ;;
	4) echo "ok $n $1 # SKIP"; skip=$((skip + 1)) ;;
	*) echo "not ok $n $1 # exit=$2"; fail=$((fail + 1)) ;;
	esac
}
for t in "${tests[@]}"; do
	echo "# ---- $t"
	start=$(date +%s)
	timeout 600 "./$t" > "$results/$t.log" 2>&1
	rc=$?
	sed 's/^/# /' "$results/$t.log"
	echo "# $t: ${rc} in $(( $(date +%s) - start )) s"
	result "$t" $rc
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
