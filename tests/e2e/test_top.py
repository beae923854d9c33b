#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""`pktlensd top` on a real terminal: pktlensd counts two UDP flows B -> A
of clearly different rates, `pktlensd top --url http://127.0.0.1:PORT/metrics`
runs in a tmux session inside namespace A (nsenter --net), and the test
reads the screen with `tmux capture-pane` and types keys with `send-keys`.
A second scenario scrapes over HTTPS with a client certificate and basic
auth (certificates from the openssl tool, a bcrypt hash from htpasswd).
Same harness and namespaces as the other e2e tests (harness.py); the tmux
server is one of the test's own (its socket in the test's temporary
directory), killed at the end.

    sudo /usr/bin/python3 tests/e2e/test_top.py build/daemon/pktlensd            # both
    sudo /usr/bin/python3 tests/e2e/test_top.py build/daemon/pktlensd Top.test_top_ranks_flows
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import E2E, IF, PORT, Net, config, in_netns, main, pktlensd, run, tmp_path, unique, wait_until  # noqa: E402

# Many small datagrams (high pkt/s, lower bit/s) and few large ones (low
# pkt/s, higher bit/s): ranked by bytes the large flow is first, by packets
# the small one. Frames: 18 + 42 = 60 bytes, 1000/s = 480 kbit/s; 1400 + 42
# = 1442 bytes, 100/s = 1.15 Mbit/s.
SMALL_PORT, SMALL_SIZE, SMALL_PPS = 7001, 18, 1000
LARGE_PORT, LARGE_SIZE, LARGE_PPS = 7002, 1400, 100


class UdpFlow:
    """A UDP socket in B sending `pps` datagrams of `size` bytes a second to
    A:port, in bursts every 20 ms, on its own thread until stop()."""

    def __init__(self, net: Net, port: int, size: int, pps: int) -> None:
        with in_netns(net.b):
            self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.connect((Net.A4, port))
        self._payload = b"x" * size
        self._burst = max(1, pps // 50)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        start = time.monotonic()
        n = 0
        while not self._stop.is_set():
            for _ in range(self._burst):
                try:
                    self.sock.send(self._payload)
                except OSError:
                    pass
            n += 1
            time.sleep(max(0.0, start + n * 0.02 - time.monotonic()))

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        self.sock.close()


class Tmux:
    """A tmux server of the test's own (-S socket) with one session."""

    def __init__(self, command: str, width: int = 200, height: int = 50) -> None:
        self.sock = tmp_path(f"tmux-{unique()}.sock")
        run(["tmux", "-S", self.sock, "-f", "/dev/null", "new-session", "-d", "-s", "top",
             "-x", str(width), "-y", str(height), command])

    def screen(self) -> str:
        p = run(["tmux", "-S", self.sock, "capture-pane", "-p", "-t", "top"], check=False)
        return p.stdout if p.returncode == 0 else ""

    def keys(self, *keys: str) -> None:
        run(["tmux", "-S", self.sock, "send-keys", "-t", "top"] + list(keys))

    def close(self) -> None:
        run(["tmux", "-S", self.sock, "kill-server"], check=False)


def flow_rows(screen: str) -> tuple[int, int] | None:
    """Rows of the small and the large flow on the screen (both with a
    rate), or None while either is missing."""
    small = large = None
    for i, line in enumerate(screen.splitlines()):
        if f"{Net.A4}:{SMALL_PORT}" in line and "udp" in line:
            small = i
        if f"{Net.A4}:{LARGE_PORT}" in line and "udp" in line:
            large = i
    return (small, large) if small is not None and large is not None else None


def read_text(path: str) -> str:
    """The file's text, stripped ("" while it does not exist)."""
    try:
        with open(path) as f:
            return f.read().strip()
    except FileNotFoundError:
        return ""


def openssl(*args: str) -> None:
    run(["openssl", *args])


class Pki:
    """A CA, a server certificate for 127.0.0.1 and a client certificate."""

    def __init__(self) -> None:
        self.dir = tmp_path(f"pki-{unique()}")
        os.makedirs(self.dir)
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", self.path("ca.key"), "-out", self.path("ca.pem"), "-days", "2",
                "-subj", "/CN=pktlens top e2e CA")
        self._issue("server", "IP:127.0.0.1")
        self._issue("client", "DNS:prometheus.example")

    def path(self, name: str) -> str:
        return os.path.join(self.dir, name)

    def _issue(self, name: str, san: str) -> None:
        ext = self.path(name + ".ext")
        with open(ext, "w") as f:
            f.write(f"subjectAltName={san}\n")
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", self.path(name + ".key"), "-out", self.path(name + ".csr"), "-subj", f"/CN={name}")
        openssl("x509", "-req", "-in", self.path(name + ".csr"), "-CA", self.path("ca.pem"),
                "-CAkey", self.path("ca.key"), "-CAcreateserial", "-out", self.path(name + ".pem"),
                "-days", "2", "-extfile", ext)


def write_file(name: str, text: str) -> str:
    path = tmp_path(f"{unique()}-{name}")
    with open(path, "w") as f:
        f.write(text)
    return path


class Top(E2E):
    def test_top_ranks_flows(self):
        d = self.start(config(), self.pin())
        self.ready(d)
        # Receivers in A (never read: once their buffers are full the
        # kernel drops, after pktlens counted the frames at TC ingress).
        receivers = []
        for port in (SMALL_PORT, LARGE_PORT):
            with in_netns(self.net.a):
                r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            r.bind((Net.A4, port))
            self.addCleanup(r.close)
            receivers.append(r)
        for port, size, pps in ((SMALL_PORT, SMALL_SIZE, SMALL_PPS), (LARGE_PORT, LARGE_SIZE, LARGE_PPS)):
            f = UdpFlow(self.net, port, size, pps)
            self.addCleanup(f.stop)

        rc_file = tmp_path(f"top-{unique()}.rc")
        tmux = Tmux(f"nsenter --net=/run/netns/{self.net.a} -- {pktlensd()} top "
                    f"--url http://127.0.0.1:{PORT}/metrics; echo $? > {rc_file}")
        self.addCleanup(tmux.close)

        # Ranked by bytes (the default): the large flow first.
        screen = wait_until(lambda: (lambda s: s if flow_rows(s) and "flows by bytes" in s else None)(tmux.screen()),
                            30, what="both flows on the screen of pktlensd top")
        small, large = flow_rows(screen)
        self.assertLess(large, small, f"by bytes, {LARGE_PORT} should rank above {SMALL_PORT}:\n{screen}")
        lines = screen.splitlines()
        self.assertTrue(any(line.startswith(IF + " ") for line in lines),
                        f"interface {IF} not on the screen:\n{screen}")
        header = next(i for i, line in enumerate(lines) if line.startswith("INTERFACE"))
        self.assertLess(header, large, screen)

        # `p`: ranked by packets, the small flow first.
        tmux.keys("p")
        screen = wait_until(lambda: (lambda s: s if flow_rows(s) and "flows by packets" in s else None)(tmux.screen()),
                            10, what="flows by packets")
        small, large = flow_rows(screen)
        self.assertLess(small, large, f"by packets, {SMALL_PORT} should rank above {LARGE_PORT}:\n{screen}")

        # `q` quits with status 0; pktlensd is unaffected.
        tmux.keys("q")
        status = wait_until(lambda: read_text(rc_file), 10, what="pktlensd top to exit after q")
        self.assertEqual(status, "0", f"pktlensd top exited {status}")
        self.assertTrue(d.alive(), f"pktlensd exited; log:\n{d.log()}")

    def test_top_https_client_cert_basic_auth(self):
        """Against /metrics behind TLS with a required client certificate and
        basic auth: with --ca-file, --cert-file/--key-file, --username and
        --password-file top shows the interface; with a wrong password it
        shows the scrape's HTTP 401 and keeps running; q quits with 0."""
        pki = Pki()
        bcrypt = run(["htpasswd", "-nbB", "-C", "10", "prom", "s3cret"]).stdout.strip().split(":", 1)[1]
        web = write_file("web.yml",
                         f"tls_server_config:\n  cert_file: {pki.path('server.pem')}\n"
                         f"  key_file: {pki.path('server.key')}\n"
                         "  client_auth_type: RequireAndVerifyClientCert\n"
                         f"  client_ca_file: {pki.path('ca.pem')}\n"
                         f"basic_auth_users:\n  prom: {bcrypt}\n")
        d = self.start(config(), self.pin(), args=["--web.config.file", web])
        self.ready(d)
        tls = (f"--url https://127.0.0.1:{PORT}/metrics --ca-file {pki.path('ca.pem')} "
               f"--cert-file {pki.path('client.pem')} --key-file {pki.path('client.key')} --username prom")
        for password, want in (("s3cret", None), ("wrong", "HTTP 401")):
            rc_file = tmp_path(f"top-{unique()}.rc")
            tmux = Tmux(f"nsenter --net=/run/netns/{self.net.a} -- {pktlensd()} top {tls} "
                        f"--password-file {write_file('password', password + chr(10))}; echo $? > {rc_file}")
            self.addCleanup(tmux.close)
            if want is None:
                screen = wait_until(lambda: (lambda s: s if any(l.startswith(IF + " ") for l in s.splitlines())
                                             else None)(tmux.screen()), 20, what=f"{IF} on the screen")
                self.assertNotIn("scrape failed", screen)
            else:
                screen = wait_until(lambda: (lambda s: s if want in s else None)(tmux.screen()), 20,
                                    what=f"{want} on the screen")
                self.assertIn("scrape failed", screen)
            tmux.keys("q")
            status = wait_until(lambda: read_text(rc_file), 10, what="pktlensd top to exit after q")
            self.assertEqual(status, "0", f"pktlensd top exited {status}")
        self.assertTrue(d.alive(), f"pktlensd exited; log:\n{d.log()}")


if __name__ == "__main__":
    main()
