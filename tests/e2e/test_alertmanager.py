#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The path to Alertmanager (docs/alerting.md): Debian's real Prometheus
scrapes pktlensd and loads the rules `pktlensd rules` printed for the same
config; a burst of truncated frames makes the alert appear in Debian's
real Alertmanager (/api/v2/alerts) with the alert's labels and summary, and
it leaves Alertmanager once the burst has stopped. pktlensd, Prometheus and
Alertmanager all run in namespace A, on A's loopback. Same harness as
test_e2e.py.

    sudo /usr/bin/python3 tests/e2e/test_alertmanager.py build/daemon/pktlensd Alertmanager.test_alertmanager

The signal is anomaly_rate because its data exists today; issue #5's
SynFlood scenario is the same path with tcp_half_open.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    E2E, FLOOD_PORT, IF, PORT, SYN_FLOOD_ALERT, Flood, Sender, config, listener, main, pktlensd,
    spoofed_syns, tmp_path, truncated_frames, unique, wait_until,
)
from prom_stack import PromStack  # noqa: E402

# More than CTest's default 180 s (tests/CMakeLists.txt): Prometheus and
# Alertmanager start, fire and resolve.
CTEST_TIMEOUT = 240

ALERTS = """alerts:
  - name: TruncatedFrames
    signal: anomaly_rate
    by: [interface, kind]
    match: {kind: truncated}
    above: 0
    for: 2s
    severity: critical
    summary: "{{kind}} frames on {{interface}}"
"""


def rules_for(cfg: str, rate_window: str = "5s") -> str:
    """`pktlensd rules` for `cfg`, as an operator makes them, into a file;
    a 5 s rate window for 1 s scrapes."""
    p = subprocess.run([pktlensd(), "rules", "--config", cfg, "--rate-window", rate_window],
                       capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        raise AssertionError(f"pktlensd rules exited {p.returncode}: {p.stderr}")
    path = tmp_path(f"rules-{unique()}.yml")
    with open(path, "w") as f:
        f.write(p.stdout)
    return path


class Alertmanager(E2E):
    def stack(self, cfg: str) -> PromStack:
        """pktlensd on `cfg`, then Prometheus on its generated rules and
        Alertmanager, all in A; waits until the rules are loaded and
        pktlensd is scraped."""
        d = self.start(cfg, self.pin())
        self.ready(d)
        self.pktlensd = d
        st = PromStack(self.net.a, PORT, rules_for(cfg))
        self.addCleanup(st.close)
        wait_until(st.targets_up, 90, 0.5, what=f"Prometheus scraping pktlensd\n{st.logs()}")
        self.assertTrue(st.rule_groups(), "Prometheus loaded no rules")
        return st

    def named(self, st: PromStack, alert: str) -> list[dict]:
        return [a for a in st.alertmanager_alerts() if a["labels"].get("alertname") == alert]

    def alerts(self) -> list[dict]:
        return self.named(self.st, "TruncatedFrames")

    def test_alertmanager(self) -> None:
        cfg = config(extra=ALERTS)
        self.st = st = self.stack(cfg)
        d = self.pktlensd
        prom = st.prometheus
        self.assertEqual(self.alerts(), [], "an alert before any traffic")

        # A burst of truncated frames: 25 every 0.5 s for at most 30 s, until
        # Alertmanager has the alert.
        sender = Sender(self.net.b, self.net.IF_B)
        self.addCleanup(sender.close)
        stop = threading.Event()

        def burst() -> None:
            deadline = time.monotonic() + 30
            while not stop.is_set() and time.monotonic() < deadline:
                sender.send(truncated_frames(self.net))
                stop.wait(0.5)

        t = threading.Thread(target=burst)
        t.start()
        firing = "alert TruncatedFrames firing: interface=\"vethA\" kind=\"truncated\""
        try:
            found = wait_until(self.alerts, 40, 0.5, what="the alert in Alertmanager")
            # The daemon evaluates on its own: the burst goes on until it,
            # too, has seen the alert through its `for`.
            wait_until(lambda: firing in d.log(), 20, 0.5, what="the daemon's firing line")
        except AssertionError as e:
            raise AssertionError(f"{e}\nprometheus:\n{prom.log()[-3000:]}\npktlensd:\n{d.log()}") from None
        finally:
            stop.set()
            t.join()

        self.assertEqual(len(found), 1, found)
        self.assertEqual(found[0]["labels"], {
            "alertname": "TruncatedFrames", "severity": "critical",
            "instance": f"127.0.0.1:{PORT}", "interface": IF, "kind": "truncated"})
        self.assertEqual(found[0]["annotations"]["summary"], f"truncated frames on {IF}")
        self.assertEqual(found[0]["status"]["state"], "active")
        # The daemon saw the same alert, once.
        self.assertEqual(d.log().count(firing), 1, d.log())

        # The burst is over: once the 5s rate window has passed, Prometheus
        # resolves the alert and Alertmanager no longer lists it.
        wait_until(lambda: not self.alerts(), 60, 0.5, what="the alert to resolve in Alertmanager")
        wait_until(lambda: "alert TruncatedFrames resolved" in d.log(), 20, what="the daemon's resolved line")

        self.assertEqual(d.terminate(), 0, f"exit status on SIGTERM; log:\n{d.log()}")


    def test_syn_flood_alertmanager(self) -> None:
        """Issue #5's path: spoofed SYNs against a listener in A make
        SynFlood (tcp_half_open by dst, dport) appear in Alertmanager with
        its labels; it resolves after the flood."""
        cfg = config(extra=SYN_FLOOD_ALERT)
        st = self.stack(cfg)
        srv = listener(self.net)
        self.addCleanup(srv.close)
        self.assertEqual(self.named(st, "SynFlood"), [], "an alert before any traffic")

        # 10000 SYNs over 10 s: 1000 half-open/s against 100, for longer
        # than interval + for + Prometheus' evaluation and resend delays.
        flood = Flood(self.net, spoofed_syns(10000, FLOOD_PORT), per_second=1000)
        try:
            got = wait_until(lambda: self.named(st, "SynFlood"), 30, 0.5,
                             what=f"SynFlood in Alertmanager\n{st.logs()}")
        finally:
            sent = flood.join()
        self.assertEqual(sent, 10000)
        self.assertEqual(len(got), 1, got)
        self.assertEqual(got[0]["labels"], {
            "alertname": "SynFlood", "severity": "critical", "instance": f"127.0.0.1:{PORT}",
            "dst": self.net.A4, "dport": str(FLOOD_PORT)})
        self.assertEqual(got[0]["annotations"]["summary"],
                         f"SYN flood against {self.net.A4}:{FLOOD_PORT}")
        self.assertIn(f'alert SynFlood firing: dst="{self.net.A4}" dport="{FLOOD_PORT}"',
                      self.pktlensd.log())
        # Over: Prometheus resolves it (after the rule's keep_firing_for,
        # clear_after 2s) and Alertmanager no longer lists it.
        wait_until(lambda: not self.named(st, "SynFlood"), 60, 0.5,
                   what=f"SynFlood resolved in Alertmanager\n{st.logs()}")
        self.assertEqual(self.pktlensd.terminate(), 0, self.pktlensd.log())


if __name__ == "__main__":
    main()
