#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""End-to-end test of the flow bookkeeping invariant (docs/metrics.md, "Flow
bookkeeping"): a spoofed flood of 20,000 distinct flows against a
4,096-flow table, and after every collection, read from /metrics,

    table + untracked + unadmitted + expired + evicted == packets

per direction of the interface, in packets and in bytes. Same harness as
test_e2e.py (harness.py).

    sudo /usr/bin/python3 tests/e2e/test_flow_bookkeeping.py build/daemon/pktlensd \\
        FlowBookkeeping.test_flood_admission_off

Spoofed sources are from 198.19.0.0/16 (harness.spoofed_syns): A has no
route to them, so nothing answers and nothing leaves the namespaces.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import E2E, IF, Metrics, Sender, Net, config, main, spoofed_syns  # noqa: E402

FLOWS = 20000
BURST = 5000  # more than the table holds: every burst overflows it
DPORT = 7400

SIDES = ("pktlens_flow_table_{}", "pktlens_flow_untracked_{}_total",
         "pktlens_flow_unadmitted_{}_total", "pktlens_flow_expired_{}_total",
         "pktlens_flow_evicted_{}_total")


def flows_config(max_new_per_second: int | None) -> str:
    """A 4,096-flow table whose flows expire 3 s after their last packet;
    max_new_per_second as given (None: the product's default)."""
    admission = "" if max_new_per_second is None else f"  max_new_per_second: {max_new_per_second}\n"
    return config(flows=False, extra="flows:\n"
                  "  max_entries: 4096\n"
                  "  top_k: 10\n"
                  "  idle_timeout: 3s\n" + admission)


class FlowBookkeeping(E2E):

    def balance(self, m: Metrics) -> dict:
        """Checks the invariant on every direction of IF; returns what each
        side held, {(dir, family): value}."""
        seen = {}
        for d in ("ingress", "egress"):
            for unit in ("packets", "bytes"):
                total = sum(m.series(f"pktlens_{unit}_total", interface=IF, dir=d).values())
                parts = {f.format(unit): m.get(f.format(unit), interface=IF, dir=d) for f in SIDES}
                self.assertEqual(sum(parts.values()), total,
                                 f"{d} {unit}: {parts} do not add up to the interface's {total}")
                for k, v in parts.items():
                    seen[(d, k)] = v
        return seen

    def flood(self, max_new_per_second: int | None) -> dict:
        """The flood in bursts, the invariant checked after the collections
        that follow each one and after every flow expired; returns the last
        balance."""
        d = self.start(flows_config(max_new_per_second), self.pin())
        self.ready(d)
        self.net.wait_quiet()
        self.collections(d, 2)
        self.balance(self.scrape())
        frames = spoofed_syns(FLOWS, DPORT)
        sender = Sender(self.net.b, Net.IF_B)
        try:
            for i in range(0, FLOWS, BURST):
                sender.send(frames[i:i + BURST])
                # The books balance in a collection that reads a quiet link
                # (docs/metrics.md): the interface totals are read before
                # the flows, so one running while the burst still arrives
                # can find the flows ahead. Quiet, then two collections: the
                # second began after the last frame.
                self.net.wait_quiet(quiet_for=0.5)
                for _ in range(2):
                    self.collections(d, 2)
                    self.balance(self.scrape())
        finally:
            sender.close()
        # Everything idle: every flow expires with its final counters.
        self.collections(d, 5)
        seen = self.balance(self.scrape())
        self.assertEqual(seen[("ingress", "pktlens_flow_table_packets")], 0)
        m = self.scrape()
        self.assertEqual(m.get("pktlens_flow_table_entries"), 0)
        self.assertEqual(m.get("pktlens_flow_table_capacity"), 4096)
        return seen

    def test_flood_admission_off(self) -> None:
        """With no insert budget the table fills in every burst: the flows
        that do not fit are unadmitted, the least recently seen are
        evicted to make room, and the rest expire."""
        seen = self.flood(0)
        self.assertGreater(seen[("ingress", "pktlens_flow_unadmitted_packets_total")], 0)
        self.assertGreater(seen[("ingress", "pktlens_flow_evicted_packets_total")], 0)
        self.assertGreater(seen[("ingress", "pktlens_flow_expired_packets_total")], 0)

    def test_flood_default_admission(self) -> None:
        """The product's insert budget: the same books balance."""
        seen = self.flood(None)
        self.assertGreater(seen[("ingress", "pktlens_flow_expired_packets_total")], 0)


if __name__ == "__main__":
    main()
