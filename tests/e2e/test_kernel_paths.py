#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Every optional kernel feature has a fallback that gives the same numbers.
PKTLENS_FORCE_FALLBACK=all makes pktlensd take every fallback on a kernel
that has the fast paths (no map iterator, no mmapable arrays so no touch
log, no batch map operations so the flow table is walked key by key, no
tcx hooks so the TC programs are clsact filters): the
log says so, and every packet still counts, per interface and per flow.
Same harness as the other e2e tests (harness.py).

    sudo /usr/bin/python3 tests/e2e/test_kernel_paths.py build/daemon/pktlensd KernelPaths.test_forced_fallbacks_count_exactly
"""

from __future__ import annotations

import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import E2E, IF, PORT, FlowWatcher, by, config, delta, in_netns, main, pktlens_filters  # noqa: E402

FLOWS = 20      # UDP flows B -> A, one source port each
PER_FLOW = 25   # datagrams per flow and round
PAYLOAD = 64


class KernelPaths(E2E):
    def test_forced_fallbacks_count_exactly(self) -> None:
        net = self.net
        d = self.start(config(), self.pin(), prefix=["env", "PKTLENS_FORCE_FALLBACK=all"])
        self.ready(d)
        log = d.log()
        for line in ("map iterators unavailable", "mmapable arrays unavailable",
                     "batch map ops unavailable", "tcx hooks unavailable", "walked by key walk",
                     "with tc (clsact filters)"):
            self.assertIn(line, log, f"pktlensd's log does not say '{line}':\n{log}")
        self.assert_one_filter_each()
        for direction in ("ingress", "egress"):
            self.assertIn("handle 0x706b", pktlens_filters(net.a, IF, direction)[0], "not a clsact filter")
        net.wait_quiet()
        self.collections(d, 2)
        before = self.scrape()
        watcher = FlowWatcher(net.a, PORT)
        try:
            with in_netns(net.b):
                socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(FLOWS)]
            for i, s in enumerate(socks):
                s.bind((net.B4, 41000 + i))
            # Two rounds, a collection apart: the second cycle walks a table
            # whose flows it has seen, key by key, and adds the deltas.
            for _ in range(2):
                for s in socks:
                    for _ in range(PER_FLOW):
                        s.sendto(b"p" * PAYLOAD, (net.A4, 9))
                net.wait_quiet(quiet_for=1.0)
                self.collections(d, 2)
            for s in socks:
                s.close()
        finally:
            watcher.stop()
        after = self.scrape()
        frame = 14 + 20 + 8 + PAYLOAD
        udp = by(delta(after.series("pktlens_packets_total", interface=IF, l4="udp"),
                       before.series("pktlens_packets_total", interface=IF, l4="udp")), "dir")
        self.assertEqual(udp.get(("ingress",), 0), FLOWS * PER_FLOW * 2)
        for i in range(FLOWS):
            packets, octets = watcher.flow(interface=IF, dir="ingress", proto="udp", src=net.B4,
                                           dst=net.A4, sport=str(41000 + i), dport="9", vlan="0")
            self.assertEqual(packets, PER_FLOW * 2, f"flow {41000 + i}")
            self.assertEqual(octets, PER_FLOW * 2 * frame, f"flow {41000 + i}")


if __name__ == "__main__":
    main()
