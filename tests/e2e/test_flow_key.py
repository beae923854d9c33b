#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""flows.key through a real scrape: with [proto, src, dst, service_port],
ten TCP connections of one client to one service are one flow per
direction, exported with an empty sport (or dport) label and every packet
of the ten connections; under the default key they are ten flows. Same
harness as the other e2e tests (harness.py).

    sudo /usr/bin/python3 tests/e2e/test_flow_key.py build/daemon/pktlensd FlowKey.test_service_port_key
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (E2E, IF, PORT, TCP_PORT, FlowWatcher, by, config, delta, main,  # noqa: E402
                     tcp_exchange)

CONNECTIONS = 10


class FlowKey(E2E):
    def run_connections(self, key: str | None) -> tuple[list[dict], FlowWatcher, dict, list[int]]:
        net = self.net
        flows = ("flows:\n  max_entries: 4096\n  top_k: 100\n  idle_timeout: 60s\n"
                 + (f"  key: {key}\n" if key else ""))
        d = self.start(config(flows=False, extra=flows), self.pin())
        self.ready(d)
        net.wait_quiet()
        self.collections(d, 2)
        before = self.scrape()
        watcher = FlowWatcher(net.a, PORT)
        try:
            ports = [tcp_exchange(net) for _ in range(CONNECTIONS)]
            net.wait_quiet(quiet_for=1.0)
            self.collections(d, 3)
        finally:
            watcher.stop()
        tcp = by(delta(self.scrape().series("pktlens_packets_total", interface=IF, l4="tcp"),
                       before.series("pktlens_packets_total", interface=IF, l4="tcp")), "dir")
        return watcher.flows(), watcher, tcp, ports

    def test_service_port_key(self) -> None:
        net = self.net
        flows, watcher, tcp, _ = self.run_connections("[proto, src, dst, service_port]")
        tcp_flows = [f for f in flows if f.get("proto") == "tcp"]
        self.assertEqual(len(tcp_flows), 2, f"one flow per direction: {tcp_flows}")
        into_a, _ = watcher.flow(interface=IF, dir="ingress", proto="tcp", src=net.B4, dst=net.A4,
                                 sport="", dport=str(TCP_PORT), vlan="")
        out_of_a, _ = watcher.flow(interface=IF, dir="egress", proto="tcp", src=net.A4, dst=net.B4,
                                   sport=str(TCP_PORT), dport="", vlan="")
        # Every TCP packet of the ten connections, in one flow each way.
        self.assertEqual(into_a, tcp[("ingress",)], f"flows: {tcp_flows}")
        self.assertEqual(out_of_a, tcp[("egress",)], f"flows: {tcp_flows}")

    def test_default_key_one_flow_per_connection(self) -> None:
        flows, _, _, ports = self.run_connections(None)
        ingress = {f["sport"] for f in flows if f.get("proto") == "tcp" and f["dir"] == "ingress"}
        self.assertEqual(ingress, {str(p) for p in ports})


if __name__ == "__main__":
    main()
