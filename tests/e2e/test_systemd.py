#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The Debian package's lifecycle under real systemd (issue #16, item 6):
a Debian 12 booted in systemd-nspawn (tests/e2e/nspawn.py), the build
tree's .deb installed with dpkg -i, pktlensd run by the packaged
pktlens.service with its hardening, counting frames on the A side of
harness.Net, scraped from the host.

    sudo /usr/bin/python3 tests/e2e/test_systemd.py build/daemon/pktlensd Systemd.test_systemd_lifecycle

The first run debootstraps BUILD/nspawn-root (one to three minutes); later
runs boot an overlay of it in about a second.
"""

from __future__ import annotations

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import nspawn  # noqa: E402
from harness import (E2E, IF, PORT, Metrics, Net, Sender, by, config, delta, main, new_pin_dir,  # noqa: E402
                     pktlensd, run, scrape, wait_until)

# Root creation on a cold cache, then three containers.
CTEST_TIMEOUT = 900

UNIT = "pktlens.service"
UDP_LEN = 142  # bytes of each test frame, Ethernet header included


def build_dir() -> str:
    """The build tree (CTest sets PKTLENS_BUILD_DIR; else pktlensd's BUILD/daemon/..)."""
    return os.environ.get("PKTLENS_BUILD_DIR") or os.path.dirname(os.path.dirname(pktlensd()))


def udp_frames(n: int) -> list[bytes]:
    """n UDP frames B -> an on-link address that is nobody's: A counts them
    at ingress and drops them silently (nothing is sent back)."""
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    frame = bytes(Ether(src=Net.MAC_B, dst=Net.MAC_A) / IP(src=Net.B4, dst=Net.OTHER4)
                  / UDP(sport=40000, dport=40001))
    frame += b"u" * (UDP_LEN - len(frame))
    return [frame] * n


def per_class(m: Metrics, name: str) -> dict:
    return by(m.series(name, interface=IF), "dir", "l3", "l4")


class Systemd(E2E):
    """One container per test, the .deb of the build tree, A's veth."""

    def setUp(self) -> None:
        super().setUp()
        build = build_dir()
        self.deb = nspawn.pack_deb(build)
        lower = nspawn.root(build, self.deb)
        self.fs = new_pin_dir()
        self.addCleanup(self.fs.close)
        self.box = nspawn.Container(lower, self.net.a, self.fs)
        self.addCleanup(self.box.close)

    # -- the container's systemd

    def systemctl(self, *args: str, check: bool = True):
        return self.box.run(["systemctl", *args], check=check)

    def show(self) -> dict[str, str]:
        out = self.systemctl("show", "-p", "ActiveState", "-p", "SubState", "-p", "StatusText",
                             "-p", "MainPID", "-p", "NRestarts", "-p", "LoadState", UNIT).stdout
        return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)

    def journal(self, priority: str = "debug") -> str:
        return self.box.run(["journalctl", "-u", UNIT, "-p", priority, "-o", "cat", "--no-pager"]).stdout

    def install(self) -> None:
        target = "/root/" + os.path.basename(self.deb)
        with open(self.deb, "rb") as src, open(self.box.path(target), "wb") as dst:
            dst.write(src.read())
        p = self.box.run(["dpkg", "-i", target], check=False, timeout=120)
        self.assertEqual(p.returncode, 0, f"dpkg -i:\n{p.stdout}\n{p.stderr}")

    def configure(self, extra: str = "") -> str:
        """The test's configuration as /etc/pktlens/pktlens.yaml: A's veth,
        /metrics on 127.0.0.1:PORT, collection every second."""
        with open(config(extra=extra)) as f:
            text = f.read()
        self.box.write("/etc/pktlens/pktlens.yaml", text)
        return text

    def start_on_test_config(self) -> str:
        """Restarts the service on configure()'s file; returns its MainPID."""
        self.configure()
        self.systemctl("restart", UNIT)
        st = self.assert_running()
        return st["MainPID"]

    def assert_running(self) -> dict[str, str]:
        st = self.show()
        self.assertEqual((st["ActiveState"], st["SubState"]), ("active", "running"), st)
        self.assertRegex(st["StatusText"], rf"^1 interface \({IF}\), \d+ flows",
                         f"STATUS=; journal:\n{self.journal('info')[-3000:]}")
        return st

    def wait_restarted(self, old_pid: str) -> dict[str, str]:
        """Waits for systemd's automatic restart after an unclean exit of old_pid."""
        def restarted():
            st = self.show()
            return (st if st["NRestarts"] == "1" and st["ActiveState"] == "active"
                    and st["MainPID"] not in ("0", old_pid) else None)
        return wait_until(restarted, 90, step=0.5, what=f"systemd to restart {UNIT}")

    def assert_monitoring_again(self, base: tuple[dict, dict], already: int) -> None:
        """The restarted pktlensd reports the interface attached, has its one
        filter per direction, and counts on from the pinned maps."""
        try:
            wait_until(lambda: self.show()["StatusText"].startswith(f"1 interface ({IF})"), 10,
                       what=f"the restarted pktlensd to report {IF} attached")
        except AssertionError as e:
            raise AssertionError(f"{e}: STATUS={self.show()['StatusText']!r}; journal:\n"
                                 + "\n".join(self.journal("info").splitlines()[-8:])) from None
        self.assert_one_filter_each()
        self.send_and_expect(base, 20, already=already)

    # -- what the kernel sees

    def maps(self, pin_dir: str) -> set[int]:
        """IDs of the maps pinned in pin_dir (a directory of the test's bpffs;
        the tcx links' pins, link_tcx_*, are no maps)."""
        return {json.loads(run(["bpftool", "-j", "map", "show", "pinned", os.path.join(pin_dir, f)]).stdout)["id"]
                for f in os.listdir(pin_dir) if not f.startswith("link_")}

    def programs(self, maps: set[int]) -> set[int]:
        """IDs of the loaded BPF programs that use one of `maps`: pktlensd's
        programs of this test, not those of tests running beside it (this
        kernel's bpftool cannot name the processes holding a program)."""
        return {p["id"] for p in json.loads(run(["bpftool", "-j", "prog", "show"]).stdout)
                if maps & set(p.get("map_ids", []))}

    def assert_programs_gone(self, ids: set[int]) -> None:
        """The kernel frees a program whose last holder was a TC filter
        only after an RCU grace period, from a work queue (cls_bpf), so a
        stopped pktlensd's programs may be listed for a moment after the
        stop: they must be gone within seconds, not at once."""
        def alive() -> list[int]:
            return [i for i in ids
                    if run(["bpftool", "prog", "show", "id", str(i)], check=False).returncode == 0]
        try:
            wait_until(lambda: not alive(), 10, what="the stopped pktlensd's programs to be freed")
        except AssertionError:
            self.assertEqual(alive(), [], "programs of the stopped pktlensd are still loaded")

    def counts(self) -> tuple[dict, dict]:
        m = Metrics(scrape(self.net.a, PORT))
        return per_class(m, "pktlens_packets_total"), per_class(m, "pktlens_bytes_total")

    def send_and_expect(self, base: tuple[dict, dict], n: int, already: int = 0) -> None:
        """Sends n frames; /metrics must then show exactly already + n of them
        since `base`, as ipv4/udp at ingress, and nothing else, and keep
        showing exactly that."""
        sender = Sender(self.net.b, Net.IF_B)
        try:
            sender.send(udp_frames(n))
        finally:
            sender.close()
        total = already + n
        want = ({("ingress", "ipv4", "udp"): total}, {("ingress", "ipv4", "udp"): total * UDP_LEN})

        def got():
            p, b = self.counts()
            return delta(p, base[0]), delta(b, base[1])
        try:
            wait_until(lambda: got() == want, 20, step=0.5, what=f"{total} frames in /metrics")
        except AssertionError:
            self.assertEqual(got(), want, "packets and bytes per (dir, l3, l4) since the base scrape")
        self.net.wait_quiet(quiet_for=2.5)  # > 2 collections later: still exact
        self.assertEqual(got(), want, "packets and bytes per (dir, l3, l4) since the base scrape")

    def accounts(self) -> dict[str, str]:
        out = {}
        for f in ("passwd", "group", "shadow", "gshadow"):
            with open(self.box.path(f"/etc/{f}")) as fh:
                out[f] = fh.read()
        return out

    # -- the scenarios

    def test_systemd_lifecycle(self) -> None:
        box = self.box
        accounts = self.accounts()

        # dpkg -i enables and starts the service (on the shipped config).
        self.install()
        self.assertEqual(self.systemctl("is-enabled", UNIT, check=False).stdout.strip(), "enabled")
        self.assertEqual(self.show()["ActiveState"], "active", self.journal("info"))

        # The installed unit: verify prints nothing (its man page is
        # installed, so Documentation= resolves), exposure <= 3.0.
        p = box.run(["systemd-analyze", "verify", f"/lib/systemd/system/{UNIT}"], check=False)
        self.assertEqual((p.returncode, p.stdout + p.stderr), (0, ""), "systemd-analyze verify")
        p = box.run(["systemd-analyze", "security", "--no-pager", UNIT], check=False)
        score = re.search(rf"Overall exposure level for {re.escape(UNIT)}: (\d+\.\d+)", p.stdout)
        self.assertIsNotNone(score, p.stdout + p.stderr)
        print(f"systemd-analyze security: {score.group(1)}", flush=True)
        self.assertLessEqual(float(score.group(1)), 3.0)

        # systemctl start on the test's config, ARGS= from /etc/default/pktlens:
        # active once READY=1 came, STATUS= naming the interface.
        self.systemctl("stop", UNIT)
        cfg = self.configure()
        box.write("/etc/default/pktlens", 'ARGS="--bpf-pin-dir /sys/fs/bpf/pktlens/e2e"\n')
        self.systemctl("start", UNIT)
        st = self.assert_running()
        cmdline = box.run(["cat", f"/proc/{st['MainPID']}/cmdline"]).stdout.split("\0")[:-1]
        self.assertEqual(cmdline, ["/usr/sbin/pktlensd", "--bpf-pin-dir", "/sys/fs/bpf/pktlens/e2e"])
        pins = os.path.join(self.fs.mountpoint, "pktlens", "e2e")
        self.assertIn("pktlens_stats", os.listdir(pins), "maps pinned in the --bpf-pin-dir of ARGS")
        self.assert_one_filter_each()
        maps = self.maps(pins)
        programs = self.programs(maps)
        self.assertTrue(programs, "no BPF program uses the pinned maps")

        # Metrics exact for generated traffic.
        self.net.wait_quiet()
        base = self.counts()
        self.send_and_expect(base, 40)
        # The flow's own counter is exact too: its frames after the first
        # counted in a CPU's flow cache, which pktlensd flushes from a thread
        # pinned to each CPU (sched_setaffinity, let through the unit's
        # system call filter).
        m = Metrics(scrape(self.net.a, PORT))
        self.assertEqual(m.get("pktlens_flow_cache_cpus"), len(os.sched_getaffinity(0)),
                         self.journal("info"))
        self.assertEqual(m.get("pktlens_flow_packets_total", sport="40000", dport="40001"), 40)

        # systemctl reload with a changed key: log_level applies at once, same process.
        self.assertNotIn("collect cycle took", self.journal("debug"))
        box.write("/etc/pktlens/pktlens.yaml", cfg.replace("log_level: info", "log_level: debug"))
        self.systemctl("reload", UNIT)
        wait_until(lambda: "configuration reloaded" in self.journal("info"), 20, what="the reload")
        wait_until(lambda: "collect cycle took" in self.journal("debug"), 20,
                   what="debug lines after log_level: debug")
        self.assertEqual(self.show()["MainPID"], st["MainPID"], "a reload must not restart pktlensd")
        self.send_and_expect(base, 10, already=40)

        # systemctl stop: nothing attached, no program loaded; the pins stay
        # (counters continue on the next start).
        self.systemctl("stop", UNIT)
        self.assertEqual(self.show()["ActiveState"], "inactive")
        self.assert_nothing_attached()
        self.assert_programs_gone(programs)
        self.assertIn("pktlens_stats", os.listdir(pins))

        # dpkg --purge: no program, qdisc, pin, user or file left.
        p = box.run(["dpkg", "--purge", "pktlens"], check=False, timeout=120)
        self.assertEqual(p.returncode, 0, f"dpkg --purge:\n{p.stdout}\n{p.stderr}")
        self.assertNotEqual(box.run(["dpkg", "-s", "pktlens"], check=False).returncode, 0)
        self.assert_nothing_attached()
        self.assert_programs_gone(programs)
        # maps.debug and progs.debug are the kernel's own, in every bpffs.
        self.assertEqual(set(os.listdir(self.fs.mountpoint)) - {"maps.debug", "progs.debug"}, set(),
                         "pins left in /sys/fs/bpf")
        left = [m for m in maps if run(["bpftool", "map", "show", "id", str(m)], check=False).returncode == 0]
        self.assertEqual(left, [], "maps of pktlensd still exist after dpkg --purge")
        self.assertEqual(self.accounts(), accounts, "users or groups changed")
        for path in ("/etc/pktlens", "/etc/default/pktlens", f"/lib/systemd/system/{UNIT}",
                     "/usr/sbin/pktlensd", "/usr/share/pktlens", "/usr/share/doc/pktlens"):
            self.assertFalse(os.path.lexists(box.path(path)), f"{path} left after dpkg --purge")
        self.assertEqual(self.show()["LoadState"], "not-found")

    def test_systemd_kill_restart(self) -> None:
        self.install()
        old = self.start_on_test_config()
        self.net.wait_quiet()
        base = self.counts()
        self.send_and_expect(base, 30)

        # SIGKILL: Restart=on-failure brings it back after RestartSec=.
        self.systemctl("kill", "-s", "KILL", UNIT)
        self.wait_restarted(old)
        self.assertIn("status=9/KILL", self.journal("info"))

        # Monitoring again, the counters continuing from the pinned maps.
        self.assert_monitoring_again(base, already=30)

    def test_systemd_watchdog_restart(self) -> None:
        self.install()
        # The unit's WatchdogSec=60s, shortened for the test; the mechanism is
        # the same. A stopped process ignores the watchdog's SIGABRT, so
        # systemd kills it after TimeoutAbortSec= (TimeoutStopSec= unless set).
        os.makedirs(self.box.path(f"/etc/systemd/system/{UNIT}.d"))
        self.box.write(f"/etc/systemd/system/{UNIT}.d/e2e-watchdog.conf",
                       "[Service]\nWatchdogSec=3s\nTimeoutAbortSec=3s\n")
        self.systemctl("daemon-reload")
        old = self.start_on_test_config()
        self.net.wait_quiet()
        base = self.counts()
        self.send_and_expect(base, 30)

        # A main loop that stops petting the watchdog: aborted, then restarted.
        self.systemctl("kill", "-s", "STOP", UNIT)
        self.wait_restarted(old)
        self.assertIn("Watchdog timeout", self.journal("info"))

        self.assert_monitoring_again(base, already=30)


if __name__ == "__main__":
    main()
