#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Threat signals and alerts end to end (issue #5), same harness and
namespaces as test_e2e.py: pktlensd in A watches vethA; floods come from B
with spoofed sources in 198.19.0.0/16 (A has no route there, so it answers
nobody, and nothing leaves the two namespaces).

  syn_flood_alert  6000 spoofed SYNs to a listener in A: exact counts per
                 destination, the daemon's SynFlood alert fires within
                 interval + for and clears after the flood (the same flood
                 through Prometheus and Alertmanager: test_alertmanager.py).
  exhaustion     a spoofed-source UDP flood 25x flows.max_entries: the
                 table fills, flow_table_fill fires, /metrics and memory
                 stay bounded, the per-interface totals stay exact.

    sudo /usr/bin/python3 tests/e2e/test_flood_alerts.py build/daemon/pktlensd FloodAlerts.test_exhaustion
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from scapy.layers.inet import IP, UDP  # noqa: E402
from scapy.layers.l2 import Ether  # noqa: E402

from harness import (  # noqa: E402
    E2E, FLOOD_PORT, IF, SYN_FLOOD_ALERT, Flood, Net, config, listener, main, spoofed_syns, wait_until,
)

# More than CTest's default 180 s (tests/CMakeLists.txt): two floods.
CTEST_TIMEOUT = 240


def spoofed(i: int) -> str:
    return f"198.19.{(i >> 8) & 255}.{i & 255}"


def udp_frames(n: int, first: int = 0, dport: int = 9999) -> list[bytes]:
    return [bytes(Ether(src=Net.MAC_B, dst=Net.MAC_A)
                  / IP(src=spoofed(first + i), dst=Net.A4)
                  / UDP(sport=1024 + (first + i) % 60000, dport=dport) / (b"x" * 18))
            for i in range(n)]


def alert_lines(log: str, alert: str, what: str) -> list[str]:
    return [l for l in log.splitlines() if f"alert {alert} {what}:" in l]


class FloodAlerts(E2E):
    def firing(self, alert: str, **labels: str) -> float:
        m = self.scrape()
        return m.get("pktlens_alert_firing", alert=alert, **labels) if m.has(
            "pktlens_alert_firing", alert=alert, **labels) else 0.0

    def test_syn_flood_alert(self) -> None:
        cfg = config(extra=SYN_FLOOD_ALERT)
        d = self.start(cfg, self.pin())
        self.ready(d)
        srv = listener(self.net)
        self.addCleanup(srv.close)
        self.net.wait_quiet()
        before = self.scrape()
        dst = dict(dst=Net.A4, dport=str(FLOOD_PORT))
        syn0 = before.get("pktlens_tcp_syn_received_total", **dst) if before.has(
            "pktlens_tcp_syn_received_total", **dst) else 0.0

        # 6000 SYNs over 6 s: 1000 half-open/s against a threshold of 100.
        flood = Flood(self.net, spoofed_syns(6000, FLOOD_PORT), per_second=1000)
        # Fires within interval + for (1 s + 2 s); the wait allows two more
        # collections and scrapes on a loaded machine, and the flood lasts
        # 6 s: an alert that waited for its end would not be seen firing.
        wait_until(lambda: self.firing("SynFlood", **dst) == 1.0, 6,
                   what=f"SynFlood firing in pktlensd during the flood; log:\n{d.log()}")
        line = alert_lines(d.log(), "SynFlood", "firing")
        self.assertEqual(len(line), 1, d.log())
        self.assertIn(f'dst="{Net.A4}"', line[0])
        self.assertIn(f'dport="{FLOOD_PORT}"', line[0])
        self.assertIn("warning", line[0].lower())
        self.assertEqual(flood.join(), 6000)

        # Exact: every SYN sent, and nothing else, in the destination's count.
        self.collections(d, 2)
        m = self.scrape()
        self.assertEqual(m.get("pktlens_tcp_syn_received_total", **dst) - syn0, 6000.0)

        # The flood is over: resolved after clear_after, one line each way.
        wait_until(lambda: self.firing("SynFlood", **dst) == 0.0, 15,
                   what=f"SynFlood resolved; log:\n{d.log()}")
        wait_until(lambda: alert_lines(d.log(), "SynFlood", "resolved"), 10, what="the resolved line")
        self.assertEqual(len(alert_lines(d.log(), "SynFlood", "firing")), 1, d.log())
        self.assertEqual(d.terminate(), 0, d.log())

    def test_exhaustion(self) -> None:
        cfg = config(extra="""alerts:
  - name: FlowTableFull
    signal: flow_table_fill
    above: 0.75
    for: 0s
    clear_after: 1s
    severity: warning
    summary: "flow table {{value}} full"
""")
        with open(cfg) as f:
            text = f.read()
        small_table = text.replace("  max_entries: 4096\n", "  max_entries: 1024\n  max_new_per_second: 0\n"
                                   ).replace("  top_k: 100\n", "  top_k: 10\n")
        self.assertNotEqual(small_table, text)
        with open(cfg, "w") as f:
            f.write(small_table)
        d = self.start(cfg, self.pin())
        self.ready(d)
        self.net.wait_quiet()
        rx0 = self.net.counters()["rx"]
        before = self.scrape()
        small = len(self.scrape_text())

        # 5x the table in distinct spoofed sources, then 5x more.
        sent = Flood(self.net, udp_frames(5120), per_second=4000).join()
        self.collections(d, 2)
        wait_until(lambda: self.firing("FlowTableFull") == 1.0, 10,
                   what=f"FlowTableFull firing; entries "
                   f"{self.scrape().get('pktlens_flow_table_entries')}; log:\n{d.log()}")
        m1 = self.scrape()
        self.assertEqual(m1.get("pktlens_flow_table_capacity"), 1024)
        # Not 100%: each collection evicts the least recently seen flows of
        # a table over 90% full down to 85%.
        self.assertGreater(m1.get("pktlens_flow_table_entries"), 0.75 * 1024, d.log())
        self.assertLessEqual(m1.get("pktlens_flow_table_entries"), 0.9 * 1024, d.log())
        rss1 = d.rss_kib()
        size1 = len(self.scrape_text())

        sent += Flood(self.net, udp_frames(20480, first=5120), per_second=8000).join()
        self.collections(d, 2)
        rss2 = d.rss_kib()
        size2 = len(self.scrape_text())
        m2 = self.scrape()
        self.assertLessEqual(m2.get("pktlens_flow_table_entries"), 1024)
        # Bounded by top_k, not by the flood: at most 10 flow series more
        # than before the flood (each a few hundred bytes per family).
        self.assertLess(size1 - small, 20000, "the scrape grew with the flood")
        self.assertLess(abs(size2 - size1), 4000, "the scrape grew with the flood")
        # The mirror and the rest of pktlensd do not grow with 4x more flows.
        self.assertLess(rss2 - rss1, 8 * 1024, f"RSS {rss1} KiB -> {rss2} KiB")

        # Per-interface totals exact against the veth's own counters.
        rx = self.net.counters()["rx"]
        got = sum(v for k, v in m2.series("pktlens_packets_total", interface=IF,
                                          dir="ingress").items())
        was = sum(v for k, v in before.series("pktlens_packets_total", interface=IF,
                                              dir="ingress").items())
        self.assertEqual(got - was, rx["packets"] - rx0["packets"])
        self.assertEqual(rx["packets"] - rx0["packets"], sent)
        self.assertEqual(d.terminate(), 0, d.log())


if __name__ == "__main__":
    main()
