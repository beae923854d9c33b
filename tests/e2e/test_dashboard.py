#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The Grafana dashboard packaging/grafana/pktlens.json (docs/dashboard.md),
checked two ways. Same harness as test_e2e.py (harness.py).

  dashboard_lint     without traffic: the JSON is what
                     scripts/gen_grafana_dashboard.py writes; every panel (rows' nested panels
                     included) has a title, a description and a unit, uses
                     the $datasource variable; every query selects
                     job=~"$job" and instance=~"$instance", every rate() and
                     increase() ranges over $__rate_interval, and every
                     pktlens_* family it names is in docs/metrics.md.
  dashboard_queries  Debian's real Prometheus scrapes pktlensd every second
                     while real traffic flows (kernel TCP both ways with
                     timestamps, UDP, ICMP echo, a VLAN tag, ECN CE,
                     anomalies, a network with action: drop, datagrams to
                     a closed port, SYNs that are never answered, a SYN
                     burst, a port scan); then every panel query, with the
                     variables substituted as Grafana does, returns data.

    sudo /usr/bin/python3 tests/e2e/test_dashboard.py build/daemon/pktlensd DashboardQueries.test_dashboard_queries
"""

from __future__ import annotations

import json
import os
import re
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    E2E, IF, PORT, Flood, Net, Sender, config, in_netns, main, run, spoofed_syns, tmp_path, truncated_frames,
    unique, wait_until,
)
from prom_stack import PromStack  # noqa: E402

# Prometheus starts, traffic runs for a while, then ~70 queries (with retries).
CTEST_TIMEOUT = 300

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
DASHBOARD = os.path.join(ROOT, "packaging", "grafana", "pktlens.json")
METRICS_MD = os.path.join(ROOT, "docs", "metrics.md")
RULES = os.path.join(ROOT, "packaging", "prometheus", "pktlens-rules.yml")
GENERATOR = os.path.join(ROOT, "scripts", "gen_grafana_dashboard.py")

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
# Families that are not pktlensd's own: Prometheus' scrape health and alerts.
FOREIGN = {"up", "ALERTS"}
# ALERTS carries the labels of the rule's result: instance, not job.
NO_JOB = {"ALERTS"}
# Grafana's built-in variables, as Grafana would fill them for a 1 s scrape.
BUILTINS = {"$__rate_interval": "10s", "$__interval": "1s", "$__range": "5m"}

SCAN_SRC = "198.19.7.7"
BLOCKED_SRC = "198.19.66.1"
SYN_PORT = 7300        # a listener in A: the SYN burst's target
CLIENT_PORT = 7400     # a listener in B: A's connections as a client
UNANSWERED = "198.18.0.99"  # on-link, nobody's: A's SYN to it is never answered
CLOSED_UDP = 9999      # nobody listens: NO_SOCKET drops in A
LONG_PORT = 5556       # a long-lived connection B -> A
# Panels the traffic must show a non-zero value in (not only series of 0).
NON_ZERO = (
    "Throughput by interface and direction", "Packets by protocol", "DSCP", "ECN congestion experienced",
    "VLANs", "Top flows by throughput", "Top flows by packets", "Packet size distribution",
    "TCP flags", "Handshake latency", "RTT (passive, TCP timestamps)", "Smoothed RTT (kernel)",
    "Resets", "Retransmits", "Handshake timeouts", "Top flows by retransmits", "Kernel drops by reason", "Dropped by pktlens (networks with action: drop)",
    "Anomalies by kind", "SYNs and completed handshakes", "Port scans", "ICMP echo requests",
    "UDP by destination port", "Network throughput", "Blocked throughput", "pktlensd alerts",
    "Prometheus alerts firing", "pktlensd up", "Collect duration", "Flow table fill",
    "Interfaces monitored",
)

NETWORKS = f"""networks:
  peers:
    prefixes: [{Net.B4}/32, "{Net.B6}/128"]
  local:
    prefixes: [198.18.0.0/24, "fd00:e2e::/64"]
  blocklist:
    prefixes: [198.19.66.0/24]
    action: drop
threats:
  port_scan:
    window: 10m
"""


def load() -> dict:
    with open(DASHBOARD) as f:
        return json.load(f)


def all_panels(dash: dict) -> list[dict]:
    """Every panel, the nested panels of (collapsed) rows included."""
    out = []
    for p in dash["panels"]:
        out.append(p)
        out.extend(p.get("panels", []))
    return out


def queries(dash: dict) -> list[tuple[str, str]]:
    """(panel title, expr) of every target of every panel."""
    return [(p["title"], t["expr"]) for p in all_panels(dash) for t in p.get("targets", [])]


def substitute(expr: str, job: str, instance: str, interface: str) -> str:
    for name, value in BUILTINS.items():
        expr = expr.replace(name, value)
    return expr.replace("$job", job).replace("$instance", instance).replace("$interface", interface)


_SELECTOR = re.compile(r"\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}")
# A family name not followed by its selector's braces.
_BARE = re.compile(r"\b((?:pktlens|process)_[a-zA-Z0-9_]+)\b(?!\s*\{)")
_RANGE = re.compile(r"\[([^\]]*)\]")
_RATE = re.compile(r"\b(rate|irate|increase)\s*\(")
# Grouping labels of by (...) / without (...) / on (...), which are no selectors.
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)")
_SUFFIXES = ("_bucket", "_sum", "_count")


def documented_families() -> set[str]:
    with open(METRICS_MD) as f:
        return set(re.findall(r"`((?:pktlens|process)_[a-z0-9_]+)`", f.read()))


def lint(dash: dict) -> list[str]:
    """What is wrong with the dashboard, one line each (empty when nothing)."""
    problems: list[str] = []
    documented = documented_families()
    names = {v["name"]: v for v in dash.get("templating", {}).get("list", [])}
    for v in ("datasource", "job", "instance", "interface"):
        if v not in names:
            problems.append(f"no ${v} variable")
    if names.get("datasource", {}).get("type") != "datasource" or names["datasource"].get("query") != "prometheus":
        problems.append("$datasource is not a Prometheus data source variable")
    for v in ("job", "instance", "interface"):
        if v in names and names[v].get("datasource") != DATASOURCE:
            problems.append(f"${v} does not query $datasource")
    ids = set()
    for p in all_panels(dash):
        where = f"panel {p.get('id')} {p.get('title')!r}"
        if p.get("id") in ids:
            problems.append(f"{where}: duplicate id")
        ids.add(p.get("id"))
        if not p.get("title", "").strip():
            problems.append(f"{where}: no title")
        if not p.get("description", "").strip():
            problems.append(f"{where}: no description")
        if "gridPos" not in p:
            problems.append(f"{where}: no gridPos")
        if p["type"] == "row":
            continue
        if not p.get("fieldConfig", {}).get("defaults", {}).get("unit"):
            problems.append(f"{where}: no unit")
        if p.get("datasource") != DATASOURCE:
            problems.append(f"{where}: datasource {p.get('datasource')} is not $datasource")
        if not p.get("targets"):
            problems.append(f"{where}: no query")
        for t in p.get("targets", []):
            expr = t.get("expr", "")
            if t.get("datasource") != DATASOURCE:
                problems.append(f"{where} {t.get('refId')}: datasource is not $datasource")
            if not expr.strip():
                problems.append(f"{where} {t.get('refId')}: empty expr")
                continue
            problems += [f"{where}: {e}" for e in lint_expr(expr, documented)]
    return problems


def lint_expr(expr: str, documented: set[str]) -> list[str]:
    problems = []
    ranges = _RANGE.findall(expr)
    for r in ranges:
        if r != "$__rate_interval":
            problems.append(f"range [{r}] is not [$__rate_interval] in {expr}")
    if len(_RATE.findall(expr)) > len(ranges):
        problems.append(f"a rate()/increase() without a range in {expr}")
    bare = _GROUPING.sub("", expr)
    selectors = _SELECTOR.findall(bare)
    if not selectors:
        problems.append(f"no metric selector in {expr}")
    for metric, matchers in selectors:
        if metric in NO_JOB:
            need = ['instance=~"$instance"']
        else:
            need = ['job=~"$job"', 'instance=~"$instance"']
        for n in need:
            if n not in matchers:
                problems.append(f"{metric} without {n} in {expr}")
        family = metric
        for s in _SUFFIXES:
            if family.endswith(s) and family[:-len(s)] in documented:
                family = family[:-len(s)]
        if metric not in FOREIGN and family not in documented:
            problems.append(f"{metric} is no family of docs/metrics.md")
    for fam in _BARE.findall(bare):
        problems.append(f"{fam} used without a selector in {expr}")
    return problems


class DashboardLint(unittest.TestCase):
    def test_dashboard_lint(self) -> None:
        dash = load()
        self.assertEqual(dash.get("uid"), "pktlens")
        self.assertIsNone(dash.get("id"), "an exported dashboard has id null (importable anywhere)")
        self.assertEqual(lint(dash), [])
        # The JSON is the generator's output (edits go through the script).
        out = os.path.join(tmp_path(f"dashboard-{unique()}.json"))
        run([sys.executable, GENERATOR, out])
        with open(out) as f:
            self.assertEqual(json.load(f), dash,
                             "packaging/grafana/pktlens.json differs from scripts/gen_grafana_dashboard.py's output")
        panels = [p for p in all_panels(dash) if p["type"] != "row"]
        self.assertGreaterEqual(len(panels), 40)
        rows = [p["title"] for p in all_panels(dash) if p["type"] == "row"]
        for want in ("Traffic", "Top flows", "Packet sizes", "TCP", "Drops", "Anomalies", "Threats",
                     "Networks", "Alerts", "pktlensd"):
            self.assertIn(want, rows)
        # The lint itself catches what it is meant to.
        doc = documented_families()
        self.assertTrue(lint_expr('rate(pktlens_bytes_total{job=~"$job", instance=~"$instance"}[5m])', doc))
        self.assertTrue(lint_expr('rate(pktlens_bytes_total{instance=~"$instance"}[$__rate_interval])', doc))
        self.assertTrue(lint_expr('pktlens_nonesuch{job=~"$job", instance=~"$instance"}', doc))
        self.assertTrue(lint_expr('sum(pktlens_up) / pktlens_up{job=~"$job", instance=~"$instance"}', doc))
        self.assertEqual(lint_expr('sum by (le) (rate(pktlens_tcp_rtt_seconds_bucket{job=~"$job", '
                                   'instance=~"$instance"}[$__rate_interval]))', doc), [])


def exchange(server_ns: str, server_addr: str, client_ns: str, port: int, size: int = 20000) -> None:
    """One kernel TCP connection client_ns -> server_addr:port: the client
    sends `size` bytes, the server echoes them, both close."""
    with in_netns(server_ns):
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    with srv:
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind((server_addr, port))
        srv.listen(1)
        srv.settimeout(10)
        errors: list[str] = []

        def serve() -> None:
            try:
                conn, _ = srv.accept()
                with conn:
                    conn.settimeout(10)
                    got = 0
                    while got < size:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        got += len(chunk)
                        conn.sendall(chunk)
            except OSError as e:
                errors.append(str(e))

        t = threading.Thread(target=serve)
        t.start()
        with in_netns(client_ns):
            cli = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        with cli:
            cli.settimeout(10)
            cli.connect((server_addr, port))
            cli.sendall(b"d" * size)
            got = 0
            while got < size:
                chunk = cli.recv(65536)
                if not chunk:
                    break
                got += len(chunk)
        t.join(15)
        if errors:
            raise AssertionError(f"TCP exchange to {server_addr}:{port}: {errors}")


def crafted_frames() -> list[bytes]:
    """B -> A: UDP to a closed port, UDP with DSCP EF and ECN CE, a VLAN-tagged
    datagram, an ICMP echo request, a datagram from a blocked network, a land
    frame, a TCP segment without flags, and truncated frames."""
    from scapy.layers.inet import ICMP, IP, TCP, UDP
    from scapy.layers.l2 import Dot1Q, Ether
    eth = Ether(src=Net.MAC_B, dst=Net.MAC_A)
    frames = [
        eth / IP(src=Net.B4, dst=Net.A4) / UDP(sport=40000, dport=CLOSED_UDP) / (b"u" * 100),
        eth / IP(src=Net.B4, dst=Net.A4, tos=0xB8 | 3) / UDP(sport=40001, dport=CLOSED_UDP) / (b"e" * 50),
        Ether(src=Net.MAC_B, dst=Net.MAC_A) / Dot1Q(vlan=100) / IP(src=Net.B4, dst=Net.A4) /
        UDP(sport=40002, dport=CLOSED_UDP) / (b"v" * 60),
        eth / IP(src=Net.B4, dst=Net.A4) / ICMP(type=8, id=7, seq=1) / (b"p" * 56),
        eth / IP(src=BLOCKED_SRC, dst=Net.A4) / UDP(sport=40003, dport=CLOSED_UDP) / (b"b" * 200),
        eth / IP(src=Net.A4, dst=Net.A4) / UDP(sport=40004, dport=CLOSED_UDP) / (b"l" * 10),
        eth / IP(src=Net.B4, dst=Net.A4) / TCP(sport=40005, dport=CLOSED_UDP, flags=0),
    ]
    return [bytes(f) for f in frames] + truncated_frames(Net)[:2]


class DashboardQueries(E2E):
    def traffic(self, stop: threading.Event, errors: list[str]) -> None:
        """Until `stop`: TCP B -> A (A as server) and A -> B (A as client),
        and the crafted frames, a few times a second."""
        sender = Sender(self.net.b, Net.IF_B)
        frames = crafted_frames()
        # One long-lived connection B -> A: a flow that moves all the time
        # (the short ones leave the top flows' rate at 0 after one interval).
        with in_netns(self.net.a):
            srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind((Net.A4, LONG_PORT))
        srv.listen(1)
        with in_netns(self.net.b):
            cli = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        cli.settimeout(10)
        cli.connect((Net.A4, LONG_PORT))
        conn, _ = srv.accept()
        conn.settimeout(10)
        # Every 2 s a connect() nobody answers, closed after 12 s (a closed
        # SYN_SENT socket sends nothing): SYNs retransmitted all the time,
        # a handshake timeout every 2 s from the 11th second on.
        hung: list[tuple[float, socket.socket]] = []
        last_hung = 0.0
        try:
            while not stop.is_set():
                try:
                    now = time.monotonic()
                    if now - last_hung >= 2:
                        with in_netns(self.net.a):
                            h = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                        h.setblocking(False)
                        h.connect_ex((UNANSWERED, 7500 + len(hung) % 100))
                        hung.append((now, h))
                        last_hung = now
                    for t, h in hung:
                        if now - t > 12 and h.fileno() >= 0:
                            h.close()
                    cli.sendall(b"s" * 30000)
                    got = 0
                    while got < 30000:
                        got += len(conn.recv(65536))
                    exchange(self.net.a, Net.A4, self.net.b, 5555)
                    exchange(self.net.b, Net.B4, self.net.a, CLIENT_PORT)
                    sender.send(frames)
                except Exception as e:  # reported by the test
                    errors.append(str(e))
                stop.wait(0.3)
        finally:
            sender.close()
            for s in [cli, conn, srv] + [h for _, h in hung]:
                s.close()

    def test_dashboard_queries(self) -> None:
        self.require_btf_tracing()
        dash = load()
        cfg = config(extra=NETWORKS)
        with open(cfg) as f:
            text = f.read()
        # Room in the top-K for every flow of the test within the 60 s
        # window: the unanswered SYNs' flows (and their retransmits) too.
        self.assertIn("  top_k: 100\n", text)
        with open(cfg, "w") as f:
            f.write(text.replace("  top_k: 100\n", "  top_k: 4000\n"))
        d = self.start(cfg, self.pin())
        self.ready(d)
        st = PromStack(self.net.a, PORT, RULES, scrape_interval="1s")
        self.addCleanup(st.close)
        wait_until(st.targets_up, 90, 0.5, what=f"Prometheus scraping pktlensd\n{st.logs()}")

        # SYNs nobody answers (B's kernel drops frames to an address that is
        # not its own): SYN retransmits, client handshake timeouts.
        run(["ip", "-n", self.net.a, "neigh", "replace", UNANSWERED, "lladdr", Net.MAC_B,
             "nud", "permanent", "dev", IF])

        stop = threading.Event()
        errors: list[str] = []
        bg = threading.Thread(target=self.traffic, args=(stop, errors), daemon=True)
        bg.start()
        self.addCleanup(bg.join, 30)
        self.addCleanup(stop.set)

        # A SYN burst from spoofed sources to a listener in A, and a port scan.
        with in_netns(self.net.a):
            srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(srv.close)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind((Net.A4, SYN_PORT))
        srv.listen(16)
        self.assertEqual(Flood(self.net, spoofed_syns(2000, SYN_PORT), per_second=1000).join(), 2000)
        from scapy.layers.inet import IP, TCP
        from scapy.layers.l2 import Ether
        scan = [bytes(Ether(src=Net.MAC_B, dst=Net.MAC_A) / IP(src=SCAN_SRC, dst=Net.A4) /
                      TCP(sport=41000, dport=p, flags="S", seq=p)) for p in range(2000, 2200)]
        sender = Sender(self.net.b, Net.IF_B)
        try:
            sender.send(scan)
        finally:
            sender.close()

        # Handshake timeout after 10 s, rate windows of 10 s full of samples.
        time.sleep(15)
        job, instance = "pktlens", f"127.0.0.1:{PORT}"
        todo = {(title, expr) for title, expr in queries(dash)}
        self.assertGreaterEqual(len(todo), 60)
        results: dict[tuple[str, str], list] = {}
        deadline = time.monotonic() + 60
        def non_zero() -> set[str]:
            return {title for (title, _), res in results.items()
                    if any(r["value"][1] not in ("0", "NaN") for r in res)}

        # Until every query has data and every NON_ZERO panel a value other
        # than 0 (queried again: a rate may catch its event a moment later).
        while time.monotonic() < deadline:
            zero = {q for q in results if q[0] in NON_ZERO and q[0] not in non_zero()}
            if not todo and not zero:
                break
            for q in sorted(todo | zero):
                res = st.query(substitute(q[1], job, instance, IF))
                if res:
                    results[q] = res
                    todo.discard(q)
            time.sleep(1)
        stop.set()
        bg.join(30)
        self.assertEqual(errors[:5], [], "traffic generator errors")
        self.assertTrue(d.alive(), d.log())
        self.assertEqual(sorted(todo), [], "dashboard queries without data:\n" + "\n".join(
            f"  {t}: {substitute(e, job, instance, IF)}" for t, e in sorted(todo)))
        self.assertEqual([t for t in NON_ZERO if t not in non_zero()], [],
                         "panels that show only zeros or NaN")
        print(f"{len(results)} distinct dashboard queries returned data", flush=True)
        for (title, expr), res in sorted(results.items()):
            values = sorted({r["value"][1] for r in res})
            print(f"  {title}: {len(res)} series, values {values[:4]}", flush=True)


if __name__ == "__main__":
    main()
