#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Networks with the real pktlensd: a drop network holding one peer's
addresses drops exactly that peer's packets at ingress (TC and XDP) and
counts them as blocked; a peer in a count network still completes a TCP
handshake and is counted under its network; longest prefix wins. Same
harness and namespaces as test_e2e.py (harness.py).

    sudo /usr/bin/python3 tests/e2e/test_networks.py build/daemon/pktlensd Networks.test_networks_tc
"""

from __future__ import annotations

import os
import signal
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    E2E, IF, Net, by, config, delta, in_netns, main, promtool_check, run, tcp_exchange, wait_until,
)

# B's second addresses: the blocked peer. A has static neighbour entries for
# them, like for B's first ones, so nothing but the test's packets crosses.
BLOCKED4, BLOCKED6 = "198.18.0.3", "fd00:e2e::3"
UDP_PORT = 9999
PAYLOAD = 100
BLOCKED_SENT = 40   # per family
ALLOWED_SENT = 25   # IPv4, from B's first address

# The same networks in another order, for the restart.
REORDERED = f"""networks:
  local:
    prefixes: [198.18.0.0/24, "fd00:e2e::/64"]
  blocklist:
    prefixes: [{BLOCKED4}/32, "{BLOCKED6}/128"]
    action: drop
  partners:
    prefixes: [{Net.B4}/32, "{Net.B6}/128"]
"""

NETWORKS = f"""networks:
  partners:
    prefixes: [{Net.B4}/32, "{Net.B6}/128"]
  blocklist:
    prefixes: [{BLOCKED4}/32, "{BLOCKED6}/128"]
    action: drop
  local:
    prefixes: [198.18.0.0/24, "fd00:e2e::/64"]
"""


def udp_frame_len(v6: bool) -> int:
    return 14 + (40 if v6 else 20) + 8 + PAYLOAD


class Networks(E2E):
    def setUp(self) -> None:
        super().setUp()
        net = self.net
        run(["ip", "-n", net.b, "addr", "add", f"{BLOCKED4}/24", "dev", net.IF_B])
        run(["ip", "-n", net.b, "addr", "add", f"{BLOCKED6}/64", "dev", net.IF_B, "nodad"])
        for addr in (BLOCKED4, BLOCKED6):
            run(["ip", "-n", net.a, "neigh", "replace", addr, "lladdr", net.MAC_B, "nud", "permanent",
                 "dev", net.IF_A])

    def _receivers(self) -> list[socket.socket]:
        socks = []
        with in_netns(self.net.a):
            for fam, addr in ((socket.AF_INET, self.net.A4), (socket.AF_INET6, self.net.A6)):
                s = socket.socket(fam, socket.SOCK_DGRAM)
                s.bind((addr, UDP_PORT))
                s.setblocking(False)
                socks.append(s)
        for s in socks:
            self.addCleanup(s.close)
        return socks

    def _send_udp(self, src: str, dst: str, count: int) -> None:
        fam = socket.AF_INET6 if ":" in src else socket.AF_INET
        with in_netns(self.net.b):
            s = socket.socket(fam, socket.SOCK_DGRAM)
        with s:
            s.bind((src, 0))
            for _ in range(count):
                s.sendto(b"u" * PAYLOAD, (dst, UDP_PORT))

    @staticmethod
    def _received(socks: list[socket.socket]) -> dict[str, int]:
        """Datagrams received so far, by source address."""
        got: dict[str, int] = {}
        for s in socks:
            while True:
                try:
                    _, peer = s.recvfrom(65536)
                except BlockingIOError:
                    break
                got[peer[0]] = got.get(peer[0], 0) + 1
        return got

    def _scenario(self, attach: str) -> None:
        net = self.net
        pin = self.pin()
        d = self.start(config(attach=attach, extra=NETWORKS), pin)
        self.ready(d)
        net.wait_quiet()
        self.collections(d, 2)
        before = self.scrape()
        socks = self._receivers()

        self._send_udp(BLOCKED4, net.A4, BLOCKED_SENT)
        self._send_udp(BLOCKED6, net.A6, BLOCKED_SENT)
        self._send_udp(net.B4, net.A4, ALLOWED_SENT)
        tcp_exchange(net, request=500, response=500, client_addr=net.B4)  # must connect
        net.wait_quiet(quiet_for=1.0)
        self.collections(d, 2)
        after = self.scrape()

        # Dropped exactly: nothing from the blocked addresses reached A's
        # sockets, everything from the partner did.
        self.assertEqual(self._received(socks), {net.B4: ALLOWED_SENT}, "datagrams A received")

        blocked_bytes = BLOCKED_SENT * (udp_frame_len(False) + udp_frame_len(True))
        for name, want in (("pktlens_blocked_packets_total", 2 * BLOCKED_SENT),
                           ("pktlens_blocked_bytes_total", blocked_bytes)):
            got = delta(by(after.series(name), "network"), by(before.series(name), "network"))
            self.assertEqual(got, {("blocklist",): want}, f"{name} (only the drop network has it)")

        def nets(name: str) -> dict:
            return delta(by(after.series(name), "network", "dir", "side"),
                         by(before.series(name), "network", "dir", "side"))

        def iface(name: str, direction: str) -> float:
            return (after.get(name, interface=IF, dir=direction)
                    - before.get(name, interface=IF, dir=direction))

        pkts, octets = nets("pktlens_network_packets_total"), nets("pktlens_network_bytes_total")
        in_pkts = iface("pktlens_packets_total", "ingress")
        out_pkts = iface("pktlens_packets_total", "egress")
        # The dropped packets are in the interface totals as seen.
        self.assertEqual(pkts[("blocklist", "ingress", "src")], 2 * BLOCKED_SENT)
        self.assertEqual(octets[("blocklist", "ingress", "src")], blocked_bytes)
        # Every ingress packet came from B: from the partner or the blocked
        # peer (longest prefix: their /32 and /128, not local's /24 and /64).
        partner_in = pkts[("partners", "ingress", "src")]
        self.assertEqual(partner_in + 2 * BLOCKED_SENT, in_pkts, "ingress by source network")
        self.assertGreaterEqual(partner_in, ALLOWED_SENT + 3, "UDP + at least SYN, ACK, FIN")
        # Every packet to or from A has A's address: local on the other side.
        self.assertEqual(pkts[("local", "ingress", "dst")], in_pkts)
        expected = {("blocklist", "ingress", "src"), ("partners", "ingress", "src"),
                    ("local", "ingress", "dst")}
        if attach == "tc":  # XDP sees ingress only
            self.assertGreater(out_pkts, 0)
            self.assertEqual(pkts[("local", "egress", "src")], out_pkts)
            # A answered the partner only: nothing left A toward the blocked peer.
            self.assertEqual(pkts[("partners", "egress", "dst")], out_pkts)
            expected |= {("local", "egress", "src"), ("partners", "egress", "dst")}
        self.assertEqual(set(pkts), expected, "the networks, directions and sides that moved")
        self.assertEqual(octets[("partners", "ingress", "src")] + blocked_bytes,
                         iface("pktlens_bytes_total", "ingress"), "ingress bytes by source network")

        check = promtool_check(after.text)
        self.assertEqual((check.returncode, check.stdout + check.stderr), (0, ""),
                         "promtool check metrics on a scrape with networks")
        self.assertEqual(d.terminate(), 0, f"exit status on SIGTERM; log:\n{d.log()}")
        self.assert_nothing_attached()

        # Restarted on the same pin dir with the list reordered: every network
        # keeps its counters under its name (the link stayed quiet meanwhile).
        d2 = self.start(config(attach=attach, extra=REORDERED), pin)
        self.ready(d2)
        self.collections(d2, 1)
        again = self.scrape()
        for name in ("pktlens_network_packets_total", "pktlens_network_bytes_total",
                     "pktlens_blocked_packets_total", "pktlens_blocked_bytes_total"):
            self.assertEqual(again.series(name), after.series(name), f"{name} after a restart")

        # SIGHUP with another network list: the programs are loaded anew and
        # replace the running ones in place (TC or XDP); every network keeps
        # its counters under its name, the new one starts from 0.
        cfg = d2.cmd[d2.cmd.index("--config") + 1]
        with open(cfg) as f:
            text = f.read()
        with open(cfg, "w") as f:
            f.write(text.replace("log_level:", "  more:\n    prefixes: [198.19.0.0/16]\nlog_level:"))
        os.kill(d2.pid, signal.SIGHUP)
        wait_until(lambda: "configuration reloaded" in d2.log(), 20, what="the reload")
        self.assertIn(f"reload: networks changed; programs loaded anew and replaced in place on {IF}", d2.log())
        self.collections(d2, 1)
        reloaded = self.scrape()
        for name in ("pktlens_network_packets_total", "pktlens_network_bytes_total",
                     "pktlens_blocked_packets_total", "pktlens_blocked_bytes_total"):
            kept = {k: v for k, v in reloaded.series(name).items() if ("network", "more") not in k}
            self.assertEqual(kept, after.series(name), f"{name} after a reload")
            self.assertEqual(set(reloaded.series(name, network="more").values()) - {0.0}, set(),
                             f"{name} of the network the reload added")
        self.assertEqual(d2.terminate(), 0, f"exit status on SIGTERM; log:\n{d2.log()}")

    def test_networks_tc(self) -> None:
        self._scenario("tc")

    def test_networks_xdp(self) -> None:
        self._scenario("xdp")


if __name__ == "__main__":
    main()
