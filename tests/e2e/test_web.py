#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""End-to-end tests of /metrics as Prometheus users expect it (issue #15):
the real pktlensd with an exporter-toolkit web config, checked with curl,
`openssl s_client`, raw sockets and Debian's Prometheus. Same harness and
namespaces as test_e2e.py (harness.py: pktlensd in A on a bpffs of the
test's own, everything it starts removed at the end, on failure and on
signals) and prom_stack.py's Prometheus; what is here is the web tests'
own: certificates made with the openssl tool, htpasswd's bcrypt hashes,
curl and `openssl s_client` clients, the idle-connection hammer.

    sudo /usr/bin/python3 tests/e2e/test_web.py build/daemon/pktlensd            # all
    sudo /usr/bin/python3 tests/e2e/test_web.py build/daemon/pktlensd -k reload  # one
"""

from __future__ import annotations

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
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
from harness import E2E, PORT, Pktlensd, config, in_netns, main, ns_run, run, tmp_path, unique, wait_until  # noqa: E402
from prom_stack import PromStack, scrape_job  # noqa: E402

# pktlensd in A listens on ":PORT": one dual-stack socket, 127.0.0.1 and ::1.
LISTEN = f":{PORT}"

# ---------------------------------------------------------------------------
# Certificates, password hashes


def openssl(*args: str) -> None:
    run(["openssl", *args])


class Pki:
    """A CA, server certificates for localhost/127.0.0.1/::1, a client
    certificate of the CA and one of a CA nobody trusts."""

    def __init__(self) -> None:
        self.dir = tmp_path(f"pki-{unique()}")
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


def write_web_config(text: str, name: str = "web.yml", directory: str = "") -> str:
    path = os.path.join(directory or tmp_path(""), name)
    with open(path, "w") as f:
        f.write(text)
    return path


def tls_section(pki: Pki, extra: str = "") -> str:
    return (f"tls_server_config:\n  cert_file: {pki.path('server.pem')}\n"
            f"  key_file: {pki.path('server.key')}\n" + extra)


# ---------------------------------------------------------------------------
# Clients


class Curl:
    def __init__(self, ns: str, pki: Pki | None) -> None:
        self.ns = ns
        self.pki = pki

    def code(self, url: str, *extra: str) -> str:
        """The HTTP status, or "000" when none came (TLS refused)."""
        argv = ["curl", "-sS", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}"]
        if self.pki:
            argv += ["--cacert", self.pki.path("ca.pem")]
        return ns_run(self.ns, argv + list(extra) + [url], check=False).stdout.strip()

    def body(self, url: str, *extra: str) -> str:
        argv = ["curl", "-sS", "--fail", "--max-time", "10", "--compressed"]
        if self.pki:
            argv += ["--cacert", self.pki.path("ca.pem")]
        p = ns_run(self.ns, argv + list(extra) + [url], check=False)
        if p.returncode != 0:
            raise AssertionError(f"curl {url}: {p.stderr.strip()}")
        return p.stdout


def s_client(ns: str, *args: str) -> subprocess.CompletedProcess:
    return ns_run(ns, ["openssl", "s_client", "-connect", f"127.0.0.1:{PORT}",
                       "-servername", "localhost", *args], check=False, input="")


def subject_cn(ns: str, pki: Pki) -> str:
    out = s_client(ns, "-CAfile", pki.path("ca.pem")).stdout
    m = re.search(r"^subject=CN = (\S+)", out, re.M)
    return m.group(1) if m else out


HALF_SENT = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: "


def hold_connections(ns: str, n: int) -> list[socket.socket]:
    """n connections to 127.0.0.1 and ::1, half of them with a request
    head that never ends."""
    held = []
    with in_netns(ns):
        for i in range(n):
            host = "127.0.0.1" if i % 4 < 2 else "::1"
            s = socket.create_connection((host, PORT), timeout=5)
            if i % 2:
                s.sendall(HALF_SENT)
            held.append(s)
    return held


def timed_scrapes(ns: str, n: int, context: ssl.SSLContext | None = None,
                  headers: dict | None = None) -> list[float]:
    """n scrapes over new connections, each timed from connect to the last
    byte of the body, in ms."""
    times = []
    with in_netns(ns):
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
# The scenarios


class Web(E2E):
    def daemon(self, args: list[str], cfg: str = "") -> Pktlensd:
        """pktlensd in A with command-line `args`, on `cfg` (unless given:
        the product's settings, listening on LISTEN); not waited for."""
        return self.start(cfg or config(flows=False, listen=LISTEN), self.pin(), args=args)

    def serve(self, args: list[str], cfg: str = "") -> Pktlensd:
        """daemon(), ready."""
        d = self.daemon(args, cfg)
        self.ready(d)
        return d

    def test_https_basic_auth(self) -> None:
        """TLS 1.2 and 1.3 (1.1 refused), basic auth right/wrong/missing,
        IPv6 [::1] and IPv4 on the one dual-stack socket of ':PORT'."""
        ns, pki = self.net.a, Pki()
        web = write_web_config(tls_section(pki) +
                               "http_server_config:\n  headers:\n    X-Frame-Options: deny\n"
                               f"basic_auth_users:\n  prom: {bcrypt('prom', 's3cret')}\n")
        d = self.serve(["--web.config.file", web])
        self.assertIn(f"serving /metrics on :{PORT}: TLS (TLS12 to TLS13), basic auth for 1 user",
                      d.log())
        curl = Curl(ns, pki)
        for host in ("127.0.0.1", "[::1]", "localhost"):
            url = f"https://{host}:{PORT}/metrics"
            self.assertEqual(curl.code(url, "-u", "prom:s3cret"), "200", url)
            self.assertEqual(curl.code(url, "-u", "prom:wrong"), "401", url)
            self.assertEqual(curl.code(url), "401", url)
        self.assertIn("pktlens_up 1", curl.body(f"https://[::1]:{PORT}/metrics", "-u", "prom:s3cret"))
        head = ns_run(ns, ["curl", "-sS", "-D", "-", "-o", "/dev/null", "--cacert", pki.path("ca.pem"),
                       f"https://127.0.0.1:{PORT}/metrics"], check=False).stdout
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
        self.assertEqual(d.terminate(), 0)

    def test_client_certs(self) -> None:
        """RequireAndVerifyClientCert: no certificate or one of another CA
        is refused in the handshake; the CA's client certificate gets in."""
        ns, pki = self.net.a, Pki()
        web = write_web_config(tls_section(pki, "  client_auth_type: RequireAndVerifyClientCert\n"
                                                f"  client_ca_file: {pki.path('ca.pem')}\n"))
        self.serve(["--web.config.file", web])
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
        ns, pki = self.net.a, Pki()
        cert_dir = tmp_path(f"certs-{unique()}")
        os.makedirs(cert_dir)
        for name in ("server.pem", "server.key"):
            shutil.copy(pki.path(name), os.path.join(cert_dir, name))
        # Relative names: taken from the web config's directory.
        web = write_web_config("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n",
                               directory=cert_dir)
        d = self.serve(["--web.config.file", web])
        self.assertEqual(subject_cn(ns, pki), "localhost")
        pki.issue("rotated", "rotated.localhost", "DNS:localhost,IP:127.0.0.1,IP:::1")
        for name in ("pem", "key"):
            shutil.copy(pki.path(f"rotated.{name}"), os.path.join(cert_dir, f"server.{name}"))
        self.assertEqual(subject_cn(ns, pki), "localhost", "the certificate changed before SIGHUP")
        os.kill(d.pid, signal.SIGHUP)
        wait_until(lambda: "configuration reloaded" in d.log(), 20, what="the reload")
        self.assertEqual(subject_cn(ns, pki), "rotated.localhost")
        self.assertEqual(Curl(ns, pki).code(f"https://localhost:{PORT}/metrics"), "200")

        with open(web, "a") as f:
            f.write("  min_version: TLS14\n")
        os.kill(d.pid, signal.SIGHUP)
        wait_until(lambda: "reload failed" in d.log(), 20, what="the failed reload")
        line = next(l for l in d.log().splitlines() if "reload failed" in l)
        self.assertIn(f"{web}:4:16: tls_server_config.min_version: unknown TLS version 'TLS14'", line)
        self.assertEqual(subject_cn(ns, pki), "rotated.localhost")
        self.assertEqual(d.terminate(), 0)

    def test_bad_web_config(self) -> None:
        """A web config with an error: FILE:LINE:COL, exit 1, nothing served."""
        pki = Pki()
        web = write_web_config(tls_section(pki, "  client_auth_type: Sometimes\n"))
        d = self.daemon(["--web.config.file", web])
        self.assertEqual(d.wait_exit(60), 1, d.log())
        self.assertIn(f"{web}:4:21: tls_server_config.client_auth_type: unknown client_auth_type "
                      "'Sometimes'", d.log())
        missing = write_web_config("tls_server_config:\n  cert_file: nope.pem\n  key_file: nope.key\n",
                                   name="missing.yml")
        d2 = self.daemon(["--web.config.file", missing])
        self.assertEqual(d2.wait_exit(60), 1, d2.log())
        self.assertIn(f"{missing}:2:14: tls_server_config.cert_file: cannot open {os.path.dirname(missing)}/nope.pem: "
                      "No such file or directory", d2.log())

    def test_idle_connections(self) -> None:
        """200 idle or half-sent connections held open: a scrape is answered
        in at most 100 ms (median of 9, plain and TLS), and memory stays flat
        over rounds of them."""
        ns, pki = self.net.a, Pki()
        plain = self.serve([])
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
        plain.terminate()

        web = write_web_config(tls_section(pki) + f"basic_auth_users:\n  prom: {bcrypt('prom', 's3cret')}\n")
        tls = self.serve(["--web.config.file", web])
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
        ns, pki = self.net.a, Pki()
        web = write_web_config(tls_section(pki) + f"basic_auth_users:\n  prom: {bcrypt('prom', 's3cret')}\n")
        self.serve(["--web.config.file", web])
        prom = PromStack(ns, PORT, jobs=[
            scrape_job(job, PORT, scheme="https", ca_file=pki.path("ca.pem"), server_name="localhost",
                       basic_auth=("prom", pw))
            for job, pw in (("pktlens", "s3cret"), ("pktlens_wrong", "s3cretx"))])
        wait_until(lambda: prom.up("pktlens") == 1.0, 60,
                   what=f"up{{job=pktlens}} == 1; {prom.logs()}")
        wait_until(lambda: prom.up("pktlens_wrong") == 0.0, 60, what="up{job=pktlens_wrong} == 0")
        self.assertIn("401", prom.target_error("pktlens_wrong"))
        self.assertEqual(prom.target_error("pktlens"), "")

    def test_flags(self) -> None:
        """node_exporter's flags: two --web.listen-address, --web.telemetry-path,
        --log.level, --log.format json, the landing page, --version."""
        ns = self.net.a
        d = self.serve(["--web.listen-address", f"127.0.0.1:{PORT}",
                        "--web.listen-address", f"[::1]:{PORT + 1}",
                        "--web.telemetry-path", "/pktlens/metrics",
                        "--log.level", "debug", "--log.format", "json"],
                       cfg=config(flows=False, listen="127.0.0.1:1"))
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
        version = run([harness.pktlensd(), "--version"]).stdout
        self.assertRegex(version, r"^pktlensd \d+\.\d+\.\d+\n  abi: \d+\n  libbpf: \d+\.\d+")
        bad = run([harness.pktlensd(), "--web.listen-address", "[::1]9586"], check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("unexpected '9586' after ']'", bad.stderr + bad.stdout)


if __name__ == "__main__":
    main()
