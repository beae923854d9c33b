#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""End-to-end tests of pktlensd: the real daemon in a network namespace of
its own, real frames over a veth pair, real scrapes of /metrics.

    sudo /usr/bin/python3 tests/e2e/test_e2e.py build/daemon/pktlensd            # all
    sudo /usr/bin/python3 tests/e2e/test_e2e.py build/daemon/pktlensd Basics.test_xdp  # one scenario

Needs root, a kernel with BTF, `ip`, `tc`, `curl`, `promtool`, `setpriv` and
Debian's python3-scapy (hence /usr/bin/python3, not a pyenv python).
The harness (namespaces, pktlensd, scrapes, cleanup) is harness.py.
See docs/testing.md, "End-to-end tests".
"""

from __future__ import annotations

import os
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    E2E, IF, PORT, TCP_PORT, Metrics, Net, Pktlensd, Sender, FlowWatcher, by, config, delta, has_clsact,
    in_netns, main, ns_run, pktlens_filters, promtool_check, run, tcp_exchange, wait_until, write_config,
    xdp_attached,
)

from scapy.layers.inet import ICMP, IP, TCP, UDP  # noqa: E402
from scapy.layers.inet6 import IPv6  # noqa: E402
from scapy.layers.l2 import Dot1AD, Dot1Q, Ether  # noqa: E402

FAMILIES_PER_DIR = ("pktlens_packets_total", "pktlens_bytes_total")


class Frame:
    """A crafted frame and what pktlens must make of it on TC ingress."""

    def __init__(self, what: str, pkt, l3: str, l4: str, tags: int = 0, anomalies=(), flow=None,
                 vlan_label: str | None = None) -> None:
        self.what = what
        self.data = bytes(pkt)
        self.l3, self.l4, self.tags = l3, l4, tags
        self.anomalies = tuple(anomalies)
        self.flow = flow  # (proto, src, dst, sport, dport, vlan) or None
        self.vlan_label = vlan_label

    def tc_ingress_len(self) -> int:
        # On TC ingress the outermost VLAN tag is no longer in the frame: it
        # is in skb->vlan_tci. A veth does no VLAN work itself (its
        # rx-vlan-offload feature bit is only advertised; veth_xmit hands the
        # skb over as sent, and counts rx_bytes of the peer with the tag in
        # it), but __netif_receive_skb_core() calls skb_vlan_untag() on every
        # tagged frame before the TC ingress hook. So skb->len, and hence
        # pktlens_bytes_total, pktlens_vlan_bytes_total and the flow bytes, is
        # 4 bytes less per tagged frame than the veth's rx_bytes (measured:
        # this test asserts exactly that). Inner tags stay in the frame. XDP
        # runs before the untagging and sees the whole frame (test_xdp).
        return len(self.data) - (4 if self.tags else 0)


def crafted_mix(net: type[Net]) -> list[Frame]:
    """Frames B sends to A. None of them makes A answer except the echo
    requests: the UDP/TCP ones go to an address that is not A's (forwarding
    is off, so A drops them silently), the tagged ones to VLANs A has no
    device for, the malformed ones are dropped by A's IP layer."""
    e = Ether(src=net.MAC_B, dst=net.MAC_A)
    b4, o4, a4, b6, o6 = net.B4, net.OTHER4, net.A4, net.B6, net.OTHER6
    frames: list[Frame] = []
    for i in range(3):
        frames.append(Frame(f"IPv4/UDP flow 1 #{i}", e / IP(src=b4, dst=o4) / UDP(sport=40001, dport=5001)
                            / (b"a" * 100), "ipv4", "udp", flow=("udp", b4, o4, 40001, 5001, "0")))
    for i in range(2):
        frames.append(Frame(f"IPv4/UDP flow 2 #{i}", e / IP(src=b4, dst=o4) / UDP(sport=40002, dport=5002)
                            / (b"b" * 300), "ipv4", "udp", flow=("udp", b4, o4, 40002, 5002, "0")))
    for i in range(2):
        frames.append(Frame(f"IPv6/UDP #{i}", e / IPv6(src=b6, dst=o6) / UDP(sport=40003, dport=5003)
                            / (b"c" * 50), "ipv6", "udp", flow=("udp", b6, o6, 40003, 5003, "0")))
    for i in range(4):
        frames.append(Frame(f"ICMP echo request #{i}", e / IP(src=b4, dst=a4) / ICMP(id=0x4242, seq=i + 1)
                            / (b"p" * 56), "ipv4", "icmp", flow=("icmp", b4, a4, 8, 0, "0")))
    for i in range(3):
        frames.append(Frame(f"802.1Q vlan 100 IPv4/UDP #{i}",
                            Ether(src=net.MAC_B, dst=net.MAC_A, type=0x8100) / Dot1Q(vlan=100, type=0x0800)
                            / IP(src=b4, dst=o4) / UDP(sport=40004, dport=5004) / (b"d" * 64),
                            "ipv4", "udp", tags=1, flow=("udp", b4, o4, 40004, 5004, "100"), vlan_label="100"))
    frames.append(Frame("802.1ad 300 + 802.1Q 400 IPv4/UDP",
                        Ether(src=net.MAC_B, dst=net.MAC_A, type=0x88A8) / Dot1AD(vlan=300, type=0x8100)
                        / Dot1Q(vlan=400, type=0x0800) / IP(src=b4, dst=o4) / UDP(sport=40005, dport=5005)
                        / (b"e" * 64),
                        "ipv4", "udp", tags=2, flow=("udp", b4, o4, 40005, 5005, "300.400"),
                        vlan_label="300.400"))
    # Malformed: an IPv4 header cut at 19 bytes (truncated, l4 other: the
    # IP header is incomplete), a total length one byte beyond the bytes
    # present (bad_ip_length; the header is complete, so l4 is udp).
    frames.append(Frame("IPv4 header cut at 19 bytes",
                        bytes(Ether(src=net.MAC_B, dst=net.MAC_A, type=0x0800))
                        + bytes(IP(src=b4, dst=o4) / UDP())[:19],
                        "ipv4", "other", anomalies=("truncated",)))
    frames.append(Frame("IPv4 total length 1 byte beyond the frame",
                        e / IP(src=b4, dst=o4, len=20 + 8 + 20 + 1) / UDP(sport=40006, dport=5006) / (b"f" * 20),
                        "ipv4", "udp", anomalies=("bad_ip_length",), flow=("udp", b4, o4, 40006, 5006, "0")))
    for what, flags, kind, sport in (("TCP NULL", 0, "tcp_null", 40010),
                                     ("TCP Xmas (FIN+PSH+URG)", "FPU", "tcp_xmas", 40011),
                                     ("TCP SYN+FIN", "SF", "tcp_syn_fin", 40012)):
        frames.append(Frame(what, e / IP(src=b4, dst=o4) / TCP(sport=sport, dport=80, flags=flags),
                            "ipv4", "tcp", anomalies=(kind,), flow=("tcp", b4, o4, sport, 80, "0")))
    return frames


def per_class(m: Metrics, name: str, iface: str = IF) -> dict:
    return by(m.series(name, interface=iface), "dir", "l3", "l4")


def fmt(d: dict) -> str:
    return "{" + ", ".join(f"{'/'.join(map(str, k))}: {v:g}" for k, v in sorted(d.items())) + "}"


class Basics(E2E):
    """The daemon's core: exact counts, lifecycle, XDP, bad input, dump,
    kernel events."""

    # -- 1. exact counts --------------------------------------------------------

    def test_exact_counts(self) -> None:
        net = self.net
        d = self.start(config(), self.pin())
        self.ready(d)
        net.wait_quiet()          # the MLD reports after setup are over
        self.collections(d, 2)
        base = self.scrape()
        c0 = net.counters()

        watcher = FlowWatcher(net.a, PORT)
        try:
            # The real TCP connection first, alone on the link: its frames are
            # exactly the veth counter deltas around it.
            client_port = tcp_exchange(net)
            c1 = net.wait_quiet(quiet_for=1.0)
            conn = {dr: {k: c1[dr][k] - c0[dr][k] for k in ("packets", "bytes")} for dr in ("rx", "tx")}
            self.assertGreaterEqual(conn["rx"]["packets"], 4, f"TCP connection frames B->A: {conn}")
            self.assertGreaterEqual(conn["tx"]["packets"], 3, f"TCP connection frames A->B: {conn}")

            frames = crafted_mix(net)
            sender = Sender(net.b, net.IF_B)
            try:
                sender.send(f.data for f in frames)
            finally:
                sender.close()
            c2 = net.wait_quiet(quiet_for=1.0)
            self.collections(d, 3)
        finally:
            watcher.stop()
        final = self.scrape()
        # Nothing else crossed the link: the veth saw exactly the crafted
        # frames and A's echo replies.
        echo = [f for f in frames if f.l4 == "icmp"]
        self.assertEqual(c2["rx"]["packets"] - c1["rx"]["packets"], len(frames))
        self.assertEqual(c2["rx"]["bytes"] - c1["rx"]["bytes"], sum(len(f.data) for f in frames))
        self.assertEqual(c2["tx"]["packets"] - c1["tx"]["packets"], len(echo),
                         "A sent something besides the echo replies")
        self.assertEqual(c2["tx"]["bytes"] - c1["tx"]["bytes"], sum(len(f.data) for f in echo))

        # Per (dir, l3, l4): packets and bytes.
        exp_p: dict = {}
        exp_b: dict = {}

        def add(k, p, b):
            exp_p[k] = exp_p.get(k, 0) + p
            exp_b[k] = exp_b.get(k, 0) + b

        for f in frames:
            add(("ingress", f.l3, f.l4), 1, f.tc_ingress_len())
        for f in echo:  # A's echo replies: same length as the requests
            add(("egress", "ipv4", "icmp"), 1, len(f.data))
        add(("ingress", "ipv4", "tcp"), conn["rx"]["packets"], conn["rx"]["bytes"])
        add(("egress", "ipv4", "tcp"), conn["tx"]["packets"], conn["tx"]["bytes"])
        got_p = delta(per_class(final, "pktlens_packets_total"), per_class(base, "pktlens_packets_total"))
        got_b = delta(per_class(final, "pktlens_bytes_total"), per_class(base, "pktlens_bytes_total"))
        self.assertEqual(got_p, exp_p, f"packets per (dir, l3, l4): got {fmt(got_p)}, expected {fmt(exp_p)}")
        self.assertEqual(got_b, exp_b, f"bytes per (dir, l3, l4): got {fmt(got_b)}, expected {fmt(exp_b)}")

        # Against the veth's own counters: packets equal; bytes equal except
        # the outer tag TC ingress does not see (see Frame.tc_ingress_len).
        tagged = sum(1 for f in frames if f.tags)
        rx = {k: c2["rx"][k] - c0["rx"][k] for k in ("packets", "bytes")}
        tx = {k: c2["tx"][k] - c0["tx"][k] for k in ("packets", "bytes")}
        ing_p = sum(v for k, v in got_p.items() if k[0] == "ingress")
        ing_b = sum(v for k, v in got_b.items() if k[0] == "ingress")
        eg_p = sum(v for k, v in got_p.items() if k[0] == "egress")
        eg_b = sum(v for k, v in got_b.items() if k[0] == "egress")
        self.assertEqual(ing_p, rx["packets"], f"ingress packets vs {IF} rx_packets")
        self.assertEqual(ing_b, rx["bytes"] - 4 * tagged,
                         f"ingress bytes vs {IF} rx_bytes minus 4 per tagged frame ({tagged})")
        self.assertEqual(eg_p, tx["packets"], f"egress packets vs {IF} tx_packets")
        self.assertEqual(eg_b, tx["bytes"], f"egress bytes vs {IF} tx_bytes")

        # Frame-size histogram: _count and _sum move with the totals.
        for dr, p, b in (("ingress", ing_p, ing_b), ("egress", eg_p, eg_b)):
            for suffix, want in (("_count", p), ("_sum", b)):
                name = "pktlens_packet_size_bytes" + suffix
                got = final.get(name, interface=IF, dir=dr) - base.get(name, interface=IF, dir=dr)
                self.assertEqual(got, want, f"{name}{{dir={dr}}} delta")

        # VLANs.
        exp_vp: dict = {}
        exp_vb: dict = {}
        for f in frames:
            if f.vlan_label:
                k = ("ingress", f.vlan_label)
                exp_vp[k] = exp_vp.get(k, 0) + 1
                exp_vb[k] = exp_vb.get(k, 0) + f.tc_ingress_len()
        for name, exp in (("pktlens_vlan_packets_total", exp_vp), ("pktlens_vlan_bytes_total", exp_vb)):
            got = delta(by(final.series(name, interface=IF), "dir", "vlan"),
                        by(base.series(name, interface=IF), "dir", "vlan"))
            self.assertEqual(got, exp, f"{name}: got {fmt(got)}, expected {fmt(exp)}")

        # Anomalies, per kind, exactly (the TCP connection and the clean
        # frames raise none).
        exp_a: dict = {}
        for f in frames:
            for kind in f.anomalies:
                exp_a[("ingress", kind)] = exp_a.get(("ingress", kind), 0) + 1
        got_a = delta(by(final.series("pktlens_anomalies_total", interface=IF), "dir", "kind"),
                      by(base.series("pktlens_anomalies_total", interface=IF), "dir", "kind"))
        self.assertEqual(got_a, exp_a, f"anomalies: got {fmt(got_a)}, expected {fmt(exp_a)}")

        # Top-K flows: the crafted ones with their exact totals (flow bytes
        # are the frame length the hook saw, Ethernet header included, i.e.
        # without the outer tag on TC ingress), and the TCP connection both ways.
        self.assertFalse(watcher.errors, f"scrapes failed: {watcher.errors[:3]}")
        exp_flows: dict = {}
        for f in frames:
            if f.flow:
                k = ("ingress",) + f.flow
                p, b = exp_flows.get(k, (0, 0))
                exp_flows[k] = (p + 1, b + f.tc_ingress_len())
        for f in echo:
            k = ("egress", "icmp", net.A4, net.B4, 0, 0, "0")
            p, b = exp_flows.get(k, (0, 0))
            exp_flows[k] = (p + 1, b + len(f.data))
        exp_flows[("ingress", "tcp", net.B4, net.A4, client_port, TCP_PORT, "0")] = (
            conn["rx"]["packets"], conn["rx"]["bytes"])
        exp_flows[("egress", "tcp", net.A4, net.B4, TCP_PORT, client_port, "0")] = (
            conn["tx"]["packets"], conn["tx"]["bytes"])
        for (dr, proto, src, dst, sport, dport, vlan), want in sorted(exp_flows.items(), key=str):
            labels = dict(interface=IF, dir=dr, proto=proto, src=src, dst=dst, sport=str(sport),
                          dport=str(dport), vlan=vlan)
            got = watcher.flow(**labels)
            self.assertEqual(got, (float(want[0]), float(want[1])),
                             f"flow {labels}: (packets, bytes) last seen {got}, expected {want}; "
                             f"{watcher.scrapes} scrapes saw flows {watcher.flows()}")

        # Flow bookkeeping: every frame with a complete IP header has a flow
        # key (only the cut IPv4 header has none), each distinct key was
        # inserted once, nothing went over the admission budget.
        exp_untracked = {("ingress",): sum(1 for f in frames if not f.flow)}
        exp_inserts = {}
        for k in exp_flows:
            exp_inserts[(k[0],)] = exp_inserts.get((k[0],), 0) + 1
        for name, exp in (("pktlens_flow_untracked_packets_total", exp_untracked),
                          ("pktlens_flow_unadmitted_packets_total", {}),
                          ("pktlens_flow_inserts_total", exp_inserts)):
            got = delta(by(final.series(name, interface=IF), "dir"), by(base.series(name, interface=IF), "dir"))
            self.assertEqual(got, exp, f"{name}: got {fmt(got)}, expected {fmt(exp)}")

        # Self metrics, and the exposition is valid.
        self.assertEqual(final.get("pktlens_up"), 1.0, "pktlens_up")
        self.assertTrue(final.has("pktlens_build_info"), "pktlens_build_info missing")
        check = promtool_check(final.text)
        self.assertEqual((check.returncode, check.stdout + check.stderr), (0, ""),
                         "promtool check metrics on the scrape")
        self.assertEqual(d.terminate(), 0, f"exit status on SIGTERM; log:\n{d.log()}")

    # -- 2. lifecycle -----------------------------------------------------------

    def test_lifecycle(self) -> None:
        net = self.net
        self.assertFalse(has_clsact(net.a, IF), "clsact on a fresh veth")
        pin = self.pin()
        cfg = config()
        d = self.start(cfg, pin)
        msg = self.ready(d)
        status = [l for l in msg.split("\n") if l.startswith("STATUS=")]
        self.assertTrue(status and IF in status[0], f"READY=1 without a STATUS naming {IF}: {msg!r}")
        self.assert_one_filter_each()
        self.assertEqual(d.terminate(), 0, f"exit status on SIGTERM; log:\n{d.log()}")
        self.assertTrue(any("STOPPING=1" in m.split("\n") for m in d.notify.snapshot()),
                        f"no STOPPING=1; notify messages: {d.notify.snapshot()}")
        self.assert_nothing_attached()

        # Run, count some frames, SIGKILL: the filters (and clsact) stay.
        d2 = self.start(cfg, pin)
        self.ready(d2)
        net.wait_quiet()
        e = Ether(src=net.MAC_B, dst=net.MAC_A)
        s = Sender(net.b, net.IF_B)
        s.send(bytes(e / IP(src=net.B4, dst=net.OTHER4) / UDP(sport=41000 + i, dport=7) / b"k")
               for i in range(5))
        s.close()
        self.collections(d2, 2)
        before = self.scrape().get("pktlens_packets_total", interface=IF)
        self.assertGreaterEqual(before, 5, "the 5 frames sent before the SIGKILL")
        d2.sigkill()
        for direction in ("ingress", "egress"):
            self.assertEqual(len(pktlens_filters(net.a, IF, direction)), 1,
                             f"after SIGKILL the {direction} filter should still be there")

        # Start again on the same pin dir: the stale programs are replaced,
        # not doubled, and the counters go on.
        d3 = self.start(cfg, pin)
        self.ready(d3)
        self.assert_one_filter_each()
        self.assertIn("replaced the programs a previous pktlensd left", d3.log(),
                      "the log should say the stale programs were replaced")
        self.collections(d3, 1)
        after = self.scrape().get("pktlens_packets_total", interface=IF)
        self.assertGreaterEqual(after, before, "counters went back after the restart (maps are pinned)")
        self.assertEqual(d3.terminate(), 0, f"exit status on SIGTERM; log:\n{d3.log()}")
        # The clsact qdisc the SIGKILLed run created goes too: the pin dir
        # recorded that it created it, and its filters were still on it.
        self.assert_nothing_attached(clsact_too=True)

    # -- 3. XDP -----------------------------------------------------------------

    def test_xdp(self) -> None:
        net = self.net
        d = self.start(config(attach="xdp"), self.pin())
        self.ready(d)
        self.assertNotEqual(xdp_attached(net.a, IF), "", f"no XDP program on {IF} while running")
        self.assertFalse(has_clsact(net.a, IF), "attach: xdp created a clsact qdisc")
        net.wait_quiet()
        self.collections(d, 2)
        base = self.scrape()
        c0 = net.counters()
        e = Ether(src=net.MAC_B, dst=net.MAC_A)
        frames = [bytes(e / IP(src=net.B4, dst=net.OTHER4) / UDP(sport=42000, dport=9) / (b"x" * 100))
                  for _ in range(3)]
        frames += [bytes(e / IPv6(src=net.B6, dst=net.OTHER6) / UDP(sport=42001, dport=9) / (b"y" * 10))]
        tagged = bytes(Ether(src=net.MAC_B, dst=net.MAC_A, type=0x8100) / Dot1Q(vlan=100, type=0x0800)
                       / IP(src=net.B4, dst=net.OTHER4) / UDP(sport=42002, dport=9) / (b"z" * 30))
        frames.append(tagged)
        s = Sender(net.b, net.IF_B)
        s.send(frames)
        s.close()
        c1 = net.wait_quiet(quiet_for=1.0)
        self.collections(d, 2)
        final = self.scrape()
        got_p = delta(per_class(final, "pktlens_packets_total"), per_class(base, "pktlens_packets_total"))
        got_b = delta(per_class(final, "pktlens_bytes_total"), per_class(base, "pktlens_bytes_total"))
        # XDP sees the frame as sent: the tag is still in it.
        exp_p = {("ingress", "ipv4", "udp"): 4, ("ingress", "ipv6", "udp"): 1}
        exp_b = {("ingress", "ipv4", "udp"): 3 * len(frames[0]) + len(tagged),
                 ("ingress", "ipv6", "udp"): len(frames[3])}
        self.assertEqual(got_p, exp_p, f"XDP packets: got {fmt(got_p)}, expected {fmt(exp_p)}")
        self.assertEqual(got_b, exp_b, f"XDP bytes: got {fmt(got_b)}, expected {fmt(exp_b)}")
        self.assertEqual(c1["rx"]["packets"] - c0["rx"]["packets"], len(frames), f"{IF} rx_packets delta")
        got_v = delta(by(final.series("pktlens_vlan_bytes_total", interface=IF), "dir", "vlan"),
                      by(base.series("pktlens_vlan_bytes_total", interface=IF), "dir", "vlan"))
        self.assertEqual(got_v, {("ingress", "100"): len(tagged)}, "XDP vlan bytes")
        self.assertEqual(d.terminate(), 0, f"exit status on SIGTERM; log:\n{d.log()}")
        self.assert_nothing_attached()

    # -- 4. bad input -----------------------------------------------------------

    def test_bad_config(self) -> None:
        for text, line in (("interval: 1s\nflows:\n  top_k: many\n", 3),
                           ("interval: 1s\nintervall: 5s\n", 2)):
            cfg = write_config(text)
            p = self.run_pktlensd(["--config", cfg, "--bpf-pin-dir", self.pin()])
            self.assertEqual(p.returncode, 1, f"exit status for {text!r}; stderr: {p.stderr}")
            self.assertRegex(p.stderr, re.escape(cfg) + rf":{line}:\d+: ",
                             f"the error should name {cfg}:{line}:COL")
        self.assert_nothing_attached()

    def test_port_in_use(self) -> None:
        with in_netns(self.net.a):
            blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        with blocker:
            blocker.bind(("127.0.0.1", PORT))
            blocker.listen(1)
            p = self.run_pktlensd(["--config", config(), "--bpf-pin-dir", self.pin()])
        self.assertEqual(p.returncode, 1, f"exit status with the port taken; stderr: {p.stderr}")
        errors = [l for l in p.stderr.splitlines() if re.search(r" (error|critical) ", l)]
        self.assertEqual(len(errors), 1, f"expected one error line, got: {p.stderr}")
        self.assertIn(f"127.0.0.1:{PORT}", errors[0], "the error line should name the address")
        self.assert_nothing_attached()

    def test_unprivileged(self) -> None:
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                  "--bounding-set=-all"]
        p = self.run_pktlensd(["--config", config(), "--bpf-pin-dir", self.pin()], prefix=prefix)
        self.assertEqual(p.returncode, 1, f"exit status without privileges; stderr: {p.stderr}")
        for cap in ("CAP_BPF", "CAP_PERFMON", "CAP_NET_ADMIN"):
            self.assertIn(cap, p.stderr, f"the message should name the missing {cap}")
        self.assert_nothing_attached()

    def test_second_instance(self) -> None:
        pin = self.pin()
        cfg = config()
        d = self.start(cfg, pin)
        self.ready(d)
        p = self.run_pktlensd(["--config", cfg, "--bpf-pin-dir", pin])
        self.assertEqual(p.returncode, 1, f"exit status of a second pktlensd on {pin}; stderr: {p.stderr}")
        self.assertIn(f"PID {d.pid}", p.stderr, "the message should name the running pktlensd's PID")
        self.assertTrue(d.alive(), "the first pktlensd died")
        self.assert_one_filter_each()
        self.assertEqual(d.terminate(), 0, f"exit status on SIGTERM; log:\n{d.log()}")
        self.assert_nothing_attached()

    def test_late_interface(self) -> None:
        net = self.net
        d = self.start(config(interfaces=(IF, "late0")), self.pin())
        msg = self.ready(d)
        self.assertIn("late0", msg, "STATUS should say pktlensd waits for late0")
        warns = [l for l in d.log().splitlines() if " warning " in l and "late0" in l]
        self.assertTrue(warns, f"no warning about late0; log:\n{d.log()}")
        self.assert_one_filter_each(IF)
        self.assertTrue(self.scrape().has("pktlens_packets_total", interface=IF), f"no series for {IF}")

        # late0 appears (a veth pair inside A, no IPv6 so it sends nothing itself).
        run(["ip", "-n", net.a, "link", "add", "late0", "type", "veth", "peer", "name", "late1"])
        for dev in ("late0", "late1"):
            ns_run(net.a, ["sysctl", "-qw", f"net.ipv6.conf.{dev}.disable_ipv6=1"])
            run(["ip", "-n", net.a, "link", "set", dev, "up"])
        wait_until(lambda: len(pktlens_filters(net.a, "late0", "ingress")) == 1, 20,
                   what="pktlens's filter on late0")
        self.assert_one_filter_each("late0")
        self.collections(d, 2)
        base = self.scrape()
        frame = bytes(Ether(src="02:e2:e0:00:01:01", dst="02:e2:e0:00:01:00") / IP(src="198.19.0.2", dst="198.19.0.1")
                      / UDP(sport=43000, dport=9) / (b"l" * 40))
        s = Sender(net.a, "late1")
        s.send([frame, frame])
        s.close()
        self.collections(d, 2)
        final = self.scrape()
        got = delta(per_class(final, "pktlens_packets_total", "late0"), per_class(base, "pktlens_packets_total", "late0"))
        self.assertEqual(got, {("ingress", "ipv4", "udp"): 2}, "frames into late0")
        got_b = delta(per_class(final, "pktlens_bytes_total", "late0"), per_class(base, "pktlens_bytes_total", "late0"))
        self.assertEqual(got_b, {("ingress", "ipv4", "udp"): 2 * len(frame)}, "bytes into late0")
        self.assertEqual(d.terminate(), 0, f"exit status on SIGTERM; log:\n{d.log()}")
        self.assert_nothing_attached("late0")
        self.assert_nothing_attached(IF)

    # -- 5. dump ----------------------------------------------------------------

    def test_dump(self) -> None:
        net = self.net
        pin = self.pin()
        cfg = config()
        # Count some frames with a daemon first: the pinned counters are what
        # dump prints (plus anything in its own interval).
        d = self.start(cfg, pin)
        self.ready(d)
        s = Sender(net.b, net.IF_B)
        s.send(bytes(Ether(src=net.MAC_B, dst=net.MAC_A) / IP(src=net.B4, dst=net.OTHER4)
                     / UDP(sport=44000, dport=9) / b"q") for _ in range(3))
        s.close()
        self.collections(d, 2)
        counted = self.scrape().get("pktlens_packets_total", interface=IF, dir="ingress", l3="ipv4", l4="udp")
        self.assertGreaterEqual(counted, 3)
        self.assertEqual(d.terminate(), 0)

        p = self.run_pktlensd(["dump", "--config", cfg, "--bpf-pin-dir", pin])
        self.assertEqual(p.returncode, 0, f"dump exit status; stderr: {p.stderr}")
        m = Metrics(p.stdout)
        self.assertGreaterEqual(m.get("pktlens_packets_total", interface=IF, dir="ingress", l3="ipv4", l4="udp"),
                                counted, f"dump should print {IF}'s (pinned) counters:\n{p.stdout[:2000]}")
        self.assertTrue(m.has("pktlens_up"), "dump output lacks pktlens_up")
        check = promtool_check(p.stdout)
        self.assertEqual((check.returncode, check.stdout + check.stderr), (0, ""), "promtool check metrics on dump")
        self.assert_nothing_attached()

    # -- 10. kernel events: drops, retransmits, srtt ----------------------------

    def test_drops(self) -> None:
        """UDP datagrams and TCP SYNs to closed ports of A raise
        pktlens_drops_total{reason="NO_SOCKET"} by exactly the number sent;
        the same drops in B and in the host's namespace do not count."""
        self.require_btf_tracing()
        net = self.net
        d = self.start(config(), self.pin())
        self.ready(d)
        net.wait_quiet()
        self.collections(d, 2)
        before = by(self.scrape().series("pktlens_drops_total"), "reason")
        n_udp, n_tcp, n_elsewhere = 23, 11, 17
        with in_netns(net.b):
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            tcps = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(n_tcp)]
        with in_netns(net.a):
            udp_a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        host = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        for s in [udp, udp_a, host] + tcps:
            self.addCleanup(s.close)
        for _ in range(n_udp):
            udp.sendto(b"x" * 32, (net.A4, 9))           # dropped in A: no socket
        for s in tcps:
            with self.assertRaises(ConnectionRefusedError):
                s.settimeout(10)
                s.connect((net.A4, 10))                  # SYN dropped in A, RST back
        for _ in range(n_elsewhere):
            udp_a.sendto(b"y" * 32, (net.B4, 9))         # dropped in B
            host.sendto(b"z" * 32, ("127.0.0.1", 9))     # dropped in the host's namespace
        self.collections(d, 2)
        m = self.scrape()
        got = delta(by(m.series("pktlens_drops_total"), "reason"), before)
        self.assertEqual(got.pop(("NO_SOCKET",), 0), n_udp + n_tcp,
                         f"NO_SOCKET drops in A (sent {n_udp} UDP + {n_tcp} TCP to closed ports of A, "
                         f"{n_elsewhere} each to closed ports of B and of the host)")
        # The scrapes themselves (HTTP over A's loopback) may end with unread
        # data purged from a socket queue (QUEUE_PURGE) or a segment of the
        # closing connection freed without a reason (NOT_SPECIFIED, seen in
        # CI once in a few runs); nothing else happens in A. The drops in B
        # and in the host are NO_SOCKET too, so the exact count above is
        # what shows they are not counted.
        self.assertLessEqual(set(got), {("QUEUE_PURGE",), ("NOT_SPECIFIED",)},
                             f"other drops in A: {got}")
        check = promtool_check(m.text)
        self.assertEqual((check.returncode, check.stdout + check.stderr), (0, ""), "promtool check metrics")

    def _sink_in_b(self, port: int) -> threading.Thread:
        """A listener on B:port that accepts one connection and reads it to
        EOF, in a thread (returned, running)."""
        with in_netns(self.net.b):
            srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            srv.bind((self.net.B4, port))
            srv.listen(1)
        self.addCleanup(srv.close)

        def drain():
            conn, _ = srv.accept()
            with conn:
                while conn.recv(1 << 20):
                    pass

        t = threading.Thread(target=drain, daemon=True)
        t.start()
        return t

    def _retransmit_run(self, d: Pktlensd, k: int, port: int) -> tuple[float, float, float]:
        """A connection A -> B:port sending k small segments, then a trickle
        until pktlensd has read what the kernel counted. Returns
        (pktlens_tcp_retransmits_total{interface=vethA} delta, the flow's
        pktlens_flow_retransmits_total, the segments nft dropped)."""
        net = self.net
        drained = self._sink_in_b(port)
        before = self.scrape().get("pktlens_tcp_retransmits_total", interface=IF)
        with in_netns(net.a):
            cli = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        flow_retx = 0.0
        with cli:
            cli.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            cli.settimeout(20)
            cli.connect((net.B4, port))
            sport = cli.getsockname()[1]
            for _ in range(k):
                cli.sendall(b"D" * 200)
                time.sleep(0.01)
            deadline = time.monotonic() + 8
            while time.monotonic() < deadline:
                # A trickle keeps the flow in the interval's top-K.
                cli.sendall(b"t" * 200)
                time.sleep(0.1)
                m = self.scrape()
                flow_retx = m.get("pktlens_flow_retransmits_total", interface=IF, dir="egress", proto="tcp",
                                  src=net.A4, dst=net.B4, sport=str(sport), dport=str(port))
                if flow_retx >= k or (k == 0 and m.has("pktlens_flow_retransmits_total", sport=str(sport))):
                    break
        drained.join(10)
        self.collections(d, 2)
        after = self.scrape().get("pktlens_tcp_retransmits_total", interface=IF)
        dropped = 0.0
        out = ns_run(net.b, ["nft", "list", "ruleset"]).stdout
        mm = re.search(r"counter packets (\d+)", out)
        if mm:
            dropped = float(mm.group(1))
        return after - before, flow_retx, dropped

    def test_retransmits(self) -> None:
        """The first K data segments of a connection from A dropped by
        nftables in B: A's kernel retransmits them, pktlens_tcp_retransmits_total{vethA} and
        the flow's pktlens_flow_retransmits_total rise by at least K; a clean
        connection adds exactly 0."""
        self.require_btf_tracing()
        net = self.net
        # One retransmitted segment per lost one: no collapsing of small
        # segments on retransmission, no corking of small writes.
        for key in ("tcp_retrans_collapse", "tcp_autocorking"):
            ns_run(net.a, ["sysctl", "-qw", f"net.ipv4.{key}=0"])
        d = self.start(config(), self.pin())
        self.ready(d)
        net.wait_quiet()
        self.collections(d, 2)

        clean, clean_flow, _ = self._retransmit_run(d, 0, 5561)
        self.assertEqual(clean, 0, "retransmits of a clean connection")
        self.assertEqual(clean_flow, 0, "the clean flow's retransmits")

        # Lost on the way: dropped where B receives them. (Dropped by A's own
        # output hook, TCP would see a failed send and send them again as new
        # data, not as retransmissions.)
        k = 3
        for cmd in (["nft", "add", "table", "inet", "pkle2e"],
                    ["nft", "add", "chain", "inet", "pkle2e", "in",
                     "{ type filter hook input priority 0; }"],
                    ["nft", "add", "rule", "inet", "pkle2e", "in", "tcp", "dport", "5562", "meta", "length",
                     "gt", "100", "numgen", "inc", "mod", "1000000", "lt", str(k), "counter", "drop"]):
            ns_run(net.b, cmd)
        lossy, lossy_flow, dropped = self._retransmit_run(d, k, 5562)
        self.assertEqual(dropped, k, "segments nftables dropped")
        self.assertGreaterEqual(lossy, k, f"retransmits after {k} lost segments")
        self.assertGreaterEqual(lossy_flow, k, f"the flow's retransmits after {k} lost segments")
        m = self.scrape()
        self.assertEqual(m.get("pktlens_tcp_retransmits_total", interface="unknown"), 0,
                         "retransmits without a known device")
        check = promtool_check(m.text)
        self.assertEqual((check.returncode, check.stdout + check.stderr), (0, ""), "promtool check metrics")

    def _bulk(self, port: int, size: int = 4 << 20) -> float:
        """size bytes A -> B:port over one kernel TCP connection, for at
        least 1 s; returns how long the connection lived (s)."""
        net = self.net
        t = self._sink_in_b(port)
        with in_netns(net.a):
            cli = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        start = time.monotonic()
        with cli:
            cli.settimeout(20)
            cli.connect((net.B4, port))
            chunk = b"B" * 65536
            deadline = time.monotonic() + 1.0  # at least 1 s: several 100 ms sampling periods
            sent = 0
            while sent < size or time.monotonic() < deadline:
                cli.sendall(chunk)
                sent += len(chunk)
                if sent >= size:
                    time.sleep(0.05)
        t.join(20)
        return time.monotonic() - start

    def test_srtt(self) -> None:
        """A bulk transfer gives kernel srtt samples, every one in a plausible
        bucket for a veth pair (at most 16 ms), at most one per 100 ms; with
        latency.srtt off the program is not attached, the family has no
        series and pktlens_feature_enabled says it is off."""
        self.require_btf_tracing()
        net = self.net
        d = self.start(config(), self.pin())
        self.ready(d)
        self.assertRegex(d.log(), r"tracepoints attached: .*tp_tcp_probe")
        self.collections(d, 1)
        before = self.scrape()
        lived = self._bulk(5571)
        self.collections(d, 2)
        m = self.scrape()
        count = m.get("pktlens_tcp_srtt_seconds_count") - before.get("pktlens_tcp_srtt_seconds_count")
        total = m.get("pktlens_tcp_srtt_seconds_sum") - before.get("pktlens_tcp_srtt_seconds_sum")
        self.assertGreater(count, 0, "srtt samples from a bulk transfer")
        buckets = sorted((float(dict(k)["le"]), v) for k, v in m.series("pktlens_tcp_srtt_seconds_bucket").items())
        self.assertEqual(buckets[-1], (float("inf"), m.get("pktlens_tcp_srtt_seconds_count")))
        self.assertEqual([v for _, v in buckets], sorted(v for _, v in buckets), "cumulative buckets")
        # A veth pair's RTT is tens of microseconds; 16 ms leaves a margin
        # of a hundred for a loaded machine.
        le_16ms = m.get("pktlens_tcp_srtt_seconds_bucket", le="0.016777216")
        self.assertEqual(le_16ms, m.get("pktlens_tcp_srtt_seconds_count"), "srtt samples above 16 ms on a veth")
        self.assertTrue(0 < total / count < 0.016, f"mean srtt {total / count} s")
        # The sampling: the first estimate, then at most one per 100 ms; the
        # scrapes' own connections over A's loopback add at most one each.
        self.assertLessEqual(count, 1 + lived / 0.1 + 2, f"srtt samples of one connection that lived {lived:.2f} s")
        self.assertEqual(d.terminate(), 0)

        d2 = self.start(config(extra="latency:\n  srtt: false\nloss:\n  drops: false\n"), self.pin())
        self.ready(d2)
        log = d2.log()
        self.assertRegex(log, r"tracepoints attached: tp_tcp_retransmit_skb, tp_tcp_retransmit_synack\n")
        self._bulk(5572)
        self.collections(d2, 2)
        m2 = self.scrape()
        self.assertFalse(m2.has("pktlens_tcp_srtt_seconds_count"), "srtt family with latency.srtt off")
        self.assertFalse(m2.has("pktlens_drops_total"), "drops family with loss.drops off")
        self.assertTrue(m2.has("pktlens_tcp_retransmits_total"), "retransmits stay on")
        # Declared all the same, and the feature gauge tells off from quiet.
        self.assertIn("\n# TYPE pktlens_tcp_srtt_seconds histogram\n", m2.text)
        self.assertIn("\n# TYPE pktlens_drops_total counter\n", m2.text)
        self.assertEqual(m2.get("pktlens_feature_enabled", feature="tcp_srtt"), 0)
        self.assertEqual(m2.get("pktlens_feature_enabled", feature="drops"), 0)
        self.assertEqual(m2.get("pktlens_feature_enabled", feature="retransmits"), 1)
        progs = run(["bpftool", "prog", "show"]).stdout
        self.assertNotIn("tp_tcp_probe", progs, "a switched-off program is loaded")


if __name__ == "__main__":
    main()
