#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn a `make bench` results directory (raw.csv + conditions) into report.md, results.csv and
PNG plots. Host side; needs only the standard library (matplotlib for the plots, skipped with a
note when missing).

usage: report.py RESULTS_DIR
"""
import csv
import os
import statistics
import sys
from collections import defaultdict

SYSTEM_ORDER = ["none", "L", "vflow", "bridge", "ovs", "tc", "nft"]
PEERS = ["bridge", "ovs", "tc", "nft"]
LABEL = {
    "none": "no handler (stack drops)",
    "L": "ceiling L (no-lookup rx_handler)",
    "vflow": "vflow",
    "bridge": "Linux bridge (static FDB)",
    "ovs": "Open vSwitch kernel datapath",
    "tc": "tc flower (sw, clsact, mirred)",
    "nft": "nftables + sw flowtable",
}
SCENARIO_TITLE = {
    "S0": "S0: forwarding one flow (burst 1, unshared skbs)",
    "S0B": "S0B: one flow, burst 32 of a shared skb (secondary; systems that unshare before writing)",
    "S1": "S1: fast path with established flows",
    "S2": "S2: wildcard / mask sensitivity",
    "S3": "S3: flow setup (every packet a new flow)",
    "S3F": "S3F: flow setup with vflow's flow table full (limit-action uncached)",
    "S4": "S4: slow path, 3 layers of rules",
    "S5": "S5: mixed packets per flow",
    "S6": "S6: memory per flow",
}
PARAM_NAME = {"S0": "flows", "S0B": "burst", "S1": "flows", "S2": "masks", "S3": "pkts/flow", "S3F": "max-flows", "S4": "rules",
              "S5": "pkts/flow", "S6": "flows"}


def load_kv(path):
    kv = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    kv[k] = v
    return kv


def sort_systems(systems):
    return sorted(systems, key=lambda s: SYSTEM_ORDER.index(s) if s in SYSTEM_ORDER else 99)


def param_key(p):
    try:
        return (0, float(p))
    except ValueError:
        return (1, p)


def main(out):
    rows = []
    with open(os.path.join(out, "raw.csv")) as f:
        for r in csv.DictReader(f):
            pk, us = int(r["packets"]), int(r["usec"])
            if pk <= 0 or us <= 0:
                continue
            r["ns_per_pkt"] = us * 1000.0 / pk
            r["mpps"] = pk / us
            rows.append(r)
    cond = load_kv(os.path.join(out, "host-conditions.txt"))
    cond.update(load_kv(os.path.join(out, "guest-conditions.txt")))

    groups = defaultdict(list)
    for r in rows:
        groups[(r["scenario"], r["param"], r["system"])].append(r)

    summary = []  # one row per (scenario, param, system)
    for (sc, param, sysname), rs in groups.items():
        ns = [r["ns_per_pkt"] for r in rs]
        mp = [r["mpps"] for r in rs]
        deliv_ok = all(int(r["delivered"]) == int(r["packets"]) for r in rs)
        summary.append({
            "scenario": sc, "param": param, "system": sysname, "rounds": len(rs),
            "ns_median": statistics.median(ns), "ns_min": min(ns), "ns_max": max(ns),
            "mpps_median": statistics.median(mp), "mpps_min": min(mp), "mpps_max": max(mp),
            "delivered_all": deliv_ok,
            "delivered_min": min(int(r["delivered"]) for r in rs),
            "packets": int(rs[0]["packets"]),
        })
    by_point = defaultdict(dict)
    for s in summary:
        by_point[(s["scenario"], s["param"])][s["system"]] = s
    for (sc, param), d in by_point.items():
        L = d.get("L")
        peers = [d[p] for p in PEERS if p in d and d[p]["delivered_all"]]
        best = max(peers, key=lambda s: s["mpps_median"]) if peers else None
        for s in d.values():
            s["ratio_L"] = s["mpps_median"] / L["mpps_median"] if L else None
            s["ns_over_L"] = s["ns_median"] - L["ns_median"] if L else None
            s["best_peer"] = best["system"] if best else ""
            s["ratio_best_peer"] = s["mpps_median"] / best["mpps_median"] if best else None

    fields = ["scenario", "param", "system", "rounds", "packets", "mpps_median", "mpps_min",
              "mpps_max", "ns_median", "ns_min", "ns_max", "ratio_L", "ns_over_L", "best_peer",
              "ratio_best_peer", "delivered_all", "delivered_min"]
    with open(os.path.join(out, "results.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        for s in sorted(summary, key=lambda s: (s["scenario"], param_key(s["param"]),
                                                sort_systems(SYSTEM_ORDER + [s["system"]])
                                                .index(s["system"]))):
            w.writerow({k: (f"{v:.4f}" if isinstance(v, float) else v) for k, v in s.items()})

    md = []
    md.append("# vflow benchmark results\n")
    mode = cond.get("mode", "?")
    md.append("Conditions: " + ", ".join(x for x in [
        f"date {cond.get('date_utc', '?')}",
        f"mode **{mode}**",
        f"QEMU {cond.get('qemu', '?')}",
        f"guest kernel {cond.get('kernel', '?')} config `{cond.get('kernel_config', '?')}`",
        f"1 vCPU ({cond.get('cpu_model', '?')}; REP flags: {cond.get('cpu_rep_flags', '').strip() or 'none'})",
        f"vflow {cond.get('git', '?')}",
        f"host {cond.get('host_cpu', '?')}, {cond.get('host_nproc', '?')} cores, "
        f"load {cond.get('host_load_before', '?')} before / {cond.get('host_load_after', '?')} after, "
        f"steal {cond.get('host_steal_pct', '?')}%",
        f"CPU mitigations off (not built)",
        f"{cond.get('rounds', '?')} rounds, {cond.get('pkts_per_measurement', '?')} packets per "
        "measurement, systems in a new random order each round",
    ]) + ".\n")
    if mode.startswith("tcg"):
        md.append("Under TCG with `-icount shift=0` the guest clock advances 1 ns per guest "
                  "instruction: **ns/pkt = instructions per packet** (pktgen's own skb "
                  "allocation, fill and free included, the same for every system), and Mpps = "
                  "millions of packets per 10^9 guest instructions. Caches are not modelled.\n")
    md.append("Columns: Mpps median [min–max] over the rounds; ns/pkt median; ratio to L = "
              "pps ÷ pps(L); ns over L = ns/pkt − ns/pkt(L); ratio to best peer = pps ÷ pps of "
              f"the fastest of {', '.join(PEERS)} at that point. "
              "✗ marks a system whose egress `tx_packets` did not grow by the packet count "
              "(expected for *none*, which drops).\n")
    for sc in sorted({s["scenario"] for s in summary}):
        md.append(f"\n## {SCENARIO_TITLE.get(sc, sc)}\n")
        for param in sorted({s["param"] for s in summary if s["scenario"] == sc}, key=param_key):
            d = by_point[(sc, param)]
            md.append(f"\n### {PARAM_NAME.get(sc, 'param')} = {param}\n")
            md.append("| system | Mpps [min–max] | ns/pkt | ratio to L | ns over L | "
                      "ratio to best peer |")
            md.append("|---|---|---|---|---|---|")
            for sysname in sort_systems(d.keys()):
                s = d[sysname]
                fmt = lambda v, f: (f.format(v) if v is not None else "–")
                mark = "" if s["delivered_all"] else " ✗"
                md.append(f"| {LABEL.get(sysname, sysname)}{mark} | "
                          f"{s['mpps_median']:.3f} [{s['mpps_min']:.3f}–{s['mpps_max']:.3f}] | "
                          f"{s['ns_median']:.0f} | {fmt(s['ratio_L'], '{:.3f}')} | "
                          f"{fmt(s['ns_over_L'], '{:+.0f}')} | "
                          f"{fmt(s['ratio_best_peer'], '{:.3f}') if s['best_peer'] else '–'} |")
            best = next(iter(d.values()))["best_peer"]
            if best:
                md.append(f"\nBest peer: {LABEL.get(best, best)}.")
    md += memory_table(out, cond)
    notes = os.path.join(out, "notes.md")
    if os.path.exists(notes) and os.path.getsize(notes):
        md.append("\n## Notes from the run\n\n" + open(notes).read())

    plots = plot(out, summary)
    if plots:
        md.append("\n## Plots\n")
        for p in plots:
            md.append(f"![{p}]({p})\n")
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print(f"report: {os.path.join(out, 'report.md')}")


def memory_table(out, cond):
    """S6 from mem.csv: memory a system holds after its flows were set up (MemFree drop after
    dropping caches, and the Slab delta), per flow, at each flow count measured."""
    path = os.path.join(out, "mem.csv")
    if not os.path.exists(path):
        return []
    pts = defaultdict(dict)
    with open(path) as f:
        for r in csv.DictReader(f):
            n = int(r["flows"])
            if n >= 65536 and r["scenario"] in ("S1", "S6"):
                pts[n][r["system"]] = (int(r["memfree_kb_used"]) * 1024, int(r["slab_kb_delta"]) * 1024)
    if not pts:
        return []
    md = [f"\n## {SCENARIO_TITLE['S6']}\n",
          "Measured while S1 sets each system up: MemFree drop and Slab growth (after "
          "`drop_caches`) from before the namespace was created to after every flow was primed, "
          "divided by the flow count. Includes the system's fixed cost (namespace, devices, tables), "
          "which the largest flow count makes negligible. Stateless systems (bridge, tc, L) hold no "
          "per-flow state: their figure is only that fixed cost spread over the flows.\n"]
    for n in sorted(pts):
        d = pts[n]
        peers = [d[p][0] / n for p in PEERS if p in d and p not in ("bridge", "tc")]
        smallest = min(peers) if peers else None
        md.append(f"\n### flows = {n}\n")
        md.append("| system | MemFree used (MiB) | bytes/flow (MemFree) | bytes/flow (Slab) | "
                  "ratio to smallest stateful peer |")
        md.append("|---|---|---|---|---|")
        for s in sort_systems(d.keys()):
            mf, sl = d[s]
            ratio = f"{(mf / n) / smallest:.2f}" if smallest and smallest > 0 else "–"
            md.append(f"| {LABEL.get(s, s)} | {mf / 2**20:.1f} | {mf / n:.0f} | {sl / n:.0f} | {ratio} |")
    return md


def plot(out, summary):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report: no matplotlib (apt install python3-matplotlib): no plots", file=sys.stderr)
        return []
    made = []
    specs = [("flows", ["S0", "S1"], "established flows", "mpps-vs-flows.png"),
             ("rules", ["S4"], "rules (3 layers)", "mpps-vs-rules.png")]
    for _, scs, xlabel, name in specs:
        pts = [s for s in summary if s["scenario"] in scs and s["system"] != "none"]
        if not pts:
            continue
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for sysname in sort_systems({s["system"] for s in pts}):
            ss = sorted((s for s in pts if s["system"] == sysname), key=lambda s: float(s["param"]))
            xs = [float(s["param"]) for s in ss]
            ys = [s["mpps_median"] for s in ss]
            lo = [s["mpps_median"] - s["mpps_min"] for s in ss]
            hi = [s["mpps_max"] - s["mpps_median"] for s in ss]
            style = "--" if sysname == "L" else "-"
            ax.errorbar(xs, ys, yerr=[lo, hi], fmt="o" + style, capsize=3,
                        label=LABEL.get(sysname, sysname))
        ax.set_xscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("Mpps (per 10^9 guest instructions)")
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
        ax.set_title("median of the rounds, bars = min/max")
        fig.tight_layout()
        fig.savefig(os.path.join(out, name), dpi=100)
        plt.close(fig)
        made.append(name)
    return made


if __name__ == "__main__":
    main(sys.argv[1])
