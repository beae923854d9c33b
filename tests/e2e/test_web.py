#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""End-to-end tests of /metrics as Prometheus users expect it (issue #15):
the real pktlensd with an exporter-toolkit web config, checked with curl,
`openssl s_client`, raw sockets and Debian's Prometheus.

    sudo /usr/bin/python3 tests/e2e/test_web.py build/daemon/pktlensd            # all
    sudo /usr/bin/python3 tests/e2e/test_web.py build/daemon/pktlensd -k reload  # one

Self-contained on purpose: one network namespace of its own (pkweb-<pid>-<n>,
a veth pair v0/v1 inside it for pktlensd to attach to, loopback for the
scrapes), a BPF filesystem mounted on a temporary directory for the pinned
maps, certificates made with the openssl tool, and htpasswd's bcrypt hashes.
Everything it creates is removed at the end, on failure, and on
SIGTERM/SIGINT; processes are ended by their PID. See docs/testing.md.
"""

from __future__ import annotations

import atexit
import ctypes
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
from contextlib import contextmanager
from typing import Callable

PKTLENSD = ""  # set from argv in main
PROMETHEUS = "/usr/bin/prometheus"
PORT = 9586  # inside the test's own namespace
PID = os.getpid()
CLONE_NEWNET = 0x40000000

# ---------------------------------------------------------------------------
# Cleanup: newest first, each once; at exit, on failure and on signals.

_cleanups: list[tuple[str, Callable[[], None]]] = []


def on_cleanup(what: str, fn: Callable[[], None]) -> None:
    _cleanups.append((what, fn))


def cleanup_all() -> None:
    while _cleanups:
        what, fn = _cleanups.pop()
        try:
            fn()
        except Exception as e:  # cleanup must go on
            print(f"test_web cleanup: {what}: {e}", flush=True)


def _on_signal(signum, _frame):
    cleanup_all()
    shutil.rmtree(TMP, ignore_errors=True)
    os._exit(128 + signum)


for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, _on_signal)

TMP = tempfile.mkdtemp(prefix=f"pktlens-web-{PID}-")
# Last of all, after every test's own cleanup (which runs in tearDown).
atexit.register(lambda: shutil.rmtree(TMP, ignore_errors=True))
atexit.register(cleanup_all)
_counter = 0


def unique() -> int:
    global _counter
    _counter += 1
    return _counter


def run(cmd: list[str], check: bool = True, **kw) -> subprocess.CompletedProcess:
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, **kw)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()}")
    return p


def wait_until(pred: Callable[[], object], timeout: float, what: str, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(step)


# ---------------------------------------------------------------------------
# The namespace, the BPF filesystem, certificates


class Namespace:
    """A network namespace with loopback up and a veth pair v0 <-> v1."""

    def __init__(self) -> None:
        self.name = f"pkweb-{PID}-{unique()}"
        run(["ip", "netns", "add", self.name])
        on_cleanup(f"delete netns {self.name}", lambda: run(["ip", "netns", "del", self.name], check=False))
        for cmd in (["link", "set", "lo", "up"],
                    ["link", "add", "v0", "type", "veth", "peer", "name", "v1"],
                    ["link", "set", "v0", "up"], ["link", "set", "v1", "up"]):
            run(["ip", "-n", self.name] + cmd)

    def cmd(self, argv: list[str]) -> list[str]:
        # nsenter changes the network namespace only (ip netns exec would
        # also remount /sys).
        return ["nsenter", f"--net=/run/netns/{self.name}", "--"] + argv

    def run(self, argv: list[str], check: bool = False, **kw) -> subprocess.CompletedProcess:
        return run(self.cmd(argv), check=check, **kw)


_libc = ctypes.CDLL(None, use_errno=True)


@contextmanager
def inside(ns: Namespace):
    """This thread in `ns` for the block; sockets made inside stay there."""
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open(f"/run/netns/{ns.name}", os.O_RDONLY)
    try:
        if _libc.setns(target, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {ns.name}")
        try:
            yield
        finally:
            if _libc.setns(home, CLONE_NEWNET) != 0:
                os._exit(99)  # never go on in the wrong namespace
    finally:
        os.close(target)
        os.close(home)


def bpffs() -> str:
    """A BPF filesystem of the test's own, for --bpf-pin-dir."""
    d = os.path.join(TMP, f"bpffs-{unique()}")
    os.makedirs(d)
    run(["mount", "-t", "bpf", "bpf", d])
    on_cleanup(f"umount {d}", lambda: run(["umount", d], check=False))
    return os.path.join(d, "pktlens")


def openssl(*args: str) -> None:
    run(["openssl", *args])


class Pki:
    """A CA, server certificates for localhost/127.0.0.1/::1, a client
    certificate of the CA and one of a CA nobody trusts."""

    def __init__(self) -> None:
        self.dir = os.path.join(TMP, f"pki-{unique()}")
        os.makedirs(self.dir)
        self._self_signed("ca", "pktlens e2e CA")
        self._self_signed("otherca", "another CA")
        self.issue("server", "localhost", "DNS:localhost,IP:127.0.0.1,IP:::1")
        self.issue("client", "prometheus", "DNS:prometheus.example")
        self.issue("stranger", "stranger", "DNS:prometheus.example", ca="otherca")

    def path(self, name: str) -> str:
        return os.path.join(self.dir, name)

    def _self_signed(self, name: str, cn: str) -> None:
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", self.path(name + ".key"), "-out", self.path(name + ".pem"),
                "-days", "2", "-subj", f"/CN={cn}")

    def issue(self, name: str, cn: str, san: str, ca: str = "ca") -> None:
        ext = self.path(name + ".ext")
        with open(ext, "w") as f:
            f.write(f"subjectAltName={san}\n")
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", self.path(name + ".key"), "-out", self.path(name + ".csr"),
                "-subj", f"/CN={cn}")
        openssl("x509", "-req", "-in", self.path(name + ".csr"), "-CA", self.path(ca + ".pem"),
                "-CAkey", self.path(ca + ".key"), "-CAcreateserial", "-out",
                self.path(name + ".pem"), "-days", "2", "-extfile", ext)


def bcrypt(user: str, password: str) -> str:
    """htpasswd's bcrypt hash, as users make them (cost 10)."""
    out = run(["htpasswd", "-nbB", "-C", "10", user, password]).stdout.strip()
    return out.split(":", 1)[1]


# ---------------------------------------------------------------------------
# pktlensd


class Pktlensd:
    def __init__(self, ns: Namespace, args: list[str], config: str = "") -> None:
        self.ns = ns
        self.config = os.path.join(TMP, f"pktlens-{unique()}.yaml")
        with open(self.config, "w") as f:
            f.write(config or f'interfaces: [v0]\nlisten: ":{PORT}"\ninterval: 1s\n')
        self.log_path = os.path.join(TMP, f"pktlensd-{unique()}.log")
        self._log = open(self.log_path, "w")
        env = {k: v for k, v in os.environ.items() if k not in ("NOTIFY_SOCKET", "JOURNAL_STREAM")}
        self.proc = subprocess.Popen(
            ns.cmd([PKTLENSD, "--config", self.config, "--bpf-pin-dir", bpffs()] + args),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self._log, env=env)
        self.pid = self.proc.pid
        on_cleanup(f"stop pktlensd {self.pid}", self.stop)

    def log(self) -> str:
        self._log.flush()
        with open(self.log_path) as f:
            return f.read()

    def wait_ready(self) -> None:
        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"pktlensd exited {self.proc.returncode}:\n{self.log()}")
            return "ready:" in self.log()
        wait_until(ready, 60, "pktlensd ready")

    def rss_kib(self) -> int:
        with open(f"/proc/{self.pid}/status") as f:
            return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))

    def threads(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/task"))

    def stop(self) -> int:
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait(10)
        self._log.close()
        return self.proc.returncode


# ---------------------------------------------------------------------------
# Clients


def write_web_config(text: str, name: str = "web.yml", directory: str = TMP) -> str:
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def tls_section(pki: Pki, extra: str = "") -> str:
    return (f"tls_server_config:\n  cert_file: {pki.path('server.pem')}\n"
            f"  key_file: {pki.path('server.key')}\n" + extra)


class Curl:
    def __init__(self, ns: Namespace, pki: Pki | None) -> None:
        self.ns = ns
        self.pki = pki

    def code(self, url: str, *extra: str) -> str:
        """The HTTP status, or "000" when none came (TLS refused)."""
        argv = ["curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}"]
        if self.pki:
            argv += ["--cacert", self.pki.path("ca.pem")]
        return self.ns.run(argv + list(extra) + [url]).stdout.strip()

    def body(self, url: str, *extra: str) -> str:
        argv = ["curl", "-sS", "--fail", "--max-time", "10", "--compressed"]
        if self.pki:
            argv += ["--cacert", self.pki.path("ca.pem")]
        p = self.ns.run(argv + list(extra) + [url])
        if p.returncode != 0:
            raise AssertionError(f"curl {url}: {p.stderr.strip()}")
        return p.stdout


def s_client(ns: Namespace, *args: str) -> subprocess.CompletedProcess:
    return ns.run(["openssl", "s_client", "-connect", f"127.0.0.1:{PORT}",
                   "-servername", "localhost", *args], input="")


def subject_cn(ns: Namespace, pki: Pki) -> str:
    out = s_client(ns, "-CAfile", pki.path("ca.pem")).stdout
    m = re.search(r"^subject=CN = (\S+)", out, re.M)
    return m.group(1) if m else out


HALF_SENT = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: "


def hold_connections(ns: Namespace, n: int) -> list[socket.socket]:
    """n connections to 127.0.0.1 and ::1, half of them with a request
    head that never ends."""
    held = []
    with inside(ns):
        for i in range(n):
            host = "127.0.0.1" if i % 4 < 2 else "::1"
            s = socket.create_connection((host, PORT), timeout=5)
            if i % 2:
                s.sendall(HALF_SENT)
            held.append(s)
    return held


def timed_scrapes(ns: Namespace, n: int, context: ssl.SSLContext | None = None,
                  headers: dict | None = None) -> list[float]:
    """n scrapes over new connections, each timed from connect to the last
    byte of the body, in ms."""
    times = []
    with inside(ns):
        for _ in range(n):
            start = time.monotonic()
            if context:
                c = http.client.HTTPSConnection("localhost", PORT, context=context, timeout=10)
            else:
                c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
            c.request("GET", "/metrics", headers=headers or {})
            r = c.getresponse()
            body = r.read()
            times.append((time.monotonic() - start) * 1000)
            c.close()
            assert r.status == 200 and b"pktlens_up 1" in body, (r.status, body[:200])
    return times


# ---------------------------------------------------------------------------
# Prometheus


class Prometheus:
    """Debian's Prometheus in the namespace, scraping pktlensd every second
    over HTTPS: job pktlens with the right password, job pktlens_wrong with
    a wrong one."""

    def __init__(self, ns: Namespace, pki: Pki, user: str, password: str) -> None:
        self.ns = ns
        self.dir = os.path.join(TMP, f"prometheus-{unique()}")
        os.makedirs(self.dir)
        self.port = 19090
        cfg = os.path.join(self.dir, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write(f"""global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
""" + "".join(f"""  - job_name: {job}
    scheme: https
    tls_config:
      ca_file: {pki.path('ca.pem')}
      server_name: localhost
    basic_auth:
      username: {user}
      password: {pw}
    static_configs:
      - targets: ['127.0.0.1:{PORT}']
""" for job, pw in (("pktlens", password), ("pktlens_wrong", password + "x"))))
        self.log_path = os.path.join(self.dir, "prometheus.log")
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            ns.cmd([PROMETHEUS, f"--config.file={cfg}",
                    f"--storage.tsdb.path={os.path.join(self.dir, 'data')}",
                    f"--web.listen-address=127.0.0.1:{self.port}"]),
            stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT)
        on_cleanup(f"stop prometheus {self.proc.pid}", self.stop)
        wait_until(lambda: self._get("/-/ready") is not None, 60, "Prometheus ready")

    def _get(self, path: str):
        if self.proc.poll() is not None:
            raise AssertionError(f"prometheus exited {self.proc.returncode}:\n{self.log()}")
        p = self.ns.run(["curl", "-sS", "--fail", "--max-time", "5",
                         f"http://127.0.0.1:{self.port}{path}"])
        return p.stdout if p.returncode == 0 else None

    def up(self, job: str) -> float | None:
        out = self._get("/api/v1/query?query=" + urllib.parse.quote(f'up{{job="{job}"}}'))
        if not out:
            return None
        result = json.loads(out)["data"]["result"]
        return float(result[0]["value"][1]) if result else None

    def target_error(self, job: str) -> str:
        out = self._get("/api/v1/targets") or "{}"
        for t in json.loads(out).get("data", {}).get("activeTargets", []):
            if t["labels"].get("job") == job:
                return t.get("lastError", "")
        return ""

    def log(self) -> str:
        self._log.flush()
        with open(self.log_path) as f:
            return f.read()[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self._log.close()


# ---------------------------------------------------------------------------
# The scenarios


class Web(unittest.TestCase):
    def tearDown(self) -> None:
        cleanup_all()

    def start(self, ns: Namespace, args: list[str], config: str = "") -> Pktlensd:
        d = Pktlensd(ns, args, config)
        d.wait_ready()
        return d

    def test_https_basic_auth(self) -> None:
        """TLS 1.2 and 1.3 (1.1 refused), basic auth right/wrong/missing,
        IPv6 [::1] and IPv4 on the one dual-stack socket of ':PORT'."""
        ns, pki = Namespace(), Pki()
        web = write_web_config(tls_section(pki) +
                               "http_server_config:\n  headers:\n    X-Frame-Options: deny\n"
                               f"basic_auth_users:\n  prom: {bcrypt('prom', 's3cret')}\n")
        d = self.start(ns, ["--web.config.file", web])
        self.assertIn(f"serving /metrics on :{PORT}: TLS (TLS12 to TLS13), basic auth for 1 user",
                      d.log())
        curl = Curl(ns, pki)
        for host in ("127.0.0.1", "[::1]", "localhost"):
            url = f"https://{host}:{PORT}/metrics"
            self.assertEqual(curl.code(url, "-u", "prom:s3cret"), "200", url)
            self.assertEqual(curl.code(url, "-u", "prom:wrong"), "401", url)
            self.assertEqual(curl.code(url), "401", url)
        self.assertIn("pktlens_up 1", curl.body(f"https://[::1]:{PORT}/metrics", "-u", "prom:s3cret"))
        head = ns.run(["curl", "-sS", "-D", "-", "-o", "/dev/null", "--cacert", pki.path("ca.pem"),
                       f"https://127.0.0.1:{PORT}/metrics"]).stdout
        self.assertIn("WWW-Authenticate: Basic", head)
        self.assertIn("X-Frame-Options: deny", head)
        url = f"https://127.0.0.1:{PORT}/metrics"
        self.assertEqual(curl.code(url, "-u", "prom:s3cret", "--tlsv1.2", "--tls-max", "1.2"), "200")
        self.assertEqual(curl.code(url, "-u", "prom:s3cret", "--tlsv1.3"), "200")
        self.assertIn("New, TLSv1.2,", s_client(ns, "-tls1_2", "-CAfile", pki.path("ca.pem")).stdout)
        self.assertIn("New, TLSv1.3,", s_client(ns, "-tls1_3", "-CAfile", pki.path("ca.pem")).stdout)
        # A client made willing to speak TLS 1.1 gets the server's alert.
        tls11 = s_client(ns, "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0")
        self.assertNotEqual(tls11.returncode, 0)
        self.assertIn("alert protocol version", tls11.stdout + tls11.stderr)
        self.assertEqual(d.stop(), 0)

    def test_client_certs(self) -> None:
        """RequireAndVerifyClientCert: no certificate or one of another CA
        is refused in the handshake; the CA's client certificate gets in."""
        ns, pki = Namespace(), Pki()
        web = write_web_config(tls_section(pki, "  client_auth_type: RequireAndVerifyClientCert\n"
                                                f"  client_ca_file: {pki.path('ca.pem')}\n"))
        self.start(ns, ["--web.config.file", web])
        curl = Curl(ns, pki)
        url = f"https://localhost:{PORT}/metrics"
        self.assertEqual(curl.code(url, "--cert", pki.path("client.pem"), "--key", pki.path("client.key")), "200")
        self.assertEqual(curl.code(url), "000")
        self.assertEqual(curl.code(url, "--cert", pki.path("stranger.pem"), "--key", pki.path("stranger.key")), "000")
        ok = s_client(ns, "-cert", pki.path("client.pem"), "-key", pki.path("client.key"),
                      "-CAfile", pki.path("ca.pem"))
        self.assertIn("Verify return code: 0 (ok)", ok.stdout)
        refused = s_client(ns, "-tls1_2", "-cert", pki.path("stranger.pem"), "-key", pki.path("stranger.key"))
        self.assertNotEqual(refused.returncode, 0)
        self.assertRegex(refused.stdout + refused.stderr, r"alert (unknown ca|bad certificate)")

    def test_cert_reload(self) -> None:
        """A certificate swapped in place and SIGHUP: new connections get it;
        a broken web config on SIGHUP is reported as FILE:LINE:COL and the
        running certificate stays."""
        ns, pki = Namespace(), Pki()
        cert_dir = os.path.join(TMP, f"certs-{unique()}")
        os.makedirs(cert_dir)
        for name in ("server.pem", "server.key"):
            shutil.copy(pki.path(name), os.path.join(cert_dir, name))
        # Relative names: taken from the web config's directory.
        web = write_web_config("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n",
                               directory=cert_dir)
        d = self.start(ns, ["--web.config.file", web])
        self.assertEqual(subject_cn(ns, pki), "localhost")
        pki.issue("rotated", "rotated.localhost", "DNS:localhost,IP:127.0.0.1,IP:::1")
        for name in ("pem", "key"):
            shutil.copy(pki.path(f"rotated.{name}"), os.path.join(cert_dir, f"server.{name}"))
        self.assertEqual(subject_cn(ns, pki), "localhost", "the certificate changed before SIGHUP")
        os.kill(d.pid, signal.SIGHUP)
        wait_until(lambda: "configuration reloaded" in d.log(), 20, "the reload")
        self.assertEqual(subject_cn(ns, pki), "rotated.localhost")
        self.assertEqual(Curl(ns, pki).code(f"https://localhost:{PORT}/metrics"), "200")

        with open(web, "a") as f:
            f.write("  min_version: TLS14\n")
        os.kill(d.pid, signal.SIGHUP)
        wait_until(lambda: "reload failed" in d.log(), 20, "the failed reload")
        line = next(l for l in d.log().splitlines() if "reload failed" in l)
        self.assertIn(f"{web}:4:16: tls_server_config.min_version: unknown TLS version 'TLS14'", line)
        self.assertEqual(subject_cn(ns, pki), "rotated.localhost")
        self.assertEqual(d.stop(), 0)

    def test_bad_web_config(self) -> None:
        """A web config with an error: FILE:LINE:COL, exit 1, nothing served."""
        ns, pki = Namespace(), Pki()
        web = write_web_config(tls_section(pki, "  client_auth_type: Sometimes\n"))
        d = Pktlensd(ns, ["--web.config.file", web])
        self.assertEqual(d.proc.wait(60), 1, d.log())
        self.assertIn(f"{web}:4:21: tls_server_config.client_auth_type: unknown client_auth_type "
                      "'Sometimes'", d.log())
        missing = write_web_config("tls_server_config:\n  cert_file: nope.pem\n  key_file: nope.key\n",
                                   name="missing.yml")
        d2 = Pktlensd(ns, ["--web.config.file", missing])
        self.assertEqual(d2.proc.wait(60), 1, d2.log())
        self.assertIn(f"{missing}:2:14: tls_server_config.cert_file: cannot open {TMP}/nope.pem: "
                      "No such file or directory", d2.log())

    def test_idle_connections(self) -> None:
        """200 idle or half-sent connections held open: a scrape is answered
        in at most 100 ms (median of 9, plain and TLS), and memory stays flat
        over rounds of them."""
        ns, pki = Namespace(), Pki()
        plain = self.start(ns, [])
        timed_scrapes(ns, 3)  # warm up
        rss = [plain.rss_kib()]
        results = []
        for _ in range(3):
            held = hold_connections(ns, 200)
            time.sleep(0.5)
            times = timed_scrapes(ns, 9)
            results.append(statistics.median(times))
            for s in held:
                s.close()
            rss.append(plain.rss_kib())
        print(f"\nplain: median scrape ms per round {[round(x, 1) for x in results]}; "
              f"RSS KiB {rss}; threads {plain.threads()}", flush=True)
        for median in results:
            self.assertLessEqual(median, 100.0)
        self.assertLess(rss[-1] - rss[1], 4096, f"RSS grew from round 1 to 3: {rss}")
        self.assertEqual(plain.threads(), 4, "main, HTTP I/O, render and auth threads")
        plain.stop()

        web = write_web_config(tls_section(pki) + f"basic_auth_users:\n  prom: {bcrypt('prom', 's3cret')}\n")
        tls = self.start(ns, ["--web.config.file", web])
        context = ssl.create_default_context(cafile=pki.path("ca.pem"))
        auth = {"Authorization": "Basic cHJvbTpzM2NyZXQ="}  # prom:s3cret
        timed_scrapes(ns, 3, context, auth)  # warm up; bcrypt once, then cached
        held = hold_connections(ns, 200)
        time.sleep(0.5)
        times = timed_scrapes(ns, 9, context, auth)
        print(f"TLS + basic auth: scrape ms {[round(x, 1) for x in sorted(times)]}", flush=True)
        self.assertLessEqual(statistics.median(times), 100.0)
        for s in held:
            s.close()

    def test_prometheus_https(self) -> None:
        """Debian's Prometheus scrapes over HTTPS with basic auth: up is 1;
        the job with a wrong password has up 0."""
        ns, pki = Namespace(), Pki()
        web = write_web_config(tls_section(pki) + f"basic_auth_users:\n  prom: {bcrypt('prom', 's3cret')}\n")
        self.start(ns, ["--web.config.file", web])
        prom = Prometheus(ns, pki, "prom", "s3cret")
        wait_until(lambda: prom.up("pktlens") == 1.0, 60,
                   f"up{{job=pktlens}} == 1; Prometheus log:\n{prom.log()}")
        wait_until(lambda: prom.up("pktlens_wrong") == 0.0, 60, "up{job=pktlens_wrong} == 0")
        self.assertIn("401", prom.target_error("pktlens_wrong"))
        self.assertEqual(prom.target_error("pktlens"), "")

    def test_flags(self) -> None:
        """node_exporter's flags: two --web.listen-address, --web.telemetry-path,
        --log.level, --log.format json, the landing page, --version."""
        ns = Namespace()
        d = self.start(ns, ["--web.listen-address", f"127.0.0.1:{PORT}",
                            "--web.listen-address", f"[::1]:{PORT + 1}",
                            "--web.telemetry-path", "/pktlens/metrics",
                            "--log.level", "debug", "--log.format", "json"],
                       config='interfaces: [v0]\nlisten: "127.0.0.1:1"\ninterval: 1s\n')
        curl = Curl(ns, None)
        self.assertIn("pktlens_up 1", curl.body(f"http://127.0.0.1:{PORT}/pktlens/metrics"))
        self.assertIn("pktlens_up 1", curl.body(f"http://[::1]:{PORT + 1}/pktlens/metrics"))
        self.assertEqual(curl.code(f"http://127.0.0.1:{PORT}/metrics"), "404")
        landing = curl.body(f"http://[::1]:{PORT + 1}/")
        self.assertIn('<a href="/pktlens/metrics">', landing)
        lines = [json.loads(l) for l in d.log().splitlines()]
        self.assertTrue(any(l["level"] == "debug" for l in lines), "--log.level debug")
        serving = next(l for l in lines if l["msg"].startswith("serving"))
        self.assertEqual(serving["msg"], f"serving /pktlens/metrics on 127.0.0.1:{PORT}, "
                                         f"[::1]:{PORT + 1}: plain HTTP")
        self.assertRegex(serving["ts"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        version = run([PKTLENSD, "--version"]).stdout
        self.assertRegex(version, r"^pktlensd \d+\.\d+\.\d+\n  abi: \d+\n  libbpf: \d+\.\d+")
        bad = run([PKTLENSD, "--web.listen-address", "[::1]9586"], check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("unexpected '9586' after ']'", bad.stderr + bad.stdout)


def main() -> None:
    global PKTLENSD
    args = sys.argv[1:]
    PKTLENSD = args.pop(0) if args and not args[0].startswith("-") else os.environ.get("PKTLENSD", "")
    if not PKTLENSD or not os.access(PKTLENSD, os.X_OK):
        sys.exit(f"usage: {sys.argv[0]} PATH/TO/pktlensd [unittest options, e.g. -k reload]")
    PKTLENSD = os.path.abspath(PKTLENSD)
    if os.geteuid() != 0:
        sys.exit("the end-to-end tests need root (network namespaces, BPF)")
    unittest.main(argv=[sys.argv[0]] + args, verbosity=2)


if __name__ == "__main__":
    main()
