#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""End-to-end tests of the threat signals pktlensd counts on ingress
(docs/metrics.md, "Threat signals"). Same harness as test_e2e.py
(harness.py).

    sudo /usr/bin/python3 tests/e2e/test_threats.py build/daemon/pktlensd Threats.test_syn_flood

Spoofed sources are taken from 198.19.0.0/16: A has no route to them, so
its SYN-ACKs to them are never sent and nothing leaves the namespaces.
"""

from __future__ import annotations

import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import E2E, IF, Net, Sender, config, in_netns, main, promtool_check, spoofed_syns  # noqa: E402

from scapy.layers.inet import IP, TCP, UDP  # noqa: E402
from scapy.layers.l2 import Ether  # noqa: E402

LISTEN_PORT = 7300


class Threats(E2E):
    """One pktlensd per test (self.d), with the product's flow settings."""

    def setUp(self) -> None:
        super().setUp()
        self.pin_dir = self.pin()
        self.d = self.start(config(flows=False), self.pin_dir)
        self.ready(self.d)

    def listener(self, port: int) -> socket.socket:
        with in_netns(self.net.a):
            srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(srv.close)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind((Net.A4, port))
        srv.listen(64)
        return srv

    def connect_from_b(self, port: int, n: int, srv: socket.socket) -> None:
        """n real connections B -> A:port, each accepted and reset."""
        for _ in range(n):
            with in_netns(self.net.b):
                c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            with c:
                c.settimeout(5)
                c.connect((Net.A4, port))
                srv.settimeout(5)
                conn, _ = srv.accept()
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()

    # -- UDP destination ports -----------------------------------------------------

    def test_udp_dports(self) -> None:
        """Datagrams to three ports, one of them first seen after pktlensd
        already read the counters (it reads only the ports the programs
        marked), then a restart on the same pinned maps (the new pktlensd's
        first read is whole): every port's counter is exact throughout."""
        self.net.wait_quiet()
        self.collections(self.d, 2)
        sender = Sender(self.net.b, Net.IF_B)
        self.addCleanup(sender.close)

        def send(dport: int, n: int) -> None:
            # To an on-link address nobody has: A drops it without a reply.
            frame = bytes(Ether(src=Net.MAC_B, dst=Net.MAC_A) / IP(src=Net.B4, dst=Net.OTHER4) /
                          UDP(sport=40000, dport=dport) / (b"u" * 16))
            self.assertEqual(sender.send([frame] * n), n)

        def assert_counts(d, want: dict[int, int]) -> None:
            self.collections(d, 2)
            m = self.scrape()
            for port, n in want.items():
                self.assertEqual(m.get("pktlens_udp_dport_packets_total", dport=str(port)), n,
                                 f"dport {port}")

        send(5301, 30)
        send(5302, 7)
        assert_counts(self.d, {5301: 30, 5302: 7, 5303: 0})
        send(5303, 11)  # a port the programs mark after pktlensd's first read
        send(5301, 3)
        assert_counts(self.d, {5301: 33, 5302: 7, 5303: 11})

        self.d.close()
        self.d = self.start(config(flows=False), self.pin_dir)
        self.ready(self.d)
        send(5302, 2)
        assert_counts(self.d, {5301: 33, 5302: 9, 5303: 11})
        send(5301, 4)
        assert_counts(self.d, {5301: 37, 5302: 9, 5303: 11})

    # -- SYN flood -----------------------------------------------------------------

    def test_syn_flood(self) -> None:
        """5000 SYNs from spoofed sources to a listening port of A, then 5
        real connections: exactly 5005 SYNs and 5 completed handshakes on
        (A, port); half-open SYNs show while the flood lasts and go back to
        0 after it."""
        n_flood, n_real = 5000, 5
        srv = self.listener(LISTEN_PORT)
        self.net.wait_quiet()
        self.collections(self.d, 2)
        labels = {"dst": Net.A4, "dport": str(LISTEN_PORT)}
        before = self.scrape()
        self.assertEqual(before.get("pktlens_tcp_syn_received_total", **labels), 0)

        frames = spoofed_syns(n_flood, LISTEN_PORT)
        half_open: list[float] = []
        done = threading.Event()

        def watch() -> None:
            # Scrapes while the flood runs and a little after: some interval
            # holds flood SYNs that no handshake completed.
            while not done.is_set():
                half_open.append(self.scrape().get("pktlens_syn_half_open", **labels))
                time.sleep(0.2)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        sender = Sender(self.net.b, Net.IF_B)
        try:
            # In bursts over about 2.5 s, so that collections fall inside it.
            for i in range(0, n_flood, 500):
                sender.send(frames[i:i + 500])
                time.sleep(0.25)
        finally:
            sender.close()
        self.collections(self.d, 2)
        done.set()
        watcher.join(10)

        self.connect_from_b(LISTEN_PORT, n_real, srv)
        self.collections(self.d, 2)
        m = self.scrape()
        self.assertEqual(m.get("pktlens_tcp_syn_received_total", **labels), n_flood + n_real,
                         f"SYNs to {Net.A4}:{LISTEN_PORT}")
        self.assertEqual(m.get("pktlens_tcp_handshakes_completed_total", **labels), n_real)
        self.assertGreater(max(half_open, default=0), 0, "half-open SYNs during the flood")
        self.assertLessEqual(max(half_open, default=0), n_flood)
        # A quiet interval after: nothing half-open.
        self.assertEqual(m.get("pktlens_syn_half_open", **labels), 0)
        # The interface's own SYN counter agrees (nothing else sent SYNs to A).
        self.assertEqual(m.get("pktlens_tcp_flags_total", interface=IF, dir="ingress", flag="syn")
                         - before.get("pktlens_tcp_flags_total", interface=IF, dir="ingress", flag="syn"),
                         n_flood + n_real)
        # One destination only: a spoofed flood makes no per-source series,
        # and 5000 sources of one SYN each are no port scan.
        self.assertEqual(len(m.series("pktlens_tcp_syn_received_total")), 1)
        self.assertEqual(m.get("pktlens_scan_suspects"), 0)
        self.assertEqual(m.series("pktlens_scan_ports"), {})
        p = promtool_check(m.text)
        self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""), "promtool check metrics")


    # -- port scan -----------------------------------------------------------------

    def test_port_scan(self) -> None:
        """One source sends SYNs to 200 ports of A (each twice): it is the
        only suspect, with 200 ports within the documented error; a client
        that opens 5 connections to a listener is none."""
        n_ports, n_real = 200, 5
        scanner = "198.19.7.7"
        srv = self.listener(LISTEN_PORT)
        self.net.wait_quiet()
        self.collections(self.d, 2)
        frames = [bytes(Ether(src=Net.MAC_B, dst=Net.MAC_A) / IP(src=scanner, dst=Net.A4) /
                        TCP(sport=40000 + try_, dport=port, flags="S", seq=port))
                  for try_ in range(2) for port in range(2000, 2000 + n_ports)]
        sender = Sender(self.net.b, Net.IF_B)
        try:
            sender.send(frames)
        finally:
            sender.close()
        self.connect_from_b(LISTEN_PORT, n_real, srv)
        self.collections(self.d, 2)
        m = self.scrape()
        ports = {dict(k)["src"]: v for k, v in m.series("pktlens_scan_ports").items()}
        self.assertEqual(set(ports), {scanner}, f"pktlens_scan_ports: {ports}")
        # Linear counting in 1024 bits: 2.3% standard error at 200; 3 sigma.
        self.assertLessEqual(abs(ports[scanner] - n_ports), 0.07 * n_ports, f"estimate {ports[scanner]}")
        self.assertEqual(m.get("pktlens_scan_suspects"), 1)
        self.assertEqual(m.get("pktlens_tcp_syn_received_total", dst=Net.A4, dport=str(LISTEN_PORT)), n_real)
        p = promtool_check(m.text)
        self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""), "promtool check metrics")


if __name__ == "__main__":
    main()
