#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""VLAN cardinality from the wire: frames with thousands of distinct tags
from B leave /metrics bounded (vlans.top_k series and one vlan="other"),
the VLAN series sum exactly to every tagged packet at each scrape, idle
entries leave the kernel table with their counts kept in "other", a VLAN
that comes later gets an entry (not vlan_overflow), and "other" keeps its
value across a restart. Same harness as the other e2e tests (harness.py).

    sudo /usr/bin/python3 tests/e2e/test_vlans.py build/daemon/pktlensd Vlans.test_tag_flood_stays_bounded
"""

from __future__ import annotations

import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import E2E, IF, Metrics, Net, Sender, config, main, wait_until  # noqa: E402

TOP_K = 20
TABLE = 1024
FLOOD_TAGS = 3000  # more than the table holds: some land in vlan_overflow
HEAVY_VLAN, HEAVY_FRAMES = 7, 50
LATE_VLAN, LATE_FRAMES = 4000, 5


def tagged(vid: int) -> bytes:
    """One 802.1Q frame from B to A with an experimental ethertype (0x88B5)
    inside, which no stack on either side answers."""
    mac = lambda s: bytes.fromhex(s.replace(":", ""))  # noqa: E731
    return (mac(Net.MAC_A) + mac(Net.MAC_B) + struct.pack("!HHH", 0x8100, vid, 0x88B5)
            + bytes(46))


class Vlans(E2E):
    def vlan_sums(self, m: Metrics) -> tuple[dict[str, float], float, float]:
        """Ingress of IF: {vlan: packets}, and the overflow's packets and
        every ingress packet pktlens counted (all of them tagged here)."""
        series = {dict(k)["vlan"]: v for k, v in
                  m.series("pktlens_vlan_packets_total", interface=IF, dir="ingress").items()}
        overflow = m.get("pktlens_vlan_overflow_packets_total", interface=IF, dir="ingress")
        total = m.get("pktlens_packets_total", interface=IF, dir="ingress")
        return series, overflow, total

    def assert_exact(self, m: Metrics) -> dict[str, float]:
        series, overflow, total = self.vlan_sums(m)
        self.assertEqual(sum(series.values()) + overflow, total, f"series {series}")
        vb = m.get("pktlens_vlan_bytes_total", interface=IF, dir="ingress")
        ob = m.get("pktlens_vlan_overflow_bytes_total", interface=IF, dir="ingress")
        self.assertEqual(vb + ob, m.get("pktlens_bytes_total", interface=IF, dir="ingress"))
        return series

    def test_tag_flood_stays_bounded(self) -> None:
        net = self.net
        cfg = config(extra=f"vlans:\n  max_entries: {TABLE}\n  top_k: {TOP_K}\n  idle_timeout: 4s\n")
        pin = self.pin()
        # Quiet before pktlensd attaches: the MLD reports right after the
        # link comes up are untagged and would count in the totals.
        net.wait_quiet()
        d = self.start(cfg, pin)
        self.ready(d)
        self.collections(d, 2)
        self.assertEqual(self.vlan_sums(self.scrape())[2], 0, "the link was not quiet")

        sender = Sender(net.b, Net.IF_B)
        self.addCleanup(sender.close)
        sender.send(tagged(HEAVY_VLAN) for _ in range(HEAVY_FRAMES))
        sender.send(tagged(vid) for vid in range(1, FLOOD_TAGS + 1))
        self.collections(d, 2)
        m = self.scrape()
        series = self.assert_exact(m)
        _, overflow, total = self.vlan_sums(m)
        self.assertEqual(total, HEAVY_FRAMES + FLOOD_TAGS)
        self.assertGreater(overflow, 0, "the flood should overfill the table")
        # Bounded: top_k VLANs and "other", not one series per tag.
        self.assertEqual(len(series), TOP_K + 1, sorted(series))
        self.assertEqual(series[str(HEAVY_VLAN)], HEAVY_FRAMES + 1)
        other_before = series["other"]

        # Idle entries expire: the table empties, "other" keeps every count.
        def expired() -> bool:
            s = self.vlan_sums(self.scrape())[0]
            return list(s) == ["other"]
        wait_until(expired, 30, what="every VLAN entry expired")
        series = self.assert_exact(self.scrape())
        self.assertGreaterEqual(series["other"], other_before)
        self.assertEqual(series["other"], HEAVY_FRAMES + FLOOD_TAGS - overflow)

        # A VLAN that comes later gets an entry again, not vlan_overflow.
        sender.send(tagged(LATE_VLAN) for _ in range(LATE_FRAMES))
        self.collections(d, 2)
        m = self.scrape()
        series = self.assert_exact(m)
        self.assertEqual(series[str(LATE_VLAN)], LATE_FRAMES)
        self.assertEqual(self.vlan_sums(m)[1], overflow)
        other_before = series["other"]

        # A restart keeps "other" (pinned) and the sums exact.
        self.assertEqual(d.terminate(), 0, d.log())
        d = self.start(cfg, pin)
        self.ready(d)
        self.collections(d, 2)
        series = self.assert_exact(self.scrape())
        # The late VLAN may have expired meanwhile (into "other"): together
        # they are what they were, and "other" did not go down.
        self.assertGreaterEqual(series["other"], other_before)
        self.assertEqual(series["other"] + series.get(str(LATE_VLAN), 0), other_before + LATE_FRAMES)


if __name__ == "__main__":
    main()
