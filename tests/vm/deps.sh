#!/bin/bash
# Install exactly what building vflow, its test kernel and running the VM suite needs, on Debian 12
# (bookworm, x86_64). Idempotent: when everything is present at the pinned versions it does nothing.
# Newer-suite packages come only by exact version / named suite; the machine's own packages are
# never upgraded (extra suites are pinned below the default priority).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd); . "$HERE/env.sh"
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo

# Rust std source must match rustc exactly, or the kernel's `core`/`alloc` build breaks in odd ways.
have_rustc=$(rustc --version | awk '{print $2}')
if [ "$have_rustc" != "$RUSTC_WANT" ]; then
	echo "deps: rustc is $have_rustc but vflow pins $RUSTC_WANT (Debian rust-src $RUSTSRC_DEB must match it exactly)." >&2
	echo "deps: install rustc $RUSTC_WANT with rustup (rustup default $RUSTC_WANT) or update RUSTC_WANT/RUSTSRC_DEB together." >&2
	exit 1
fi

BOOKWORM_PKGS=(build-essential flex bison bc cpio kmod rsync libelf-dev libssl-dev python3-venv
	python3-yaml python3-jsonschema clang-19 lld-19 llvm-19 libclang-19-dev busybox-static udev
	iproute2 iputils-ping iputils-arping netcat-openbsd tcpdump nftables ethtool jq procps
	util-linux gawk python3-matplotlib)   # matplotlib: make bench's plots (/usr/bin/python3)
BPO_PKGS=(qemu-system-x86/bookworm-backports qemu-system-common/bookworm-backports
	qemu-system-data/bookworm-backports seabios/bookworm-backports qemu-utils/bookworm-backports)
EXACT_PKGS=("$KVER_PKG=$KVER_DEB" "rust-src=$RUSTSRC_DEB")

missing=()
for p in "${BOOKWORM_PKGS[@]}" qemu-system-x86 qemu-utils; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
for pv in "${EXACT_PKGS[@]}"; do
	[ "$(dpkg-query -W -f='${Version}' "${pv%%=*}" 2>/dev/null)" = "${pv#*=}" ] || missing+=("$pv")
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing: ${missing[*]}"
	if ! apt-cache policy 2>/dev/null | grep -q 'n=trixie-backports'; then
		$SUDO tee /etc/apt/sources.list.d/vflow-suites.sources >/dev/null <<'S'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports trixie-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
S
	fi
	$SUDO install -m 644 "$HERE/apt-pin" /etc/apt/preferences.d/vflow-pin
	$SUDO apt-get update -q
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get install -y -q --no-install-recommends "${BOOKWORM_PKGS[@]}"
	# qemu from bookworm-backports matches the preinstalled qemu-utils (bookworm's 7.2 would remove it).
	$SUDO apt-get install -y -q --no-install-recommends "${BPO_PKGS[@]}"
	$SUDO apt-get install -y -q --no-install-recommends "${EXACT_PKGS[@]}"
	$SUDO apt-mark hold rust-src "$KVER_PKG" >/dev/null
fi

# bindgen: the kernel needs >= 0.71.1, bookworm ships 0.60.
if ! bindgen --version 2>/dev/null | grep -q " $BINDGEN_VER\$"; then
	cargo install --locked bindgen-cli --version "$BINDGEN_VER"
fi

# virtme-ng runs the guest on our kernel with the host root over 9p; pyroute2 drives openvswitch.ko
# for comparisons; pyyaml/jsonschema for the kernel's ynl tools (spec -> C tables, cli.py client).
if ! "$VENV/bin/pip" show virtme-ng 2>/dev/null | grep -q "^Version: $VNG_VER\$"; then
	$SUDO mkdir -p "$VFLOW_CACHE"
	python3 -m venv --system-site-packages "$VENV"
	"$VENV/bin/pip" install -q "virtme-ng==$VNG_VER" "pyroute2==$PYROUTE2_VER"
fi

if [ ! -f "$KSRC/Makefile" ]; then
	$SUDO mkdir -p "$VFLOW_CACHE"
	echo "deps: unpacking /usr/src/$KVER_PKG.tar.xz into $VFLOW_CACHE"
	tar -C "$VFLOW_CACHE" -xf "/usr/src/$KVER_PKG.tar.xz"
fi
echo "deps: ok (rustc $have_rustc, $(bindgen --version), $(clang-19 --version | head -1 | awk '{print $1,$2,$4}'), $(qemu-system-x86_64 --version | head -1))"
