#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The top-K ranking window: a flow that sent one short burst is exported,
with its exact counts, at every scrape of a real Prometheus scraping every
15 s, for the default flows.top_k_window (60s) after it. Before the window
a flow was exported for one collection interval only (5 s), which a 15 s
scrape caught one time in three. Same harness as the other e2e tests.

    sudo /usr/bin/python3 tests/e2e/test_top_k_window.py build/daemon/pktlensd TopKWindow.test_burst_reaches_prometheus
"""

from __future__ import annotations

import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import E2E, IF, PORT, config, in_netns, main, tmp_path, wait_until  # noqa: E402
from prom_stack import PromStack  # noqa: E402

CTEST_TIMEOUT = 300

BURST = 200     # datagrams, sent within one second
PAYLOAD = 300   # bytes of UDP payload each
SPORT = 40777


class TopKWindow(E2E):
    def test_burst_reaches_prometheus(self) -> None:
        net = self.net
        # The product's interval (5s) and window (60s, the default).
        d = self.start(config(interval="5s"), self.pin())
        self.ready(d)
        rules = tmp_path("no-rules.yml")
        with open(rules, "w") as f:
            f.write("groups: []\n")
        stack = PromStack(net.a, PORT, rules, scrape_interval="15s")
        try:
            wait_until(stack.targets_up, 60, what=f"Prometheus scraping pktlensd\n{stack.logs()}")
            with in_netns(net.b):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            with s:
                s.bind((net.B4, SPORT))
                start = time.monotonic()
                for i in range(BURST):
                    s.sendto(b"x" * PAYLOAD, (net.A4, 9))
                    time.sleep(0.004)
                self.assertLess(time.monotonic() - start, 1.5)
            # Past the window, plus a scrape: every scrape since the burst.
            time.sleep(75)
            series = f'pktlens_flow_packets_total{{interface="{IF}",src="{net.B4}",sport="{SPORT}"}}'
            frame = 14 + 20 + 8 + PAYLOAD
            got = stack.query(f"max_over_time({series}[90s])")
            self.assertEqual(len(got), 1, f"the burst's flow is not in Prometheus: {got}")
            self.assertEqual(float(got[0]["value"][1]), BURST)
            self.assertEqual(float(stack.query(f"min_over_time({series}[90s])")[0]["value"][1]), BURST)
            byte_series = series.replace("pktlens_flow_packets_total", "pktlens_flow_bytes_total")
            self.assertEqual(float(stack.query(f"max_over_time({byte_series}[90s])")[0]["value"][1]),
                             BURST * frame)
            # Scraped at every scrape of the window that followed it: at 15 s
            # that is at least 60 / 15 = 4 samples.
            samples = float(stack.query(f"count_over_time({series}[90s])")[0]["value"][1])
            self.assertGreaterEqual(samples, 4, "scrapes that saw the flow")
        finally:
            stack.close()


if __name__ == "__main__":
    main()
