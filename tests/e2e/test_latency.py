#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""End-to-end tests of the TCP latency pktlensd measures at TC: handshake
latency in both roles and passive RTT, against a peer in namespace B that
answers after a chosen delay. Same harness as test_e2e.py (harness.py).

    sudo /usr/bin/python3 tests/e2e/test_latency.py build/daemon/pktlensd Latency.test_handshake_client

The peer is a raw AF_PACKET socket on vethB; B's kernel, which knows
nothing of these connections, would answer them with RSTs: an nftables rule
in B drops every RST B sends.
"""

from __future__ import annotations

import os
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import E2E, IF, Net, config, in_netns, main, ns_run, wait_until  # noqa: E402

from scapy.layers.inet import IP, TCP  # noqa: E402
from scapy.layers.l2 import Ether  # noqa: E402

ETH_P_ALL = 3
PACKET_OUTGOING = 4
# Upper bounds of the latency buckets (collector/latency_buckets.hpp).
LE = [(1 << (13 + i)) / 1e9 for i in range(21)]


def bucket_of(seconds: float) -> int:
    for i, le in enumerate(LE):
        if seconds <= le:
            return i
    return len(LE)


# The latency signals on, the product's flow settings.
LATENCY = "latency:\n  handshake: true\n  rtt: true\n"


class Peer:
    """A raw TCP peer on vethB: `handle(pkt)` is called for every TCP frame
    B receives; replies go out by the same socket, after a delay if asked."""

    def __init__(self, net: Net, handle) -> None:
        self.net = net
        self.handle = handle
        with in_netns(net.b):
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            self.sock.bind((Net.IF_B, 0))
        self.sock.settimeout(0.2)
        self.lock = threading.Lock()
        self.errors: list[str] = []
        # Delayed replies: seconds from the frame that triggered each to the
        # reply's send() as this process saw them (CPU load can stretch them).
        self.delays: list[float] = []
        self.rx_time = 0.0
        self._stop = False
        self._timers: list[threading.Timer] = []
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop:
            try:
                data, addr = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            if addr[2] == PACKET_OUTGOING:
                continue
            self.rx_time = time.monotonic()
            pkt = Ether(data)
            if TCP in pkt and pkt[IP].dst == Net.B4:
                try:
                    self.handle(pkt)
                except Exception as e:  # reported by the test
                    self.errors.append(str(e))

    def send(self, pkt, delay: float = 0) -> None:
        frame = bytes(Ether(src=Net.MAC_B, dst=Net.MAC_A) / pkt)
        if delay <= 0:
            with self.lock:
                self.sock.send(frame)
            return
        rx = self.rx_time
        t = threading.Timer(delay - (time.monotonic() - rx), lambda: self.send_now(frame, rx))
        self._timers.append(t)
        t.start()

    def send_now(self, frame: bytes, rx: float) -> None:
        with self.lock:
            self.delays.append(time.monotonic() - rx)
            self.sock.send(frame)

    def close(self) -> None:
        self._stop = True
        for t in self._timers:
            t.join(5)
        self._thread.join(2)
        self.sock.close()


def ts_of(pkt) -> tuple[int, int] | None:
    for name, value in pkt[TCP].options:
        if name == "Timestamp":
            return value
    return None


class Latency(E2E):
    """One pktlensd per test (self.d) with the latency signals on; B drops
    the RSTs its kernel would send."""

    def setUp(self) -> None:
        super().setUp()
        # B's kernel has no socket for any of this: its RSTs must not reach A.
        ns_run(self.net.b, ["nft", "add table inet pkle2e"])
        ns_run(self.net.b, ["nft", "add chain inet pkle2e out { type filter hook output priority 0 ; }"])
        ns_run(self.net.b, ["nft", "add rule inet pkle2e out tcp flags rst drop"])
        self.d = self.start(config(flows=False, extra=LATENCY), self.pin())
        self.ready(self.d)

    def histogram(self, name: str, **labels: str) -> tuple[list[float], float]:
        """Non-cumulative bucket counts (21 finite + Inf) and _count."""
        m = self.scrape()
        cum = {}
        for lab, v in m.series(name + "_bucket", interface=IF, **labels).items():
            cum[float(dict(lab)["le"])] = v
        self.assertEqual(len(cum), len(LE) + 1, f"{name} buckets: {sorted(cum)}")
        ordered = [cum[le] for le in LE] + [cum[float("inf")]]
        counts = [ordered[0]] + [ordered[i] - ordered[i - 1] for i in range(1, len(ordered))]
        return counts, m.get(name + "_count", interface=IF, **labels)

    def expect_handshakes(self, role: str, delay: float, n: int, delays: list[float],
                          want: list[float]) -> None:
        """n more samples of `role`, each in the bucket of the delay the peer
        actually kept (at least `delay`: usually its bucket, but a loaded
        machine may stretch a timer past it)."""
        self.assertEqual(len(delays), n, "delayed replies sent")
        for d in delays:
            self.assertGreaterEqual(d, delay)
            want[bucket_of(d)] += 1
        counts, count = self.histogram("pktlens_tcp_handshake_seconds", role=role)
        self.assertEqual((count, counts), (sum(want), want),
                         f"{role}: {n} samples of {delay * 1e3:.0f} ms, peer kept "
                         f"{[round(d * 1e3, 1) for d in delays]} ms")

    # -- handshake, client role ------------------------------------------------

    def test_handshake_client(self) -> None:
        n = 5
        want = [0.0] * (len(LE) + 1)
        for delay, port in ((0.020, 7000), (0.100, 7001)):
            def handle(pkt, delay=delay, port=port):
                t = pkt[TCP]
                if t.dport == port and t.flags == "S":
                    peer.send(IP(src=Net.B4, dst=Net.A4) /
                              TCP(sport=port, dport=t.sport, flags="SA", seq=1000, ack=t.seq + 1),
                              delay)
            peer = Peer(self.net, handle)
            try:
                for _ in range(n):
                    with in_netns(self.net.a):
                        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    with s:
                        s.settimeout(5)
                        s.connect((Net.B4, port))
                        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            finally:
                peer.close()
            self.assertEqual(peer.errors, [])
            self.collections(self.d, 2)
            # Cumulative: the 20 ms samples stay in their buckets after the 100 ms ones.
            self.expect_handshakes("client", delay, n, peer.delays, want)
        self.assertEqual(sum(want), 2 * n)
        _, server = self.histogram("pktlens_tcp_handshake_seconds", role="server")
        self.assertEqual(server, 0)
        m = self.scrape()
        self.assertEqual(m.get("pktlens_tcp_syn_retransmits_total", interface=IF), 0)

    # -- handshake, server role ------------------------------------------------

    def test_handshake_server(self) -> None:
        n = 5
        with in_netns(self.net.a):
            srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(srv.close)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind((Net.A4, 7100))
        srv.listen(64)
        total = 0
        want = [0.0] * (len(LE) + 1)
        for delay in (0.020, 0.100):
            def handle(pkt, delay=delay):
                t = pkt[TCP]
                if t.sport == 7100 and t.flags == "SA":
                    peer.send(IP(src=Net.B4, dst=Net.A4) /
                              TCP(sport=t.dport, dport=7100, flags="A", seq=t.ack, ack=t.seq + 1),
                              delay)
            peer = Peer(self.net, handle)
            try:
                for i in range(n):
                    sport = 41000 + total + i
                    peer.send(IP(src=Net.B4, dst=Net.A4) / TCP(sport=sport, dport=7100, flags="S", seq=5000))
                    srv.settimeout(5)
                    conn, addr = srv.accept()
                    self.assertEqual(addr[1], sport)
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    conn.close()
            finally:
                peer.close()
            total += n
            self.assertEqual(peer.errors, [])
            self.collections(self.d, 2)
            self.expect_handshakes("server", delay, n, peer.delays, want)
        self.assertEqual(sum(want), 2 * n)
        _, client = self.histogram("pktlens_tcp_handshake_seconds", role="client")
        self.assertEqual(client, 0)

    # -- passive RTT -------------------------------------------------------------

    def test_rtt(self) -> None:
        delay = 0.020
        port = 7200
        state = {"tsval": 1, "acked": 0}

        def handle(pkt):
            t = pkt[TCP]
            if t.dport != port:
                return
            ts = ts_of(pkt)
            state["tsval"] += 1
            if t.flags == "S":
                peer.send(IP(src=Net.B4, dst=Net.A4) /
                          TCP(sport=port, dport=t.sport, flags="SA", seq=1000, ack=t.seq + 1, window=65535,
                              options=[("MSS", 1460), ("SAckOK", b""),
                                       ("Timestamp", (state["tsval"], ts[0] if ts else 0))]))
                return
            plen = len(t.payload)
            if plen == 0 or ts is None:
                return
            # Every data segment acknowledged, echoing its TSval, after `delay`.
            end = t.seq + plen
            state["acked"] = max(state["acked"], end)
            peer.send(IP(src=Net.B4, dst=Net.A4) /
                      TCP(sport=port, dport=t.sport, flags="A", seq=1001, ack=end, window=65535,
                          options=[("NOP", None), ("NOP", None), ("Timestamp", (state["tsval"], ts[0]))]),
                      delay)

        peer = Peer(self.net, handle)
        try:
            with in_netns(self.net.a):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            with s:
                s.settimeout(10)
                s.connect((Net.B4, port))
                # 60 rounds of one segment each, so every TSval is fresh.
                for _ in range(60):
                    s.sendall(b"x" * 100)
                    time.sleep(0.005)
                wait_until(lambda: state["acked"] > 0, 10, what="data acknowledged")
                time.sleep(0.5)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        finally:
            peer.close()
        self.assertEqual(peer.errors, [])
        self.collections(self.d, 2)
        counts, count = self.histogram("pktlens_tcp_rtt_seconds")
        self.assertGreaterEqual(count, 10, f"RTT samples: {counts}")
        # The median sample's bucket, within one bucket of the delay's.
        half, cum, median_bucket = count / 2, 0, None
        for i, c in enumerate(counts):
            cum += c
            if cum >= half:
                median_bucket = i
                break
        self.assertLessEqual(abs(median_bucket - bucket_of(delay)), 1,
                             f"median bucket {median_bucket} (le {LE[min(median_bucket, 20)]}), "
                             f"delay {delay}: {counts}")
        m = self.scrape()
        # Every segment of the connection carries timestamps, both ways (A's
        # final RST too: Linux puts them on an active reset).
        self.assertEqual(m.get("pktlens_tcp_rtt_unsampled_packets_total", interface=IF), 0)


if __name__ == "__main__":
    main()
