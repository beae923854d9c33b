# SPDX-License-Identifier: Apache-2.0
"""Debian's Prometheus and Alertmanager as test peers, inside a test's
network namespace (so they reach pktlensd on that namespace's loopback),
on 127.0.0.1 ports that are free there. Started and ended by PID; their
data directories are the test's temporary files."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import urllib.parse

from harness import CLEANUP, end_process, in_netns, in_ns_cmd, ns_run, tmp_path, unique, wait_until

PROMETHEUS = "/usr/bin/prometheus"
ALERTMANAGER = "/usr/bin/prometheus-alertmanager"


def free_port(ns: str) -> int:
    """A TCP port nobody listens on in `ns` (the kernel's pick)."""
    with in_netns(ns):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]


class _Process:
    """A long-running peer in `ns`, its output to a file, ended by PID."""

    def __init__(self, ns: str, name: str, cmd: list[str]) -> None:
        self.name = name
        self.log_path = tmp_path(f"{name}-{unique()}.log")
        self._log = open(self.log_path, "w")
        # nsenter execs the command: the PID is the peer's.
        self.proc = subprocess.Popen(in_ns_cmd(ns) + cmd, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT)
        self._token = CLEANUP.add(f"stop {name} {self.proc.pid}", self._stop)

    def log(self) -> str:
        self._log.flush()
        with open(self.log_path) as f:
            return f.read()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def _stop(self) -> None:
        end_process(self.proc)
        self._log.close()

    def close(self) -> None:
        CLEANUP.run(self._token)


def scrape_job(job: str, port: int, scheme: str = "http", ca_file: str = "",
               server_name: str = "", basic_auth: tuple[str, str] | None = None) -> str:
    """One entry of Prometheus' scrape_configs: `job` scraping
    127.0.0.1:`port` over `scheme`, verifying the server with `ca_file`
    (as `server_name`) and sending `basic_auth` (user, password) if given."""
    text = f"  - job_name: {job}\n    scheme: {scheme}\n"
    if ca_file or server_name:
        text += "    tls_config:\n"
        text += f"      ca_file: {ca_file}\n" if ca_file else ""
        text += f"      server_name: {server_name}\n" if server_name else ""
    if basic_auth:
        text += (f"    basic_auth:\n      username: {basic_auth[0]}\n"
                 f"      password: {basic_auth[1]}\n")
    return text + f"    static_configs:\n      - targets: ['127.0.0.1:{port}']\n"


class PromStack:
    """Alertmanager, then Prometheus scraping 127.0.0.1:`pktlens_port` every
    `scrape_interval` (1s unless said), evaluating `rules_file` every
    second and sending to that Alertmanager with a 1 s resend delay.

    `jobs` (scrape_job() entries) replace the one plain job pktlens on
    `pktlens_port`; without `rules_file` there is no Alertmanager and no
    rule: Prometheus alone, as a scraper."""

    def __init__(self, ns: str, pktlens_port: int, rules_file: str | None = None,
                 scrape_interval: str = "1s", jobs: list[str] | None = None) -> None:
        self.ns = ns
        self.dir = tmp_path(f"promstack-{unique()}")
        os.makedirs(self.dir)
        CLEANUP.add(f"remove {self.dir}", lambda: shutil.rmtree(self.dir, ignore_errors=True))
        self.alertmanager: _Process | None = None
        alerting = ""
        if rules_file:
            self.am_port = free_port(ns)
            am_cfg = os.path.join(self.dir, "alertmanager.yml")
            with open(am_cfg, "w") as f:
                f.write("route:\n  receiver: discard\n  group_wait: 1s\n  group_interval: 1s\n"
                        "  repeat_interval: 1h\nreceivers:\n  - name: discard\n")
            self.alertmanager = _Process(ns, "alertmanager", [
                ALERTMANAGER, f"--config.file={am_cfg}",
                f"--storage.path={os.path.join(self.dir, 'am-data')}",
                f"--web.listen-address=127.0.0.1:{self.am_port}",
                "--cluster.listen-address=",  # no HA gossip: nothing leaves 127.0.0.1
            ])
            rules = os.path.join(self.dir, "rules.yml")
            shutil.copyfile(rules_file, rules)
            alerting = (f"rule_files: [{rules}]\n"
                        "alerting:\n  alertmanagers:\n    - static_configs:\n"
                        f"        - targets: ['127.0.0.1:{self.am_port}']\n")
        self.prom_port = free_port(ns)
        while self.alertmanager and self.prom_port == self.am_port:
            self.prom_port = free_port(ns)

        prom_cfg = os.path.join(self.dir, "prometheus.yml")
        with open(prom_cfg, "w") as f:
            f.write(f"global:\n  scrape_interval: {scrape_interval}\n  evaluation_interval: 1s\n"
                    + alerting + "scrape_configs:\n"
                    + "".join(jobs if jobs is not None else [scrape_job("pktlens", pktlens_port)]))
        self.prometheus = _Process(ns, "prometheus", [
            PROMETHEUS, f"--config.file={prom_cfg}",
            f"--storage.tsdb.path={os.path.join(self.dir, 'prom-data')}",
            f"--web.listen-address=127.0.0.1:{self.prom_port}",
            "--rules.alert.resend-delay=1s",
        ])
        if self.alertmanager:
            wait_until(lambda: self._ready(self.am_port, "/-/ready", self.alertmanager), 60,
                       what=f"Alertmanager ready; log:\n{self.alertmanager.log()}")
        wait_until(lambda: self._ready(self.prom_port, "/-/ready", self.prometheus), 60,
                   what=f"Prometheus ready; log:\n{self.prometheus.log()}")

    def _ready(self, port: int, path: str, proc: _Process) -> bool:
        if not proc.alive():
            raise AssertionError(f"{proc.name} exited {proc.proc.returncode}; log:\n{proc.log()}")
        return self._get(port, path, check=False) is not None

    def _get(self, port: int, path: str, check: bool = True):
        p = ns_run(self.ns, ["curl", "-sS", "--fail", "--max-time", "5",
                             f"http://127.0.0.1:{port}{path}"], check=False)
        if p.returncode != 0:
            if check:
                raise AssertionError(f"GET 127.0.0.1:{port}{path} in {self.ns}: {p.stderr.strip()}")
            return None
        return p.stdout

    def query(self, promql: str) -> list:
        """Prometheus' instant query result vector."""
        out = self._get(self.prom_port, "/api/v1/query?query=" + urllib.parse.quote(promql))
        body = json.loads(out)
        assert body["status"] == "success", body
        return body["data"]["result"]

    def targets_up(self) -> bool:
        return any(float(r["value"][1]) == 1.0 for r in self.query('up{job="pktlens"}'))

    def up(self, job: str) -> float | None:
        """up{job=`job`}, or None before its first scrape."""
        result = self.query(f'up{{job="{job}"}}')
        return float(result[0]["value"][1]) if result else None

    def target_error(self, job: str) -> str:
        """The lastError of `job`'s target ('' when its last scrape worked)."""
        targets = json.loads(self._get(self.prom_port, "/api/v1/targets"))["data"]["activeTargets"]
        return next((t.get("lastError", "") for t in targets if t["labels"].get("job") == job), "")

    def rule_groups(self) -> list:
        return json.loads(self._get(self.prom_port, "/api/v1/rules"))["data"]["groups"]

    def prometheus_alerts(self) -> list:
        """Prometheus' own view: pending and firing alerts."""
        return json.loads(self._get(self.prom_port, "/api/v1/alerts"))["data"]["alerts"]

    def alertmanager_alerts(self) -> list:
        """Alertmanager's active alerts (resolved ones are not listed)."""
        return json.loads(self._get(self.am_port, "/api/v2/alerts?active=true"))

    def logs(self) -> str:
        return (f"--- prometheus\n{self.prometheus.log()[-4000:]}\n"
                + (f"--- alertmanager\n{self.alertmanager.log()[-4000:]}" if self.alertmanager else ""))

    def close(self) -> None:
        self.prometheus.close()
        if self.alertmanager:
            self.alertmanager.close()
