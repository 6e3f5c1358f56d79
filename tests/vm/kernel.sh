#!/bin/bash
# Configure and build the guest kernel into $VFLOW_CACHE/kernel-<flavour>-<hash>, where <hash> covers
# the kernel package version, the config fragments and the toolchain versions: an unchanged kernel is
# never rebuilt. Prints the build directory (usable as KDIR) on the last line of stdout.
# usage: kernel.sh [debug|bench]     (debug = the test kernel: KASAN, lockdep, PROVE_RCU, kmemleak...)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); . "$HERE/env.sh"
flavour=${1:-debug}
frags=("$HERE/config")
case $flavour in
debug) frags+=("$HERE/config.debug") ;;     # the test kernel (make check)
bench) frags+=("$HERE/config.bench") ;;     # make bench: no KASAN/lockdep, plus the function tracer
*) echo "usage: kernel.sh [debug|bench]" >&2; exit 2 ;;
esac
key=$( {
	echo "$KVER_PKG $(dpkg-query -W -f='${Version}' "$KVER_PKG")"
	cat "${frags[@]}"
	rustc --version; bindgen --version; "clang$LLVM_SUFFIX" --version | head -1
	dpkg-query -W -f='${Version}\n' rust-src
} | sha256sum | cut -c1-16)
KOUT=$VFLOW_CACHE/kernel-$flavour-$key
if [ -f "$KOUT/.vflow-built" ]; then
	echo "kernel: cached $KOUT" >&2
	echo "$KOUT"; exit 0
fi
[ -f "$KSRC/Makefile" ] || { echo "kernel: no source in $KSRC; run make deps" >&2; exit 1; }
mkdir -p "$KOUT"
merged=$KOUT/vflow.fragment
cat "${frags[@]}" > "$merged"
kmake=(make -C "$KSRC" ARCH=x86_64 "LLVM=$LLVM_SUFFIX" O="$KOUT")
"${kmake[@]}" -s rustavailable >&2
"${kmake[@]}" -s KCONFIG_ALLCONFIG="$merged" allnoconfig >&2
bad=0
while IFS= read -r l; do
	case "$l" in
	CONFIG_*=*) grep -qxF "$l" "$KOUT/.config" || { echo "kernel: NOT SET: $l" >&2; bad=1; } ;;
	"# CONFIG_"*" is not set") grep -qxF "$l" "$KOUT/.config" || { echo "kernel: NOT UNSET: $l" >&2; bad=1; } ;;
	esac
done < "$merged"
[ $bad = 0 ] || { echo "kernel: config fragment did not apply; fix tests/vm/config*" >&2; exit 1; }
echo "kernel: building $flavour kernel in $KOUT (6-10 min on 2 cores)" >&2
start=$(date +%s)
"${kmake[@]}" -j"$(nproc)" bzImage modules >"$KOUT/build.log" 2>&1 || { tail -40 "$KOUT/build.log" >&2; exit 1; }
echo "kernel: built in $(( $(date +%s) - start )) s" >&2
touch "$KOUT/.vflow-built"
echo "$KOUT"
