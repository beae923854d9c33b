#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Wire packets under GSO: a TCP bulk transfer over a veth with TSO/GSO on
reaches TC as aggregates of up to 64 KiB; pktlens counts the segments the
senders' TCP stacks sent, each at most MTU + Ethernet header long. Same
harness and namespaces as the other e2e tests (harness.py).

    sudo /usr/bin/python3 tests/e2e/test_gso.py build/daemon/pktlensd Gso.test_bulk_transfer
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import E2E, IF, PORT, TCP_PORT, FlowWatcher, by, config, delta, main, ns_run, run, tcp_exchange  # noqa: E402

BULK = 20 << 20  # bytes B sends to A
MTU = 1500


def tcp_segments(ns: str) -> int:
    """Segments the namespace's TCP sent: TcpOutSegs (new data and pure
    ACKs) plus TcpRetransSegs (retransmissions), from /proc/net/snmp."""
    lines = [l.split() for l in ns_run(ns, ["cat", "/proc/net/snmp"]).stdout.splitlines()
             if l.startswith("Tcp:")]
    row = dict(zip(lines[0][1:], (int(x) for x in lines[1][1:])))
    return row["OutSegs"] + row["RetransSegs"]


class Gso(E2E):
    def test_bulk_transfer(self) -> None:
        net = self.net
        for ns, dev in ((net.a, net.IF_A), (net.b, net.IF_B)):
            run(["ip", "netns", "exec", ns, "ethtool", "-K", dev, "tso", "on", "gso", "on"])
        d = self.start(config(), self.pin())
        self.ready(d)
        net.wait_quiet()
        self.collections(d, 2)
        before = self.scrape()
        segs_b = tcp_segments(net.b)
        link_before = net.counters()

        watcher = FlowWatcher(net.a, PORT)
        try:
            client_port = tcp_exchange(net, request=BULK, response=100)
            net.wait_quiet(quiet_for=1.0)
            self.collections(d, 3)
        finally:
            watcher.stop()
        after = self.scrape()
        link_after = net.counters()
        sent_by_b = tcp_segments(net.b) - segs_b

        # The transfer went through TC as aggregates: far fewer skbs than
        # segments (else this test would prove nothing about GSO).
        skbs = delta(after.series("pktlens_skbs_total", interface=IF),
                     before.series("pktlens_skbs_total", interface=IF))
        ingress_skbs = sum(v for k, v in skbs.items() if ("dir", "ingress") in k)
        self.assertGreater(sent_by_b, BULK // 1448, f"B's TCP sent {sent_by_b} segments")
        self.assertLess(ingress_skbs, sent_by_b / 4,
                        f"{ingress_skbs} skbs for {sent_by_b} segments: TSO/GSO did not aggregate")

        # The flow into A, and A's TCP totals, count exactly the segments B's
        # TCP sent (the connection is alone on the link; nothing else of B
        # uses TCP).
        key = dict(interface=IF, proto="tcp", vlan="0")
        into_a, _ = watcher.flow(dir="ingress", src=net.B4, dst=net.A4, sport=str(client_port),
                                 dport=str(TCP_PORT), **key)
        out_of_a, _ = watcher.flow(dir="egress", src=net.A4, dst=net.B4, sport=str(TCP_PORT),
                                   dport=str(client_port), **key)
        self.assertEqual(into_a, sent_by_b, f"flows seen: {watcher.flows()}")
        tcp = by(delta(after.series("pktlens_packets_total", interface=IF, l4="tcp"),
                       before.series("pktlens_packets_total", interface=IF, l4="tcp")), "dir")
        self.assertEqual(tcp.get(("ingress",), 0), sent_by_b)

        # A answers with pure ACKs, which are never aggregated: there the
        # veth's own counter of what it sent is the truth (A's TCP counters
        # also count the scrapes on A's loopback).
        egress = by(delta(after.series("pktlens_packets_total", interface=IF),
                          before.series("pktlens_packets_total", interface=IF)), "dir")
        self.assertEqual(egress.get(("egress",), 0), link_after["tx"]["packets"] - link_before["tx"]["packets"])
        self.assertEqual(out_of_a, tcp.get(("egress",), 0), f"flows seen: {watcher.flows()}")

        # No packet is longer than MTU + Ethernet header: every sample of the
        # size histogram is at or below the 1518 bucket.
        for direction in ("ingress", "egress"):
            size = lambda le, m: m.get("pktlens_packet_size_bytes_bucket", interface=IF,  # noqa: E731
                                       dir=direction, le=le)
            added_1518 = size("1518", after) - size("1518", before)
            added_all = size("+Inf", after) - size("+Inf", before)
            self.assertGreater(added_all, 0)
            self.assertEqual(added_1518, added_all,
                             f"{direction}: {added_all - added_1518} samples above 1518 bytes")


if __name__ == "__main__":
    main()
