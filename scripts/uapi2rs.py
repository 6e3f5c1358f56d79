#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the ynl-generated uAPI header (include/uapi/linux/vflow.h) into Rust constants, so the
module uses exactly the numbers userspace sees. Handles the header's two shapes: `#define NAME
value` and enums whose entries are sequential unless given `= value`."""
import re
import sys

text = open(sys.argv[1]).read()
out = ["// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)",
       "",
       "//! uAPI numbers of the vflow family. Generated from include/uapi/linux/vflow.h by",
       "//! scripts/uapi2rs.py (run `make genl`); do not edit.",
       ""]
for name, value in re.findall(r'^#define\s+(VFLOW_\w+)\s+(\d+)\s*$', text, re.M):
    out.append(f"pub(crate) const {name}: u32 = {value};")
for body in re.findall(r'enum(?:\s+\w+)?\s*\{(.*?)\};', text, re.S):
    nxt = 0
    for entry in body.split(','):
        entry = re.sub(r'/\*.*?\*/', '', entry, flags=re.S).strip()
        if not entry:
            continue
        m = re.match(r'^(\w+)(?:\s*=\s*(.+))?$', entry)
        if not m:
            sys.exit(f"uapi2rs: cannot parse enum entry {entry!r}")
        name, expr = m.groups()
        if expr is not None:
            expr = expr.strip()
            ref = re.match(r'^\((\w+)\s*-\s*1\)$', expr)
            if ref:
                val = known[ref.group(1)] - 1
            else:
                val = int(expr, 0)
        else:
            val = nxt
        known = globals().setdefault('known', {})
        known[name] = val
        nxt = val + 1
        if name.startswith('__'):
            continue
        out.append(f"pub(crate) const {name}: u32 = {val};")
print("\n".join(out))
