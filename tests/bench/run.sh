#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench`: vflow and its peers measured side by side in one boot of the non-debug bench kernel
# (tests/vm/kernel.sh bench) on one vCPU, under TCG with -icount shift=0 (guest ns = instructions).
# Builds what the guest needs against that kernel (into build/bench/, never build/module/, which
# belongs to the debug kernel), boots the VM once (tests/bench/guest-bench.sh inside), then writes
# report.md, results.csv and the plots into the results directory.
#
# usage: tests/bench/run.sh
#   BENCH_OUT=dir        results directory (default build/bench/results/<UTC date-time>)
#   BENCH_SNAPSHOT=1     also copy the report, CSVs, plots and conditions to Documentation/bench/
#   BENCH_SCENARIOS, BENCH_SYSTEMS, BENCH_ROUNDS, BENCH_PKTS, BENCH_FLOWS: see guest-bench.sh
#   VFLOW_ACCEL=tcg|kvm  (default auto), VFLOW_BENCH_CPU=max,-fsrm,-fsrs,-erms: see tests/vm/run.sh
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
cd "$TOP"
. tests/vm/env.sh
start=$(date +%s)
B=$TOP/build/bench
mkdir -p "$B/results"

KB=$(tests/vm/kernel.sh bench | tail -1)

echo "bench: building vflow.ko, the ceiling module, ovsdp and vflowctl against $(basename "$KB")" >&2
rm -f "$B/vflow/vflow.ko"
if ! make -s module KDIR="$KB" MO="$B/vflow" > "$B/vflow-build.log" 2>&1; then
	echo "bench: vflow.ko does not build against the bench kernel (see $B/vflow-build.log):" \
		"vflow is left out of this run" >&2
	tail -5 "$B/vflow-build.log" >&2
fi
mkdir -p "$B/ceiling"
make -s -C "$KB" M="$TOP/tools/ceiling" MO="$B/ceiling" LLVM="$LLVM_SUFFIX" modules >&2
gcc -O2 -Wall -Wextra -o "$B/ovsdp" tests/bench/ovsdp.c
if ! (cd userspace-ctl && cargo build --release --locked -q) > "$B/vflowctl-build.log" 2>&1; then
	echo "bench: vflowctl does not build (see $B/vflowctl-build.log); using the last binary if any" >&2
fi

OUT=${BENCH_OUT:-$B/results/$(date -u +%Y%m%d-%H%M%S)}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
steal() { awk '/^cpu / {print $9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
read -r st0 tot0 < <(steal)
{
	echo "qemu=$(qemu-system-x86_64 --version | head -1 | sed 's/QEMU emulator version //')"
	echo "kernel_config=$(basename "$KB")"
	echo "git=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src Kbuild 2>/dev/null || echo '+dirty src')"
	echo "host_cpu=$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
	echo "host_nproc=$(nproc)"
	echo "host_load_before=$(cut -d' ' -f1 /proc/loadavg)"
	echo "vms_running_before=$(pgrep -c qemu-system || true)"
} > "$OUT/host-conditions.txt"

plugin=
if [ -n "${BENCH_PROFILE:-}" ]; then
	# Profiles count guest instructions per block with a TCG plugin; the sync syscall is its mark.
	gcc -O2 -Wall -Wextra -shared -fPIC -o "$B/icprof.so" tools/icprof/icprof.c
	mark=$(awk '$3 == "__x64_sys_sync" {print $1}' "$KB/System.map")
	plugin="$B/icprof.so,mark=0x$mark,out=$OUT/icprof"
fi

echo "bench: booting the bench VM; results in $OUT" >&2
# The guest does not inherit our environment: pass the BENCH_* settings on its command line.
genv=$(env | grep -E '^BENCH_(SCENARIOS|SYSTEMS|ROUNDS|PKTS|FLOWS|MASKS|PPF|RULES|PROFILE|PROFILE_NEW|ISOLATE_FROM|S2_FLOWS)=' |
	sed -E "s/^([A-Z_0-9]+)=(.*)$/\1='\2'/" | tr '\n' ' ' || true)
rc=0
VFLOW_QEMU_PLUGIN=$plugin VFLOW_RWDIR=$OUT VFLOW_LOG=$OUT/console.log tests/vm/run.sh bench \
	"env $genv $TOP/tests/bench/guest-bench.sh $OUT" 2> "$OUT/vm-stderr.log" > /dev/null || rc=$?
cat "$OUT/vm-stderr.log" >&2

read -r st1 tot1 < <(steal)
accel=${VFLOW_ACCEL:-auto}
[ "$accel" != auto ] || accel=$(cat "$VFLOW_CACHE/kvm-probe-$(basename "$KB")" 2>/dev/null || echo tcg)
mode=$accel
[ "$accel" != tcg ] || mode="tcg+icount(shift=0,sleep=off)"
[ -z "${VFLOW_BENCH_CPU:-}" ] || mode="$mode -cpu $VFLOW_BENCH_CPU"
{
	echo "mode=$mode"
	echo "host_load_after=$(cut -d' ' -f1 /proc/loadavg)"
	echo "host_steal_pct=$(awk -v a="$st0" -v b="$st1" -v c="$tot0" -v d="$tot1" \
		'BEGIN { printf "%.1f", (d > c) ? 100 * (b - a) / (d - c) : 0 }')"
	echo "wall_seconds=$(( $(date +%s) - start ))"
} >> "$OUT/host-conditions.txt"

if [ "$rc" != 0 ] || ! grep -q "bench-guest: ok" "$OUT/console.log"; then
	echo "bench: the guest run failed (rc $rc); see $OUT/console.log and $OUT/guest.log" >&2
	[ -s "$OUT/raw.csv" ] || [ -s "$OUT/icprof-index" ] || exit 1
fi
[ ! -s "$OUT/raw.csv" ] || /usr/bin/python3 tests/bench/report.py "$OUT"
[ -z "${BENCH_PROFILE:-}" ] || /usr/bin/python3 tests/bench/icprof.py "$OUT" >&2
ln -sfn "$OUT" "$B/results/latest"
if [ "${BENCH_SNAPSHOT:-0}" = 1 ]; then
	D=$TOP/Documentation/bench
	mkdir -p "$D"
	cp "$OUT/report.md" "$D/results.md"
	cp "$OUT/results.csv" "$OUT/raw.csv" "$OUT/mem.csv" "$OUT/host-conditions.txt" \
		"$OUT/guest-conditions.txt" "$D/"
	cp "$OUT"/*.png "$D/" 2>/dev/null || true
	echo "bench: snapshot copied to Documentation/bench/" >&2
fi
echo "bench: done in $(( $(date +%s) - start )) s; report: $OUT/report.md" >&2
