#!/bin/bash
# Regenerate the uAPI header and the kernel policy/op tables from the YAML spec with the kernel's
# own ynl generator (validated against the kernel's genetlink schema).
# usage: scripts/genl-gen.sh [--check]   (--check: fail if the committed files are stale)
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd); . "$TOP/tests/vm/env.sh"
GEN=$KSRC/tools/net/ynl/pyynl/ynl_gen_c.py
[ -f "$GEN" ] || { echo "genl-gen: $GEN missing; run make deps" >&2; exit 1; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# Mirror the kernel layout: nlspec wants the schema two levels above the spec, and the generator
# walks up to a MAINTAINERS file to name the spec in the banner.
mkdir -p "$work/Documentation/netlink/specs"; touch "$work/MAINTAINERS"
cp "$TOP/Documentation/netlink/specs/vflow.yaml" "$work/Documentation/netlink/specs/"
cp "$KSRC/Documentation/netlink/genetlink.yaml" "$work/Documentation/netlink/"
spec=$work/Documentation/netlink/specs/vflow.yaml
python3 "$GEN" --mode uapi --header --spec "$spec" -o "$work/vflow.h"
python3 "$GEN" --mode kernel --header --spec "$spec" -o "$work/vflow_nl_gen.h"
python3 "$GEN" --mode kernel --source --spec "$spec" -o "$work/vflow_nl_gen.c"
python3 "$KSRC/tools/net/ynl/pyynl/ynl_gen_rst.py" -i "$spec" -o "$work/vflow.rst"
# The Rust side reads the same numbers from a file generated from the uAPI header.
python3 "$TOP/scripts/uapi2rs.py" "$work/vflow.h" > "$work/uapi.rs"
declare -A dest=([vflow.h]=include/uapi/linux/vflow.h [vflow_nl_gen.h]=src/vflow_nl_gen.h
	[vflow_nl_gen.c]=src/vflow_nl_gen.c [uapi.rs]=src/uapi.rs
	[vflow.rst]=Documentation/netlink/vflow.rst)
rc=0
for f in "${!dest[@]}"; do
	if [ "${1:-}" = --check ]; then
		cmp -s "$work/$f" "$TOP/${dest[$f]}" || { echo "genl-gen: ${dest[$f]} is stale; run make genl" >&2; rc=1; }
	else
		mkdir -p "$(dirname "$TOP/${dest[$f]}")"; cp "$work/$f" "$TOP/${dest[$f]}"
	fi
done
exit $rc
