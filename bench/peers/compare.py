#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""pktlensd side by side with pmacctd and softflowd (Debian's packages):
each tool in turn on the same veth pair, fed the same generated stream of
60-byte UDP frames (bench/traffic_gen.cpp) in three shapes (one flow, 10k
flows in turn, a new-flow flood), and a run with no tool at all as the
baseline. For each tool and shape it prints:

- counted: the packets the tool reports, of the frames the interface
  received (its rx_packets);
- CPU ns/packet: the tool's processes (user + system) plus the kernel time
  of all CPUs (system, irq, softirq: where a receive hook runs) above the
  no-tool run of the same shape, per received frame;
- rx rate: frames per second the interface received while the generator
  sent as fast as it could, against the no-tool run.

    sudo bench/peers/compare.py                 # 1M frames per run, a few minutes
    sudo bench/peers/compare.py --count 100000  # quicker, noisier

It installs pmacct and softflowd when they are missing (apt-get, with their
services kept from starting), runs everything in two network namespaces of
its own and removes them, and ends only the processes it started. Needs
scripts/build.sh to have run (build/daemon/pktlensd,
build/bench/pktlens_bench_traffic).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
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

    def __init__(self, net: harness.Net) -> None:
        self.net = net
        self.proc: subprocess.Popen | None = None
        self._ticks: dict[int, int] = {}

    def spawn(self, cmd: list[str]) -> None:
        log = open(harness.tmp_path(f"{self.name}-{harness.unique()}.log"), "w")
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


class Pktlensd(Tool):
    name = "pktlensd"

    def start(self) -> None:
        self.bpffs = harness.new_pin_dir()
        # The product's defaults, on one interface; a 1 s interval only so
        # the final count is read soon after the stream.
        cfg = harness.write_config(f"interfaces: [{self.net.IF_A}]\nlisten: \"127.0.0.1:{PORT}\"\n"
                                   "interval: 1s\n")
        self.d = harness.Pktlensd(livebench.binary("daemon/pktlensd"), self.net.a, cfg,
                                  self.bpffs.pin_dir)
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


def measure(tool: Tool, net: harness.Net, count: int, flows: int) -> dict:
    tool.start()
    if isinstance(tool, Softflowd):
        tool.start_count()
    t0 = tool.ticks()
    sent = livebench.send(net, count, flows)
    counted = tool.counted()
    t1 = tool.ticks()
    tool.stop()
    return {"sent": sent, "counted": counted, "tool_ticks": t1 - t0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=1_000_000, help="frames per run (default 1M)")
    ap.add_argument("--json", help="also write the raw figures to this file")
    args = ap.parse_args()
    livebench.need_root()
    install_peers()
    print(f"# bench/peers/compare.py: {args.count} frames per run; {livebench.machine_line()}",
          flush=True)
    rows, raw = [], []
    with harness.Net() as net:
        net.wait_quiet()
        for shape, flows in livebench.SHAPES.items():
            base = measure(NoTool(net), net, args.count, flows)
            for tool_cls in (Pktlensd, Pmacctd, Softflowd):
                r = measure(tool_cls(net), net, args.count, flows)
                s, b = r["sent"], base["sent"]
                extra_kernel = max(0, s.kernel_ticks - b.kernel_ticks * s.frames / b.frames)
                cpu_ns = livebench.ns_per(r["tool_ticks"] + extra_kernel, s.rx_frames)
                rows.append([tool_cls.name, shape, f"{r['counted']:,} of {s.rx_frames:,}",
                             f"{100.0 * r['counted'] / s.rx_frames:.1f}%", f"{cpu_ns:.0f}",
                             f"{s.rx_rate / 1e6:.2f} M/s", f"{100.0 * (s.rx_rate / b.rx_rate - 1):+.1f}%"])
                raw.append({"tool": tool_cls.name, "shape": shape, "counted": r["counted"],
                            "received": s.rx_frames, "sent": s.frames, "seconds": s.seconds,
                            "tool_ticks": r["tool_ticks"], "kernel_ticks": s.kernel_ticks,
                            "baseline_kernel_ticks": b.kernel_ticks, "baseline_rx_rate": b.rx_rate})
                print(" | ".join(rows[-1]), flush=True)
    print()
    print(livebench.table(["tool", "stream", "counted of received", "share", "CPU ns/packet",
                           "rx rate", "vs no tool"], rows))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(raw, f, indent=1)


if __name__ == "__main__":
    try:
        main()
    finally:
        harness.CLEANUP.run_all()
