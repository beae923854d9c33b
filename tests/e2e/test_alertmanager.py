#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The path to Alertmanager (docs/alerting.md): Debian's real Prometheus
scrapes pktlensd and loads the rules `pktlensd rules` printed for the same
config; a burst of truncated frames makes the alert appear in Debian's
real Alertmanager (/api/v2/alerts) with the alert's labels and summary, and
it leaves Alertmanager once the burst has stopped. pktlensd, Prometheus and
Alertmanager all run in namespace A, on A's loopback. Same harness as
test_e2e.py.

    sudo /usr/bin/python3 tests/e2e/test_alertmanager.py build/daemon/pktlensd -k test_alertmanager

The signal is anomaly_rate because its data exists today; issue #5's
SynFlood scenario is the same path with tcp_half_open.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import test_e2e as base  # noqa: E402
from e2e_support import CLEANUP, Sender, ns_run, tmp_path, unique, wait_until  # noqa: E402
from test_alerts import truncated_frames  # noqa: E402

PROMETHEUS_PORT = 19090
ALERTMANAGER_PORT = 19093

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


class Background:
    """A server process in a namespace, stderr to a file, killed by PID."""

    def __init__(self, ns: str, cmd: list[str], name: str) -> None:
        self.log_path = tmp_path(f"{name}-{unique()}.log")
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(["nsenter", f"--net=/run/netns/{ns}", "--"] + cmd,
                                     stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log)
        self._token = CLEANUP.add(f"kill {name} {self.proc.pid}", self._reap)

    def _reap(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()

    def close(self) -> None:
        CLEANUP.run(self._token)

    def log(self) -> str:
        self._log.flush()
        with open(self.log_path) as f:
            return f.read()


def get_json(ns: str, url: str):
    p = ns_run(ns, ["curl", "-sS", "--max-time", "5", url], check=False)
    if p.returncode != 0:
        return None
    return json.loads(p.stdout)


class Alertmanager(base.E2E):
    def write(self, name: str, text: str) -> str:
        path = tmp_path(f"{name}-{unique()}")
        with open(path, "w") as f:
            f.write(text)
        return path

    def alerts(self) -> list[dict]:
        body = get_json(self.net.a, f"http://127.0.0.1:{ALERTMANAGER_PORT}/api/v2/alerts")
        return [a for a in body or [] if a["labels"].get("alertname") == "TruncatedFrames"]

    def test_alertmanager(self) -> None:
        ns = self.net.a
        cfg = base.config(extra=ALERTS)
        # The rules, as an operator makes them; a 5s window for 1s scrapes.
        rules = subprocess.run([base.PKTLENSD, "rules", "--config", cfg, "--rate-window", "5s"],
                               check=True, capture_output=True, text=True).stdout
        rules_path = self.write("rules.yml", rules)

        am_dir = tmp_path(f"alertmanager-{unique()}")
        os.makedirs(am_dir)
        am_cfg = self.write("alertmanager.yml", "route:\n  receiver: none\nreceivers:\n  - name: none\n")
        am = Background(ns, ["prometheus-alertmanager", f"--config.file={am_cfg}",
                             f"--storage.path={am_dir}",
                             f"--web.listen-address=127.0.0.1:{ALERTMANAGER_PORT}",
                             "--cluster.listen-address="], "alertmanager")
        self.addCleanup(am.close)

        prom_dir = tmp_path(f"prometheus-{unique()}")
        os.makedirs(prom_dir)
        prom_cfg = self.write("prometheus.yml", f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - {rules_path}
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:{ALERTMANAGER_PORT}"]
scrape_configs:
  - job_name: pktlens
    static_configs:
      - targets: ["127.0.0.1:{base.PORT}"]
""")
        prom = Background(ns, ["prometheus", f"--config.file={prom_cfg}",
                              f"--storage.tsdb.path={prom_dir}",
                              f"--web.listen-address=127.0.0.1:{PROMETHEUS_PORT}",
                              "--rules.alert.resend-delay=1s"], "prometheus")
        self.addCleanup(prom.close)

        d = self.start(cfg, self.pin())
        self.ready(d)

        def up() -> bool:
            r = get_json(ns, f"http://127.0.0.1:{PROMETHEUS_PORT}/api/v1/query?query=up")
            return bool(r and any(s["value"][1] == "1" for s in r["data"]["result"]))

        def rule_loaded() -> bool:
            r = get_json(ns, f"http://127.0.0.1:{PROMETHEUS_PORT}/api/v1/rules")
            return bool(r and any(rule["name"] == "TruncatedFrames"
                                  for g in r["data"]["groups"] for rule in g["rules"]))

        try:
            wait_until(up, 90, 0.5, what="Prometheus scraping pktlensd")
            wait_until(rule_loaded, 30, 0.5, what="Prometheus loading the rules")
            wait_until(lambda: get_json(ns, f"http://127.0.0.1:{ALERTMANAGER_PORT}/api/v2/status"),
                       60, 0.5, what="Alertmanager")
        except AssertionError as e:
            raise AssertionError(f"{e}\nprometheus:\n{prom.log()[-3000:]}\n"
                                 f"alertmanager:\n{am.log()[-3000:]}") from None
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
        try:
            found = wait_until(self.alerts, 40, 0.5, what="the alert in Alertmanager")
        except AssertionError as e:
            raise AssertionError(f"{e}\nprometheus:\n{prom.log()[-3000:]}\npktlensd:\n{d.log()}") from None
        finally:
            stop.set()
            t.join()

        self.assertEqual(len(found), 1, found)
        self.assertEqual(found[0]["labels"], {
            "alertname": "TruncatedFrames", "severity": "critical",
            "instance": f"127.0.0.1:{base.PORT}", "interface": base.IF, "kind": "truncated"})
        self.assertEqual(found[0]["annotations"]["summary"], f"truncated frames on {base.IF}")
        self.assertEqual(found[0]["status"]["state"], "active")
        # The daemon saw the same alert.
        self.assertIn("alert TruncatedFrames firing: interface=\"vethA\" kind=\"truncated\"", d.log())

        # The burst is over: once the 5s rate window has passed, Prometheus
        # resolves the alert and Alertmanager no longer lists it.
        wait_until(lambda: not self.alerts(), 60, 0.5, what="the alert to resolve in Alertmanager")
        wait_until(lambda: "alert TruncatedFrames resolved" in d.log(), 20, what="the daemon's resolved line")

        self.assertEqual(d.terminate(), 0, f"exit status on SIGTERM; log:\n{d.log()}")


def main() -> None:
    args = sys.argv[1:]
    if not args or not os.access(args[0], os.X_OK):
        sys.exit(f"usage: {sys.argv[0]} PATH/TO/pktlensd [unittest options]")
    base.PKTLENSD = os.path.abspath(args.pop(0))
    if os.geteuid() != 0:
        sys.exit("the end-to-end tests need root (network namespaces, BPF)")
    import unittest
    unittest.main(argv=[sys.argv[0]] + args, verbosity=2)


if __name__ == "__main__":
    main()
