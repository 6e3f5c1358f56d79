#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Folds the icprof plugin's block counts (tools/icprof) into guest instructions per packet per
function, for each system that `BENCH_PROFILE` profiled.

usage: icprof.py RESULTS_DIR

Reads RESULTS_DIR/kallsyms-<system> (the guest's /proc/kallsyms with the system's modules loaded), icprof-index ("system
packets" per profiled system, in order) and icprof.N (dump N of the plugin: "vaddr insns execs");
dump 2i+2 holds system i's measured pktgen run. Writes profile-<system>.txt and profile.md.
"""
import bisect
import collections
import os
import sys


def load_syms(path):
    syms = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3 or parts[1] not in "tTwW":
                continue
            addr = int(parts[0], 16)
            if addr == 0:
                continue
            name = parts[2] + (" " + parts[3] if len(parts) > 3 else "")
            syms.append((addr, name))
    syms.sort()
    return [a for a, _ in syms], [n for _, n in syms]


def cxxfilt(names):
    """Demangles Rust v0 symbols with llvm-cxxfilt (installed with the LLVM toolchain the kernel
    build uses); falls back to `demangle` when it is not there."""
    import shutil
    import subprocess
    tool = next((t for t in ("llvm-cxxfilt-19", "llvm-cxxfilt") if shutil.which(t)), None)
    bases = [n.partition(" ") for n in names]
    if tool:
        r = subprocess.run([tool], input="\n".join(b for b, _, _ in bases) + "\n",
                           capture_output=True, text=True)
        outs = r.stdout.splitlines()
        if r.returncode == 0 and len(outs) == len(bases):
            return {n: (o.replace("vflow_main::", "") + (" " + m if m else ""))
                    for n, o, (_, _, m) in zip(names, outs, bases)}
    return {n: demangle(n) for n in names}


def demangle(name):
    """Shortens a Rust v0 symbol to its last path components (enough to read a profile)."""
    base, _, mod = name.partition(" ")
    if base.startswith("_R"):
        words, i = [], 0
        s = base
        while i < len(s):
            if s[i].isdigit():
                j = i
                while j < len(s) and s[j].isdigit():
                    j += 1
                n = int(s[i:j])
                w = s[j:j + n]
                if w.startswith("_"):
                    w = w[1:]
                words.append(w)
                i = j + n
            else:
                i += 1
        words = [w for w in words if w and not w.startswith("Cs")]
        base = "::".join(words[-3:]) if words else base
    return base + (" " + mod if mod else "")


def main():
    out = sys.argv[1]
    index = []
    with open(os.path.join(out, "icprof-index")) as f:
        for line in f:
            if line.strip():
                s, p = line.split()
                index.append((s, int(p)))
    md = ["# Instruction profiles (icprof, guest instructions per packet)", "",
          "One pktgen run per system (%s, burst 1), counted by the icprof QEMU plugin; "
          "functions under 1 instruction per packet are left out. \"In modules\": vflow.ko, "
          "vflow_ceiling.ko, openvswitch.ko, nf_* (the bridge is built in)."
          % ("every packet a new flow" if os.environ.get("BENCH_PROFILE_NEW") == "1"
             else "one established flow"), ""]
    totals, mods = {}, {}
    for i, (system, pkts) in enumerate(index):
        path = os.path.join(out, "icprof.%d" % (2 * i + 2))
        if not os.path.exists(path):
            md.append("%s: no dump (%s)" % (system, path))
            continue
        addrs, names = load_syms(os.path.join(out, "kallsyms-" + system))
        per = collections.Counter()
        with open(path) as f:
            for line in f:
                v, n, e = line.split()
                v = int(v, 16)
                k = bisect.bisect_right(addrs, v) - 1
                fn = names[k] if k >= 0 else "?"
                per[fn] += int(n) * int(e)
        pretty = cxxfilt(list(per))
        merged = collections.Counter()
        for fn, c in per.items():
            merged[pretty.get(fn, fn)] += c
        per = merged
        total = sum(per.values())
        totals[system] = total / pkts
        mods[system] = sum(c for fn, c in per.items() if fn.endswith("]")) / pkts
        rows = ["| function | instr/pkt | share |", "|---|---|---|"]
        for fn, c in per.most_common():
            if c / pkts < 1:
                break
            rows.append("| `%s` | %.1f | %.1f%% |" % (fn, c / pkts, 100 * c / total))
        with open(os.path.join(out, "profile-%s.txt" % system), "w") as f:
            f.write("%s: %.1f instructions per packet (%d packets)\n" % (system, total / pkts, pkts))
            for fn, c in per.most_common():
                f.write("%10.1f  %s\n" % (c / pkts, fn))
        md += ["## %s: %.0f instructions per packet" % (system, total / pkts), ""] + rows + [""]
    summary = ["## Summary", "", "| system | instr/pkt | of which in modules |", "|---|---|---|"]
    summary += ["| %s | %.0f | %.0f |" % (s, totals[s], mods[s]) for s in totals]
    md[4:4] = summary + [""]
    with open(os.path.join(out, "profile.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    for s, t in totals.items():
        print("icprof: %s %.0f instr/pkt" % (s, t))


if __name__ == "__main__":
    main()
