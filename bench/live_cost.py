#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""What pktlensd's TC ingress program costs per packet on a live interface:
the kernel's own run-time accounting (kernel.bpf_stats_enabled) of
pktlensd's program and of an empty TC program (bench/empty.bpf.c) attached
right after it on the same hook, so both run on exactly the same packets;
the difference is what pktlens adds. 60-byte UDP frames from
bench/traffic_gen.cpp in three shapes: one warm flow, 10k flows in turn, a
new-flow flood (every frame a new 5-tuple). The generator runs on one CPU
(--cpu), so the receive path does too, as receive-side scaling keeps a
flow on one CPU of a real NIC.

    sudo bench/live_cost.py                  # default config, 1M frames a shape
    sudo bench/live_cost.py --ablation       # also each feature switched off in turn
    sudo bench/live_cost.py --count 200000   # quicker, noisier
    sudo bench/live_cost.py --runs 5         # the median of 5 runs (the 10k and
                                             # flood shapes vary by +-40 ns run to run)

It runs in two network namespaces of its own (removed at the end) and sets
kernel.bpf_stats_enabled back to what it was. Needs scripts/build.sh to
have run. docs/performance.md, "Live cost", holds its latest output.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import livebench  # noqa: E402
from livebench import harness  # noqa: E402

PORT = 19586
STATS = "/proc/sys/kernel/bpf_stats_enabled"

# Each feature of the TC path switched off alone (the keys of
# docs/configuration.md), and the one thing that is off by default but
# costs when configured.
ABLATION = {
    "flows.enabled: false": "flows:\n  enabled: false\n",
    "flows.cache_slots: 0": "flows:\n  cache_slots: 0\n",
    "vlans.enabled: false": "vlans:\n  enabled: false\n",
    "latency.handshake: false": "latency:\n  handshake: false\n",
    "latency.rtt: false": "latency:\n  rtt: false\n",
    "threats.syn_flood.enabled: false": "threats:\n  syn_flood:\n    enabled: false\n",
    "threats.icmp_echo.enabled: false": "threats:\n  icmp_echo:\n    enabled: false\n",
    "threats.udp_ports.enabled: false": "threats:\n  udp_ports:\n    enabled: false\n",
    "threats.port_scan.enabled: false": "threats:\n  port_scan:\n    enabled: false\n",
    "networks: 2 configured": ("networks:\n  lab:\n    prefixes: [198.18.0.0/16, fd00::/8]\n"
                               "  far:\n    prefixes: [198.19.0.0/16]\n"),
}


def prog_stats(prog_id: int) -> tuple[int, int]:
    p = harness.run(["bpftool", "prog", "show", "id", str(prog_id), "--json"])
    j = json.loads(p.stdout)
    return int(j.get("run_time_ns", 0)), int(j.get("run_cnt", 0))


def ingress_prog_ids(net: harness.Net) -> dict[int, int]:
    """pref -> program id of the filters on vethA's ingress; pref 0 for a
    program on its tcx hook (pktlensd's, where the kernel has tcx hooks:
    the tcx hook runs before the clsact filters)."""
    out = harness.run(["tc", "-n", net.a, "filter", "show", "dev", net.IF_A, "ingress"]).stdout
    ids = {}
    for line in out.splitlines():
        m = re.search(r"pref (\d+) bpf .* id (\d+)", line)
        if m:
            ids[int(m.group(1))] = int(m.group(2))
    for line in harness.tcx_programs(net.a, net.IF_A, "ingress"):
        ids[0] = int(re.search(r" id (\d+) ", line).group(1))
    return ids


def run_config(net: harness.Net, extra: str, count: int, cpu: int | None) -> dict[str, float]:
    """ns/packet pktlens adds over the empty program, per shape, for one
    config."""
    bpffs = harness.new_pin_dir()
    cfg = harness.write_config(f"interfaces: [{net.IF_A}]\nlisten: \"127.0.0.1:{PORT}\"\n" + extra)
    d = harness.Pktlensd(livebench.binary("daemon/pktlensd"), net.a, cfg, bpffs.pin_dir)
    created = False
    try:
        d.wait_ready()
        # The empty program goes after pktlens's (it returns TC_ACT_UNSPEC,
        # so the next filter runs): both see every frame. pktlens's is a
        # tcx link where the kernel has tcx hooks, which run before every
        # clsact filter; a clsact filter at priority 1 otherwise.
        created = harness.run(["tc", "-n", net.a, "qdisc", "add", "dev", net.IF_A, "clsact"],
                              check=False).returncode == 0
        harness.run(["tc", "-n", net.a, "filter", "add", "dev", net.IF_A, "ingress", "pref", "49151",
                     "bpf", "da", "obj", livebench.binary("bench/pktlens_bench_empty.bpf.o"),
                     "sec", "tc"])
        ids = ingress_prog_ids(net)
        empty_id = ids.pop(49151)
        if len(ids) != 1:
            raise RuntimeError(f"expected one pktlens filter on {net.IF_A} ingress, found {ids}")
        ours_id = next(iter(ids.values()))
        added = {}
        for shape, flows in livebench.SHAPES.items():
            o0, e0 = prog_stats(ours_id), prog_stats(empty_id)
            sent = livebench.send(net, count, flows, cpu)
            o1, e1 = prog_stats(ours_id), prog_stats(empty_id)
            runs_o, runs_e = o1[1] - o0[1], e1[1] - e0[1]
            if runs_o != runs_e or runs_o < sent.rx_frames:
                raise RuntimeError(f"{shape}: pktlens ran {runs_o} times, the empty program "
                                   f"{runs_e}, {sent.rx_frames} frames received")
            added[shape] = (o1[0] - o0[0]) / runs_o - (e1[0] - e0[0]) / runs_e
        return added
    finally:
        harness.run(["tc", "-n", net.a, "filter", "del", "dev", net.IF_A, "ingress", "pref",
                     "49151"], check=False)
        if created:
            harness.run(["tc", "-n", net.a, "qdisc", "del", "dev", net.IF_A, "clsact"], check=False)
        d.terminate()
        bpffs.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1_000_000, help="frames per shape (default 1M)")
    ap.add_argument("--ablation", action="store_true", help="also each feature off in turn")
    ap.add_argument("--runs", type=int, default=1,
                    help="repeat every config N times, in turn; N > 1 adds each config's median")
    ap.add_argument("--cpu", type=int, default=max(os.sched_getaffinity(0)),
                    help="the CPU the generator, and so the receive path, runs on (default: the "
                         "last one allowed; -1: not pinned, the scheduler moves it mid-run and "
                         "the 10k-flow figure spreads by +-50 ns)")
    args = ap.parse_args()
    cpu = None if args.cpu < 0 else args.cpu
    livebench.need_root()
    with open(STATS) as f:
        was = f.read().strip()
    with open(STATS, "w") as f:
        f.write("1")
    harness.CLEANUP.add("restore bpf_stats_enabled", lambda: open(STATS, "w").write(was))
    pinned = f"generator on CPU {cpu}" if cpu is not None else "generator not pinned"
    print(f"# bench/live_cost.py: {args.count} frames per shape, {pinned}; "
          f"{livebench.machine_line()}", flush=True)
    configs = {"default config": ""}
    if args.ablation:
        configs.update(ABLATION)
    rows = []
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in configs}
    with harness.Net() as net:
        net.wait_quiet()
        # Run after run, each config in turn, so that a slow minute of the
        # machine shows in every config's figures alike.
        for _ in range(args.runs):
            for name, extra in configs.items():
                added = run_config(net, extra, args.count, cpu)
                runs[name].append(added)
                rows.append([name] + [f"{added[s]:.0f}" for s in livebench.SHAPES])
                print(" | ".join(rows[-1]), flush=True)
    print()
    print(livebench.table(["config"] + [f"{s}: ns added" for s in livebench.SHAPES], rows))
    if args.runs > 1:
        print(f"\nMedian of {args.runs} runs (lowest-highest):\n")
        print(livebench.table(["config"] + [f"{s}: ns added" for s in livebench.SHAPES],
                              [[name] + [median_range([r[s] for r in rs]) for s in livebench.SHAPES]
                               for name, rs in runs.items()]))


def median_range(xs: list[float]) -> str:
    return f"{statistics.median(xs):.0f} ({min(xs):.0f}-{max(xs):.0f})"


if __name__ == "__main__":
    try:
        main()
    except subprocess.CalledProcessError as e:
        sys.exit(f"{e}")
    finally:
        harness.CLEANUP.run_all()
