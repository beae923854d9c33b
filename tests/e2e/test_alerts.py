#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""In-daemon alerts (docs/alerting.md): a burst of truncated frames makes an
anomaly_rate alert fire (one WARNING line, pktlens_alert_firing 1), it
resolves after clear_after (one WARNING line, the series gone); an alert
that stays under its threshold never appears; SIGHUP with a broken alert
keeps the running alerts, a valid reload applies; the shipped alerts stay
silent on normal traffic. Same harness and namespaces as test_e2e.py
(harness.py).

    sudo /usr/bin/python3 tests/e2e/test_alerts.py build/daemon/pktlensd Alerts.test_alerts
    sudo /usr/bin/python3 tests/e2e/test_alerts.py build/daemon/pktlensd Alerts.test_quiet_defaults
"""

from __future__ import annotations

import os
import re
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    E2E, IF, TRUNCATED, Sender, config, main, tcp_exchange, truncated_frames, wait_until,
)

from scapy.layers.inet import ICMP, IP  # noqa: E402
from scapy.layers.l2 import Ether  # noqa: E402

ALERTS = """alerts:
  - name: Truncated
    signal: anomaly_rate
    by: [interface, kind]
    match: {kind: truncated}
    above: 0
    clear_after: 3s
    severity: warning
    summary: "{{kind}} frames on {{interface}}: {{value}}/s"
  - name: Quiet
    signal: packet_rate
    above: 1000000000
    severity: critical
"""

def lines(log: str, what: str) -> list[str]:
    return [l for l in log.splitlines() if what in l]


class Alerts(E2E):
    def test_alerts(self) -> None:
        cfg = config(extra=ALERTS)
        with open(cfg) as f:
            good = f.read()
        d = self.start(cfg, self.pin())
        self.ready(d)
        self.collections(d, 2)
        self.assertFalse(self.scrape().has("pktlens_alert_firing"), "an alert fired on a quiet link")

        sender = Sender(self.net.b, self.net.IF_B)
        self.addCleanup(sender.close)
        sender.send(truncated_frames(self.net))
        wait_until(lambda: lines(d.log(), "alert Truncated firing"), 20, what="the firing line")
        m = self.scrape()
        self.assertEqual(m.get("pktlens_anomalies_total", interface=IF, dir="ingress",
                               kind="truncated"), TRUNCATED)
        # clear_after 3s: still firing at this scrape, whatever the value is now.
        labels = dict(alert="Truncated", severity="warning", interface=IF, kind="truncated")
        self.assertEqual(m.get("pktlens_alert_firing", **labels), 1.0, m.text)
        self.assertEqual(len(m.series("pktlens_alert_firing")), 1)
        self.assertTrue(m.has("pktlens_alert_value", **labels))

        wait_until(lambda: lines(d.log(), "alert Truncated resolved"), 20, what="the resolved line")
        # Two: a STATUS= of the cycle before may still be on its way.
        self.collections(d, 2)
        self.assertFalse(self.scrape().has("pktlens_alert_firing"), "the alert did not go away")
        log = d.log()
        fired = lines(log, "alert Truncated firing")
        resolved = lines(log, "alert Truncated resolved")
        self.assertEqual(len(fired), 1, log)
        self.assertEqual(len(resolved), 1, log)
        self.assertRegex(fired[0], r" warning alert Truncated firing: interface=\"vethA\" "
                         r"kind=\"truncated\" value=[0-9.e+]+ above 0 \(warning\): truncated "
                         r"frames on vethA: [0-9.e+]+/s$")
        value = float(re.search(r"value=(\S+)", fired[0]).group(1))
        self.assertGreater(value, 0)
        self.assertRegex(resolved[0], r" warning alert Truncated resolved: interface=\"vethA\" "
                         r"kind=\"truncated\" value=0 above 0 \(warning\)")
        self.assertNotIn("alert Quiet", log)

        # A broken alert on reload: reported with FILE:LINE:COL, the running
        # alerts stay and still fire.
        with open(cfg, "w") as f:
            f.write(good.replace("signal: anomaly_rate", "signal: anomaly_rat"))
        os.kill(d.pid, signal.SIGHUP)
        wait_until(lambda: lines(d.log(), "reload failed"), 20, what="the reload error")
        self.assertRegex(lines(d.log(), "reload failed")[0],
                         re.escape(cfg) + r":\d+:13: alerts\[1\]\.signal: unknown signal "
                         r"'anomaly_rat', did you mean 'anomaly_rate'\?")
        sender.send(truncated_frames(self.net))
        wait_until(lambda: len(lines(d.log(), "alert Truncated firing")) == 2, 20,
                   what="the second firing line")

        # A valid reload that removes the alert resolves it at once.
        with open(cfg, "w") as f:
            f.write(good.replace(ALERTS, "alerts: []\n"))
        os.kill(d.pid, signal.SIGHUP)
        wait_until(lambda: lines(d.log(), "reload: 0 alerts now"), 20, what="the alert reload")
        self.assertEqual(len(lines(d.log(), "alert Truncated resolved")), 2, d.log())
        # Two: the first STATUS= counted may be of the cycle before the reload.
        self.collections(d, 2)
        self.assertFalse(self.scrape().has("pktlens_alert_firing"))

        self.assertEqual(d.terminate(), 0, f"exit status on SIGTERM; log:\n{d.log()}")

    def test_quiet_defaults(self) -> None:
        """The shipped alerts (no alerts: in the file) on normal traffic: TCP
        connections and pings. Nothing fires, nothing is even pending (no
        pktlens_alert_value series: no signal went above its threshold)."""
        d = self.start(config(), self.pin())
        self.ready(d)
        self.collections(d, 1)
        for _ in range(5):
            tcp_exchange(self.net)
        # Echo requests A answers (no ping binary needed).
        sender = Sender(self.net.b, self.net.IF_B)
        self.addCleanup(sender.close)
        sender.send(bytes(Ether(src=self.net.MAC_B, dst=self.net.MAC_A)
                          / IP(src=self.net.B4, dst=self.net.A4) / ICMP(id=7, seq=i) / (b"p" * 56))
                    for i in range(1, 6))
        self.collections(d, 3)
        m = self.scrape()
        self.assertGreater(m.get("pktlens_packets_total", interface=IF), 0)
        self.assertFalse(m.has("pktlens_alert_firing"), m.text)
        self.assertFalse(m.has("pktlens_alert_value"), m.text)
        self.assertNotIn(" alert ", d.log())
        self.assertEqual(d.terminate(), 0, f"exit status on SIGTERM; log:\n{d.log()}")


if __name__ == "__main__":
    main()
