# SPDX-License-Identifier: Apache-2.0
"""What the live benchmarks share (bench/live_cost.py, bench/peers/compare.py):
the two-namespace veth pair of the e2e harness (tests/e2e/harness.py, reused
as it is: same cleanup registry, namespaces removed on any exit), the
traffic generator (bench/traffic_gen.cpp) sending from B into A, and the
kernel's own accounting of where CPU time went.

Traffic goes from vethB (namespace B) to vethA (namespace A) with A's MAC
and destinations in 198.18.0.0/15 that A does not own: A's stack drops each
frame after the receive hooks have seen it, nothing is answered, nothing can
leave the pair.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e"))

import harness  # noqa: E402  (the e2e harness; see its docstring)

CLK_TCK = os.sysconf("SC_CLK_TCK")

# Shapes of the stream: name -> flows argument of the generator (0: every
# frame a new flow).
SHAPES = {"1 flow": 1, "10k flows": 10_000, "new-flow flood": 0}


def build_dir() -> str:
    return os.environ.get("PKTLENS_BUILD_DIR", os.path.join(ROOT, "build"))


def binary(rel: str) -> str:
    path = os.path.join(build_dir(), rel)
    if not os.access(path, os.X_OK) and not rel.endswith(".o"):
        raise SystemExit(f"{path} is missing: run scripts/build.sh first")
    return path


def need_root() -> None:
    if os.geteuid() != 0:
        raise SystemExit("run as root (namespaces, BPF, packet sockets)")


def system_ticks() -> int:
    """Kernel time of all CPUs so far (system + irq + softirq), in clock
    ticks: where a receive hook's cost lands."""
    with open("/proc/stat") as f:
        fields = f.readline().split()
    # cpu user nice system idle iowait irq softirq ...
    return int(fields[3]) + int(fields[6]) + int(fields[7])


def process_ticks(pid: int) -> int:
    """utime + stime of every thread of `pid`, in clock ticks."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


@dataclass
class Sent:
    frames: int
    seconds: float
    rx_frames: int  # what vethA received meanwhile (its rx_packets)
    kernel_ticks: int  # system ticks of all CPUs meanwhile

    @property
    def rx_rate(self) -> float:
        return self.rx_frames / self.seconds


def send(net: harness.Net, count: int, flows: int, cpu: int | None = None) -> Sent:
    """Sends `count` frames of the shape `flows` from B to A and waits until
    A's receive counter stops moving. `cpu`: the generator runs on that CPU
    only, and so does A's receive path (a veth delivers on the sending
    CPU), as a NIC's receive-side scaling keeps a flow on one CPU."""
    rx0 = harness.link_counters(net.a, net.IF_A)["rx"]["packets"]
    k0 = system_ticks()
    pin = ["taskset", "-c", str(cpu)] if cpu is not None else []
    p = harness.run(harness.in_ns_cmd(net.b) + pin + [
        binary("bench/pktlens_bench_traffic"), "--dev", net.IF_B, "--src-mac", net.MAC_B,
        "--dst-mac", net.MAC_A, "--count", str(count), "--flows", str(flows)], timeout=600)
    out = json.loads(p.stdout)
    k1 = system_ticks()
    rx = harness.wait_until(lambda: _settled(net, rx0), timeout=30, what="vethA settled")
    return Sent(frames=out["sent"], seconds=out["seconds"], rx_frames=rx, kernel_ticks=k1 - k0)


def _settled(net: harness.Net, rx0: int):
    a = harness.link_counters(net.a, net.IF_A)["rx"]["packets"]
    time.sleep(0.2)
    b = harness.link_counters(net.a, net.IF_A)["rx"]["packets"]
    return (b - rx0) if a == b else None


def ns_per(ticks: float, frames: int) -> float:
    return ticks * 1e9 / CLK_TCK / frames if frames else float("nan")


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A Markdown table, as docs/performance.md holds it."""
    out = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def machine_line() -> str:
    cpus = os.cpu_count()
    return (f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, kernel {os.uname().release}, "
            f"{cpus} CPUs, load average {os.getloadavg()[0]:.1f} at the start")
