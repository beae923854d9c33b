#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""pktlensd side by side with pmacctd and softflowd (Debian's packages):
each tool in turn on the same veth pair, fed the same generated stream of
60-byte UDP frames (bench/traffic_gen.cpp) in three shapes (one flow, 10k
flows in turn, a new-flow flood). Every tool run is paired with a run with
no tool right before it, and each pair is repeated (--runs); the table
holds the medians.

The generator runs on one CPU (the receiving CPU: a veth delivers on the
sending CPU, as receive-side scaling keeps a flow on one CPU of a real
NIC), sending as fast as it can; pmacctd and softflowd run on the other
CPUs. pktlensd runs as its unit runs it, on every CPU: it visits each CPU
once a collection to flush that CPU's flow cache, and a CPU it may not run
on counts every packet in the flow table instead (slower; its
docs/running.md says so). So:

- counted: the packets the tool reports, of the frames the interface
  received (its rx_packets); the worst run;
- receive path ns/packet: the receiving CPU's time per frame (the
  generator's wall time, that CPU being busy with nothing else) above the
  paired run without the tool: the tool's kernel hooks, a packet socket's
  copy and wake-ups;
- tool ns/packet: the tool's processes (user + system), per frame;
- CPU ns/packet: the sum of the two;
- rx rate: frames per second the interface received, and the change
  against the paired run without the tool.

Each CPU second is counted once: the tool's system time is in its process
times only, the receive path's in the generator's wall time only (but for
pktlensd's flushes on the receiving CPU, microseconds a second).

--breakdown adds rows that take the receive path's figure apart in the same
run: an empty TC program as a clsact filter and as a tcx link (what the
hook alone costs), empty programs on the tcx link and on skb:kfree_skb
(both hooks pktlensd uses on this stream: the floor under the goals, which
it prints), pktlensd with clsact filters instead of tcx links, and
pktlensd without its skb:kfree_skb program (every frame of this stream is
dropped by A's stack, so that program runs once per frame here; on a host
it runs for drops only), and that pktlensd with an empty program on
skb:kfree_skb instead (what the drop program costs beyond its tracepoint).

    sudo bench/peers/compare.py                 # 1M frames per run, 3 runs, ~7 minutes
    sudo bench/peers/compare.py --breakdown     # and the reference rows, ~12 minutes
    sudo bench/peers/compare.py --runs 1 --count 200000  # quicker, noisier

It installs pmacct and softflowd when they are missing (apt-get, with their
services kept from starting), runs everything in two network namespaces of
its own and removes them, and ends only the processes it started. Needs
scripts/build.sh to have run (build/daemon/pktlensd,
build/bench/pktlens_bench_traffic) and two CPUs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import livebench  # noqa: E402
from livebench import harness  # noqa: E402

PORT = 19586


def install_peers() -> None:
    missing = [p for p, exe in (("pmacct", "pmacctd"), ("softflowd", "softflowd"))
               if shutil.which(exe) is None]
    if not missing:
        return
    # policy-rc.d 101: the packages' services are installed, not started.
    policy = "/usr/sbin/policy-rc.d"
    ours = not os.path.exists(policy)
    if ours:
        with open(policy, "w") as f:
            f.write("#!/bin/sh\nexit 101\n")
        os.chmod(policy, 0o755)
    try:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends"] + missing,
                       check=True, env=env)
    finally:
        if ours:
            os.unlink(policy)


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (pmacctd forks its plugins)."""
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def settled(read) -> int:
    """read()'s value once it stayed the same for three seconds: a peer
    counts what it has buffered a little later."""
    last, stable = -1, 0
    while stable < 3:
        time.sleep(1)
        cur = read()
        stable = stable + 1 if cur == last else 0
        last = cur
    return last


class Tool:
    """A tool under test in namespace A: start(), counted(), ticks(), stop()."""

    name = ""
    counts = True  # reports a count of packets

    def __init__(self, net: harness.Net) -> None:
        self.net = net
        self.proc: subprocess.Popen | None = None
        self._ticks: dict[int, int] = {}

    def spawn(self, cmd: list[str]) -> None:
        self.log_path = harness.tmp_path(f"tool-{harness.unique()}.log")
        log = open(self.log_path, "w")
        self.proc = subprocess.Popen(harness.in_ns_cmd(self.net.a) + cmd, stdin=subprocess.DEVNULL,
                                     stdout=log, stderr=log)
        pid = self.proc.pid
        harness.CLEANUP.add(f"kill {self.name} {pid}", lambda: self._end(pid))

    def _end(self, pid: int) -> None:
        if self.proc and self.proc.poll() is None:
            for p in reversed(descendants(pid)):
                try:
                    os.kill(p, 15)
                except ProcessLookupError:
                    pass
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def ticks(self) -> int:
        """CPU ticks of the tool's processes so far (exited ones keep their
        last figure)."""
        for p in descendants(self.proc.pid):
            try:
                self._ticks[p] = livebench.process_ticks(p)
            except OSError:
                pass
        return sum(self._ticks.values())

    def stop(self) -> None:
        self._end(self.proc.pid)


class NoTool(Tool):
    name = "none"

    def start(self) -> None:
        pass

    def ticks(self) -> int:
        return 0

    def counted(self) -> int:
        return 0

    def stop(self) -> None:
        pass


class EmptyTc(NoTool):
    """Reference, not a tool: an empty TC program (bench/empty.bpf.c) on
    vethA's ingress as a clsact filter (cls_bpf): what that hook alone
    costs the receive path."""

    name = "(empty program, clsact filter)"
    counts = False

    def start(self) -> None:
        harness.run(["tc", "-n", self.net.a, "qdisc", "add", "dev", self.net.IF_A, "clsact"])
        harness.CLEANUP.add("clsact of vethA", self.stop)
        harness.run(["tc", "-n", self.net.a, "filter", "add", "dev", self.net.IF_A, "ingress",
                     "bpf", "da", "obj", livebench.binary("bench/pktlens_bench_empty.bpf.o"),
                     "sec", "tc"])

    def stop(self) -> None:
        harness.run(["tc", "-n", self.net.a, "qdisc", "del", "dev", self.net.IF_A, "clsact"],
                    check=False)


class EmptyTcx(NoTool):
    """Reference: the empty program as a tcx link, as pktlensd attaches its
    own where the kernel has tcx hooks (bench/empty_hooks.cpp)."""

    name = "(empty program, tcx link)"
    counts = False
    tcx = True
    args: list[str] = []

    def start(self) -> None:
        self.spawn([livebench.binary("bench/pktlens_bench_empty_hooks"),
                    self.net.IF_A if self.tcx else "-", *self.args])
        harness.wait_until(lambda: "attached" in open(self.log_path).read(), 20,
                           what="the empty programs")

    def stop(self) -> None:
        self._end(self.proc.pid)


class EmptyHooks(EmptyTcx):
    """Reference: empty programs on both hooks pktlensd's defaults use on
    this stream, the tcx link and skb:kfree_skb (every frame here is a
    drop): the floor under any tool that counts these frames and their
    drops from those hooks, before its programs do any work."""

    name = "(empty programs, tcx link + skb:kfree_skb)"
    args = ["--kfree-skb"]


class EmptyKfreeSkb(EmptyTcx):
    """An empty program on skb:kfree_skb alone (PktlensdEmptyDrops)."""

    name = "(empty program, skb:kfree_skb)"
    tcx = False
    args = ["--kfree-skb"]


class Pktlensd(Tool):
    name = "pktlensd"
    extra = ""
    env: dict[str, str] = {}

    def start(self) -> None:
        self.bpffs = harness.new_pin_dir()
        # The product's defaults, on one interface; a 1 s interval only so
        # the final count is read soon after the stream.
        cfg = harness.write_config(f"interfaces: [{self.net.IF_A}]\nlisten: \"127.0.0.1:{PORT}\"\n"
                                   "interval: 1s\n" + self.extra)
        # Every CPU, as pktlens.service runs it (see the docstring).
        mask = os.sched_getaffinity(0)
        os.sched_setaffinity(0, range(os.cpu_count() or 1))
        try:
            self.d = harness.Pktlensd(livebench.binary("daemon/pktlensd"), self.net.a, cfg,
                                      self.bpffs.pin_dir,
                                      prefix=["env"] + [f"{k}={v}" for k, v in self.env.items()])
        finally:
            os.sched_setaffinity(0, mask)
        self.d.wait_ready()
        self.proc = self.d.proc
        self.base = self._total()

    def _total(self) -> int:
        m = harness.Metrics(harness.scrape(self.net.a, PORT))
        return int(sum(m.series("pktlens_packets_total", interface=self.net.IF_A,
                                dir="ingress").values()))

    def counted(self) -> int:
        # Two collections after the stream ended: every frame is in.
        time.sleep(2.5)
        return self._total() - self.base

    def stop(self) -> None:
        self.d.terminate()
        self.bpffs.close()


class PktlensdNoDrops(Pktlensd):
    """Reference: pktlensd without its skb:kfree_skb program. Every frame
    of this stream is dropped by A's stack (no route to it), so that
    program runs once per frame here, and only for drops elsewhere."""

    name = "(pktlensd, loss.drops: false)"
    extra = "loss:\n  drops: false\n"


class PktlensdEmptyDrops(PktlensdNoDrops):
    """Reference: pktlensd without its skb:kfree_skb program, and an empty
    one there instead: against pktlensd, what its drop program costs beyond
    the tracepoint it runs on."""

    name = "(pktlensd, loss.drops: false, + empty skb:kfree_skb program)"

    def start(self) -> None:
        self.hook = EmptyKfreeSkb(self.net)
        self.hook.start()
        super().start()

    def stop(self) -> None:
        super().stop()
        self.hook.stop()


class PktlensdClsact(Pktlensd):
    """Reference: pktlensd with clsact filters, as on kernels before 6.6."""

    name = "(pktlensd, clsact filters)"
    env = {"PKTLENS_FORCE_FALLBACK": "tcx"}


class Pmacctd(Tool):
    name = "pmacctd"

    def start(self) -> None:
        self.pipe = harness.tmp_path(f"pmacct-{harness.unique()}.pipe")
        # Per 5-tuple, as pktlensd keys flows; the in-memory table, queried
        # with the pmacct client.
        self.spawn(["pmacctd", "-i", self.net.IF_A, "-P", "memory", "-p", self.pipe,
                    "-c", "src_host,dst_host,src_port,dst_port,proto"])
        harness.wait_until(lambda: os.path.exists(self.pipe), 20, what="pmacctd's pipe")
        time.sleep(1)

    def _query(self) -> int:
        p = harness.ns_run(self.net.a, ["pmacct", "-p", self.pipe, "-s", "-O", "json"], check=False)
        total = 0
        for line in p.stdout.splitlines():
            line = line.strip()
            if line.startswith("{"):
                total += int(json.loads(line).get("packets", 0))
        return total

    def counted(self) -> int:
        # The plugin receives from the core through a buffer.
        return settled(self._query)


class Softflowd(Tool):
    name = "softflowd"

    def start(self) -> None:
        self.ctl = harness.tmp_path(f"softflowd-{harness.unique()}.ctl")
        pid = harness.tmp_path(f"softflowd-{harness.unique()}.pid")
        # IPFIX to the discard port of A's loopback; a table as large as the
        # flood needs, so no flow is expired for lack of room.
        self.spawn(["softflowd", "-d", "-i", self.net.IF_A, "-c", self.ctl, "-p", pid,
                    "-n", "127.0.0.1:9", "-v", "10", "-m", "2000000"])
        harness.wait_until(lambda: os.path.exists(self.ctl), 20, what="softflowd's control socket")
        time.sleep(1)

    def _processed(self) -> int:
        p = harness.run(["softflowctl", "-c", self.ctl, "statistics"], check=False)
        for line in p.stdout.splitlines():
            if line.startswith("Packets processed:"):
                return int(line.split(":")[1])
        raise RuntimeError(f"softflowctl statistics: {p.stdout} {p.stderr}")

    def start_count(self) -> None:
        self.base = self._processed()

    def counted(self) -> int:
        return settled(self._processed) - self.base


PEERS = (Pmacctd, Softflowd)
# Rows that break the receive path's cost down; not part of the goals.
REFERENCES = (EmptyTc, EmptyTcx, EmptyHooks, PktlensdClsact, PktlensdNoDrops, PktlensdEmptyDrops)


def measure(tool: Tool, net: harness.Net, count: int, flows: int, cpu: int) -> dict:
    tool.start()
    if isinstance(tool, Softflowd):
        tool.start_count()
    t0 = tool.ticks()
    sent = livebench.send(net, count, flows, cpu)
    counted = tool.counted()
    t1 = tool.ticks()
    tool.stop()
    return {"sent": sent, "counted": counted, "tool_ticks": t1 - t0}


def rx_ns(sent: livebench.Sent) -> float:
    """The receiving CPU's wall time per received frame."""
    return sent.seconds * 1e9 / sent.rx_frames if sent.rx_frames else float("nan")


def pair(tool_cls, net: harness.Net, count: int, flows: int, cpu: int) -> dict:
    """One run without a tool, then one with it; the figures of the pair."""
    base = measure(NoTool(net), net, count, flows, cpu)["sent"]
    r = measure(tool_cls(net), net, count, flows, cpu)
    s = r["sent"]
    rx_extra = rx_ns(s) - rx_ns(base)
    tool_ns = livebench.ns_per(r["tool_ticks"], s.rx_frames)
    return {"tool": tool_cls.name, "counts": tool_cls.counts, "counted": r["counted"], "received": s.rx_frames,
            "sent": s.frames, "seconds": s.seconds, "tool_ticks": r["tool_ticks"],
            "baseline_received": base.rx_frames, "baseline_seconds": base.seconds,
            "rx_ns": rx_extra, "tool_ns": tool_ns, "cpu_ns": rx_extra + tool_ns,
            "rx_change": rx_ns(base) / rx_ns(s) - 1.0}


def summary(shape: str, runs: list[dict]) -> dict:
    med = {k: statistics.median(r[k] for r in runs) for k in ("rx_ns", "tool_ns", "cpu_ns", "rx_change")}
    worst = min(runs, key=lambda r: r["counted"] / r["received"] if r["received"] else 0)
    return dict(med, tool=runs[0]["tool"], shape=shape, counts=runs[0]["counts"], counted=worst["counted"],
                received=worst["received"], rate=statistics.median(r["received"] / r["seconds"] for r in runs),
                cpu_range=(min(r["cpu_ns"] for r in runs), max(r["cpu_ns"] for r in runs)))


def row(s: dict) -> list[str]:
    lo, hi = s["cpu_range"]
    counted = (f"{s['counted']:,} of {s['received']:,}", f"{100.0 * s['counted'] / s['received']:.1f}%"
               ) if s["counts"] else ("-", "-")
    return [s["tool"], s["shape"], *counted, f"{s['rx_ns']:.0f}", f"{s['tool_ns']:.0f}",
            f"{s['cpu_ns']:.0f} ({lo:.0f} to {hi:.0f})", f"{s['rate'] / 1e6:.2f} M/s",
            f"{100.0 * s['rx_change']:+.1f}%"]


def goals(summaries: list[dict]) -> list[str]:
    """The goals of bench/peers (docs/performance.md), shape by shape."""
    out = []
    for shape in livebench.SHAPES:
        by = {s["tool"]: s for s in summaries if s["shape"] == shape}
        p = by["pktlensd"]
        best = min((by[t.name] for t in PEERS), key=lambda s: s["cpu_ns"])
        every = p["counted"] == p["received"]
        third = p["cpu_ns"] <= best["cpu_ns"] / 3
        slow = -p["rx_change"] <= 0.05
        out.append(f"{shape}: counts every packet: {'yes' if every else 'NO'}; "
                   f"CPU {p['cpu_ns']:.0f} ns against a third of the best peer's "
                   f"({best['tool']} {best['cpu_ns']:.0f} / 3 = {best['cpu_ns'] / 3:.0f}): "
                   f"{'met' if third else 'NOT met'}; receive rate {100.0 * p['rx_change']:+.1f}% "
                   f"(goal: at most 5% slower): {'met' if slow else 'NOT met'}")
        floor = by.get(EmptyHooks.name)
        if floor:
            # What the goals leave for pktlensd's programs once its hooks,
            # empty, are paid for: negative means no program fits.
            out.append(f"{shape}: the hooks alone, empty: CPU {floor['cpu_ns']:.0f} ns, receive rate "
                       f"{100.0 * floor['rx_change']:+.1f}%; left for the programs: "
                       f"{best['cpu_ns'] / 3 - floor['cpu_ns']:+.0f} ns of CPU, "
                       f"{100.0 * (floor['rx_change'] + 0.05):+.1f}% of receive rate")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1_000_000, help="frames per run (default 1M)")
    ap.add_argument("--runs", type=int, default=3, help="pairs (no tool, tool) per tool and shape (default 3)")
    ap.add_argument("--breakdown", action="store_true",
                    help="also the reference rows that take the receive path's cost apart")
    ap.add_argument("--json", help="also write the raw figures to this file")
    args = ap.parse_args()
    livebench.need_root()
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise SystemExit("needs two CPUs: one receives, the tools run on the others")
    # The receiving CPU serves the generator and the receive path alone;
    # every process started from here on runs on the others (pktlensd
    # excepted, see the docstring).
    rx_cpu = cpus[-1]
    os.sched_setaffinity(0, set(cpus[:-1]))
    install_peers()
    print(f"# bench/peers/compare.py: {args.count} frames per run, {args.runs} runs; receiving CPU "
          f"{rx_cpu}, tools on CPU {','.join(map(str, cpus[:-1]))}; {livebench.machine_line()}",
          flush=True)
    summaries, raw = [], []
    with harness.Net() as net:
        net.wait_quiet()
        for shape, flows in livebench.SHAPES.items():
            runs: dict[str, list[dict]] = {}
            for i in range(args.runs):
                for tool_cls in (Pktlensd, *PEERS, *(REFERENCES if args.breakdown else ())):
                    r = pair(tool_cls, net, args.count, flows, rx_cpu)
                    r.update(shape=shape, run=i + 1)
                    runs.setdefault(tool_cls.name, []).append(r)
                    raw.append(r)
                    print(f"{shape} run {i + 1} {tool_cls.name}: counted {r['counted']:,} of "
                          f"{r['received']:,}; receive path {r['rx_ns']:+.0f} ns, tool "
                          f"{r['tool_ns']:.0f} ns, rate {100.0 * r['rx_change']:+.1f}%", flush=True)
            summaries += [summary(shape, rs) for rs in runs.values()]
    print()
    print(livebench.table(["tool", "stream", "counted of received (worst run)", "share",
                           "receive path ns/packet", "tool ns/packet",
                           f"CPU ns/packet, median (range of {args.runs})", "rx rate", "vs no tool"],
                          [row(s) for s in summaries]))
    print()
    for line in goals(summaries):
        print(f"- {line}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(raw, f, indent=1)


if __name__ == "__main__":
    try:
        main()
    finally:
        harness.CLEANUP.run_all()
