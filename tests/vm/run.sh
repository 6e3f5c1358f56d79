#!/bin/bash
# Boot the cached test kernel in QEMU with virtme-ng (host root shared over 9p, so the repo, its
# build outputs and host tools are visible at the same paths) and run one command as root.
# The guest console (kernel log included) is copied to $VFLOW_LOG when set.
# usage: run.sh [debug|bench] 'command'
#   bench: 1 vCPU, 4G, and under TCG -icount shift=0,sleep=off (see the bench block below).
#   VFLOW_RWDIR=dir: a host directory the guest may write (results); the rest of / is read-only.
#   VFLOW_ACCEL=tcg|kvm|auto (default auto: KVM only if a probe boot proves it works here)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); . "$HERE/env.sh"
flavour=$1 cmd=$2
KOUT=$("$HERE/kernel.sh" "$flavour" | tail -1)

# KVM on some machines of this kind is a PVM hypervisor that boots no upstream kernel (QEMU aborts
# or hangs), so only use it when a short probe boot reaches the kernel's panic on no root fs.
accel=${VFLOW_ACCEL:-auto}
if [ "$accel" = auto ]; then
	probe=$VFLOW_CACHE/kvm-probe-$(basename "$KOUT")
	if [ ! -f "$probe" ]; then
		res=tcg
		if [ -w /dev/kvm ] && timeout 20 qemu-system-x86_64 -accel kvm -cpu host -m 256M -nographic \
			-no-reboot -kernel "$KOUT/arch/x86/boot/bzImage" -append "console=ttyS0 panic=-1" \
			</dev/null 2>&1 | grep -q "Kernel panic"; then
			res=kvm
		fi
		echo "$res" > "$probe"
	fi
	accel=$(cat "$probe")
fi
opts=()
[ "$accel" = kvm ] || opts+=(--disable-kvm)
[ "$flavour" = bench ] || opts+=(--verbose)
# virtme-ng puts a tmpfs over /var/cache in the guest: show it our cache (ynl tools, venv).
opts+=(--rodir "$VFLOW_CACHE")
[ -z "${VFLOW_RWDIR:-}" ] || opts+=(--rwdir "$VFLOW_RWDIR")
log=${VFLOW_LOG:-/dev/null}
cpus=2 mem=2G
if [ "$flavour" = bench ]; then
	# make bench: one vCPU (the rx path, pktgen and the measuring script share it, as on one host
	# core); room for 1M flows in several datapaths at once. Under TCG, -icount shift=0 makes
	# guest time an exact instruction count (1 ns per instruction) so results repeat run to run.
	# VFLOW_BENCH_CPU replaces -cpu max, e.g. max,-fsrm,-fsrs,-erms (no byte-wise REP string ops).
	cpus=1 mem=${VFLOW_BENCH_MEM:-4G}
	if [ "$accel" = tcg ]; then
		# VFLOW_QEMU_PLUGIN: a TCG plugin with its arguments (make bench's icprof profiles).
		opts+=(--qemu-opts "-icount shift=0,sleep=off${VFLOW_BENCH_CPU:+ -cpu $VFLOW_BENCH_CPU}${VFLOW_QEMU_PLUGIN:+ -plugin $VFLOW_QEMU_PLUGIN}")
	fi
	echo "vm: bench mode $accel${VFLOW_BENCH_CPU:+ cpu $VFLOW_BENCH_CPU}$([ "$accel" = tcg ] && echo ' icount shift=0,sleep=off')" >&2
fi
echo "vm: $flavour kernel $(basename "$KOUT"), accel $accel" >&2
set +e
timeout "${VM_TIMEOUT:-4200}" vng --run "$KOUT" --user root --cpus "$cpus" --memory "$mem" \
	--append "kunit.enable=0 panic_on_warn=0" "${opts[@]}" --exec "$cmd" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
exit "$rc"
