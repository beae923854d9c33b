#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""`pktlensd top` on a real terminal: pktlensd counts two UDP flows B -> A
of clearly different rates, `pktlensd top --url http://127.0.0.1:PORT/metrics`
runs in a tmux session inside namespace A (nsenter --net), and the test
reads the screen with `tmux capture-pane` and types keys with `send-keys`.
Same harness and namespaces as the other e2e tests (harness.py); the tmux
server is one of the test's own (its socket in the test's temporary
directory), killed at the end.

    sudo /usr/bin/python3 tests/e2e/test_top.py build/daemon/pktlensd Top.test_top_ranks_flows
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import E2E, IF, PORT, Net, config, in_netns, main, pktlensd, run, tmp_path, unique, wait_until  # noqa: E402

# Many small datagrams (high pkt/s, lower bit/s) and few large ones (low
# pkt/s, higher bit/s): ranked by bytes the large flow is first, by packets
# the small one. Frames: 18 + 42 = 60 bytes, 1000/s = 480 kbit/s; 1400 + 42
# = 1442 bytes, 100/s = 1.15 Mbit/s.
SMALL_PORT, SMALL_SIZE, SMALL_PPS = 7001, 18, 1000
LARGE_PORT, LARGE_SIZE, LARGE_PPS = 7002, 1400, 100


class UdpFlow:
    """A UDP socket in B sending `pps` datagrams of `size` bytes a second to
    A:port, in bursts every 20 ms, on its own thread until stop()."""

    def __init__(self, net: Net, port: int, size: int, pps: int) -> None:
        with in_netns(net.b):
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.connect((Net.A4, port))
        self._payload = b"x" * size
        self._burst = max(1, pps // 50)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        start = time.monotonic()
        n = 0
        while not self._stop.is_set():
            for _ in range(self._burst):
                try:
                    self.sock.send(self._payload)
                except OSError:
                    pass
            n += 1
            time.sleep(max(0.0, start + n * 0.02 - time.monotonic()))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self.sock.close()


class Tmux:
    """A tmux server of the test's own (-S socket) with one session."""

    def __init__(self, command: str, width: int = 200, height: int = 50) -> None:
        self.sock = tmp_path(f"tmux-{unique()}.sock")
        run(["tmux", "-S", self.sock, "-f", "/dev/null", "new-session", "-d", "-s", "top",
             "-x", str(width), "-y", str(height), command])

    def screen(self) -> str:
        p = run(["tmux", "-S", self.sock, "capture-pane", "-p", "-t", "top"], check=False)
        return p.stdout if p.returncode == 0 else ""

    def keys(self, *keys: str) -> None:
        run(["tmux", "-S", self.sock, "send-keys", "-t", "top"] + list(keys))

    def close(self) -> None:
        run(["tmux", "-S", self.sock, "kill-server"], check=False)


def flow_rows(screen: str) -> tuple[int, int] | None:
    """Rows of the small and the large flow on the screen (both with a
    rate), or None while either is missing."""
    small = large = None
    for i, line in enumerate(screen.splitlines()):
        if f"{Net.A4}:{SMALL_PORT}" in line and "udp" in line:
            small = i
        if f"{Net.A4}:{LARGE_PORT}" in line and "udp" in line:
            large = i
    return (small, large) if small is not None and large is not None else None


def read_text(path: str) -> str:
    """The file's text, stripped ("" while it does not exist)."""
    try:
        with open(path) as f:
            return f.read().strip()
    except FileNotFoundError:
        return ""


class Top(E2E):
    def test_top_ranks_flows(self):
        d = self.start(config(), self.pin())
        self.ready(d)
        # Receivers in A (never read: once their buffers are full the
        # kernel drops, after pktlens counted the frames at TC ingress).
        receivers = []
        for port in (SMALL_PORT, LARGE_PORT):
            with in_netns(self.net.a):
                r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            r.bind((Net.A4, port))
            self.addCleanup(r.close)
            receivers.append(r)
        for port, size, pps in ((SMALL_PORT, SMALL_SIZE, SMALL_PPS), (LARGE_PORT, LARGE_SIZE, LARGE_PPS)):
            f = UdpFlow(self.net, port, size, pps)
            self.addCleanup(f.stop)

        rc_file = tmp_path(f"top-{unique()}.rc")
        tmux = Tmux(f"nsenter --net=/run/netns/{self.net.a} -- {pktlensd()} top "
                    f"--url http://127.0.0.1:{PORT}/metrics; echo $? > {rc_file}")
        self.addCleanup(tmux.close)

        # Ranked by bytes (the default): the large flow first.
        screen = wait_until(lambda: (lambda s: s if flow_rows(s) and "flows by bytes" in s else None)(tmux.screen()),
                            30, what="both flows on the screen of pktlensd top")
        small, large = flow_rows(screen)
        self.assertLess(large, small, f"by bytes, {LARGE_PORT} should rank above {SMALL_PORT}:\n{screen}")
        lines = screen.splitlines()
        self.assertTrue(any(line.startswith(IF + " ") for line in lines),
                        f"interface {IF} not on the screen:\n{screen}")
        header = next(i for i, line in enumerate(lines) if line.startswith("INTERFACE"))
        self.assertLess(header, large, screen)

        # `p`: ranked by packets, the small flow first.
        tmux.keys("p")
        screen = wait_until(lambda: (lambda s: s if flow_rows(s) and "flows by packets" in s else None)(tmux.screen()),
                            10, what="flows by packets")
        small, large = flow_rows(screen)
        self.assertLess(small, large, f"by packets, {SMALL_PORT} should rank above {LARGE_PORT}:\n{screen}")

        # `q` quits with status 0; pktlensd is unaffected.
        tmux.keys("q")
        status = wait_until(lambda: read_text(rc_file), 10, what="pktlensd top to exit after q")
        self.assertEqual(status, "0", f"pktlensd top exited {status}")
        self.assertTrue(d.alive(), f"pktlensd exited; log:\n{d.log()}")


if __name__ == "__main__":
    main()
