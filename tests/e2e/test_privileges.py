#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Least privilege (docs/running.md, "Privilege model"): after attaching,
pktlensd's main thread holds only CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN
and the HTTP threads none, with no_new_privs everywhere; it runs as a
dedicated non-root user given those capabilities, whose pins no other uid
can open, even with CAP_BPF; a pin dir someone else owns or can write, or
a directory planted under a map's name, is refused by name. Same harness
and namespaces as test_e2e.py (harness.py).

    sudo /usr/bin/python3 tests/e2e/test_privileges.py build/daemon/pktlensd Privileges.test_threads_hold_only_what_they_need
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    CLSACT, E2E, IF, Net, Sender, config, detach_tcx_links, kernel_has_tcx, main, ns_run, pktlens_filters, run,
    wait_until,
)

from scapy.layers.inet import IP, UDP  # noqa: E402
from scapy.layers.l2 import Ether  # noqa: E402

CTEST_TIMEOUT = 180

# CAP_NET_ADMIN 12, CAP_PERFMON 38, CAP_BPF 39 (linux/capability.h).
KEPT = (1 << 12) | (1 << 38) | (1 << 39)
HTTP_THREADS = {"pktlens-http", "pktlens-render", "pktlens-auth"}
# Uids of no user on a test machine: pktlensd's dedicated user, and another.
DAEMON_UID, OTHER_UID = 64731, 64732
DEDICATED_CAPS = "-all,+bpf,+perfmon,+net_admin"


def thread_status(pid: int) -> dict[int, dict[str, str]]:
    """/proc/PID/task/*/status of every thread: {tid: {field: value}},
    with the thread's name as "Name"."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/status") as f:
            fields = dict(line.rstrip("\n").split(":\t", 1) for line in f if ":\t" in line)
        out[int(tid)] = fields
    return out


def caps(fields: dict[str, str], which: str) -> int:
    return int(fields[which], 16)


def udp_frame() -> bytes:
    """B -> an on-link address nobody has: A drops it after TC ingress counted it."""
    return bytes(Ether(src=Net.MAC_B, dst=Net.MAC_A) / IP(src=Net.B4, dst=Net.OTHER4)
                 / UDP(sport=45000, dport=9) / (b"p" * 32))


def as_uid(uid: int, caps_: str) -> list[str]:
    """A prefix running a command as `uid` (group too) with `caps_`
    (setpriv's syntax) inherited and ambient, so they survive the exec."""
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
            f"--inh-caps={caps_}", f"--ambient-caps={caps_}", f"--bounding-set={caps_}"]


class Privileges(E2E):
    def assert_refused(self, pin: str, *expected: str) -> None:
        p = self.run_pktlensd(["--config", config(), "--bpf-pin-dir", pin])
        self.assertEqual(p.returncode, 1, f"exit status; stderr: {p.stderr}")
        for text in expected:
            self.assertIn(text, p.stderr, "the message should say it")
        fatal = [line for line in p.stderr.splitlines() if " critical " in line]
        self.assertEqual(len(fatal), 1, p.stderr)
        self.assertNotIn("kernel", fatal[0], "the message blames the kernel")
        self.assert_nothing_attached()

    def test_threads_hold_only_what_they_need(self) -> None:
        # clsact filters (forced where the kernel has tcx hooks): deleting
        # the clsact removes them; test_tcx_reattach_after_the_drop detaches
        # tcx links.
        d = self.start(config(), self.pin(), prefix=CLSACT)
        self.ready(d)
        threads = thread_status(d.pid)
        main_thread = threads[d.pid]
        self.assertEqual(caps(main_thread, "CapEff"), KEPT, f"main thread: {main_thread}")
        self.assertEqual(caps(main_thread, "CapPrm"), KEPT, f"main thread: {main_thread}")
        self.assertEqual(caps(main_thread, "CapBnd"), KEPT, f"main thread: {main_thread}")
        self.assertEqual(caps(main_thread, "CapAmb"), 0, f"main thread: {main_thread}")
        names = {t["Name"] for t in threads.values()}
        self.assertTrue(HTTP_THREADS <= names, f"HTTP threads not found among {names}")
        for tid, t in threads.items():
            self.assertEqual(t["NoNewPrivs"], "1", f"thread {tid} ({t['Name']})")
            if t["Name"] in HTTP_THREADS:
                for which in ("CapEff", "CapPrm", "CapInh", "CapBnd", "CapAmb"):
                    self.assertEqual(caps(t, which), 0, f"{t['Name']} thread {tid}: {which}")
        # What is kept works: serving, and re-attaching where the programs
        # were removed (CAP_NET_ADMIN, after the drop).
        self.assertIn("pktlens_up 1", self.scrape_text())
        ns_run(self.net.a, ["tc", "qdisc", "del", "dev", IF, "clsact"])
        wait_until(lambda: len(pktlens_filters(self.net.a, IF, "ingress")) == 1, 20,
                   what="re-attachment after the clsact qdisc was deleted")
        self.assertIn("attached again", d.log())
        self.assertEqual(d.terminate(), 0, f"exit status on SIGTERM; log:\n{d.log()}")
        self.assert_nothing_attached()

    def test_tcx_reattach_after_the_drop(self) -> None:
        """Re-attaching a detached tcx link (a new link, pinned) works with
        what the main thread keeps after start-up."""
        if not kernel_has_tcx(self.net.a):
            self.skipTest("this kernel has no tcx hooks (Linux >= 6.6 has); "
                          "threads_hold_only_what_they_need re-attaches clsact filters")
        pin = self.pin()
        d = self.start(config(), pin)
        self.ready(d)
        self.assertEqual(caps(thread_status(d.pid)[d.pid], "CapEff"), KEPT)
        detach_tcx_links(self.net.a, IF, pin)
        wait_until(lambda: "attached again" in d.log(), 20, what="re-attachment after the links were detached")
        self.assert_one_filter_each()
        self.assertEqual(d.terminate(), 0, f"exit status on SIGTERM; log:\n{d.log()}")
        self.assert_nothing_attached()

    def test_dedicated_user(self) -> None:
        pin = self.pin()
        # pktlensd creates its pin dir; without CAP_DAC_OVERRIDE only in a
        # directory of its user's (docs/running.md, "Privilege model").
        os.chown(os.path.dirname(pin), DAEMON_UID, DAEMON_UID)
        d = self.start(config(), pin, prefix=as_uid(DAEMON_UID, DEDICATED_CAPS), notify=False)
        wait_until(lambda: "ready:" in d.log() or not d.alive(), 30, what="pktlensd ready")
        self.assertTrue(d.alive(), f"pktlensd as uid {DAEMON_UID} exited; log:\n{d.log()}")
        main_thread = thread_status(d.pid)[d.pid]
        self.assertEqual(main_thread["Uid"].split()[:2], [str(DAEMON_UID)] * 2)
        self.assertEqual(caps(main_thread, "CapEff"), KEPT, f"main thread: {main_thread}")

        # It counts: exactly the frames sent.
        self.net.wait_quiet()
        before = self.packets_in()
        sender = Sender(self.net.b, Net.IF_B)
        self.addCleanup(sender.close)
        sent = sender.send([udp_frame()] * 7)
        wait_until(lambda: self.packets_in() - before >= sent, 20, what=f"{sent} frames counted")
        self.assertEqual(self.packets_in() - before, sent)

        ifaces = os.path.join(pin, "pktlens_ifaces")
        st = os.stat(ifaces)
        self.assertEqual((st.st_uid, st.st_mode & 0o777), (DAEMON_UID, 0o600), ifaces)
        st = os.stat(pin)
        self.assertEqual((st.st_uid, st.st_mode & 0o777), (DAEMON_UID, 0o700), pin)
        # The finding: another uid opened the pins and rewrote counters.
        # Now it cannot open them, even holding CAP_BPF; without any
        # capability neither. Its own uid can (docs: the dedicated user
        # runs nothing else), which shows the refusal is the permissions'.
        show = ["bpftool", "map", "show", "pinned", ifaces]
        for uid, caps_ in ((OTHER_UID, "-all,+bpf"), (OTHER_UID, "-all")):
            p = run(as_uid(uid, caps_) + show, check=False)
            self.assertNotEqual(p.returncode, 0, f"uid {uid} ({caps_}) opened {ifaces}: {p.stdout}")
            self.assertIn("Permission denied", p.stderr, f"uid {uid} ({caps_})")
        p = run(as_uid(DAEMON_UID, "-all,+bpf") + show, check=False)
        self.assertEqual(p.returncode, 0, f"the daemon's uid cannot open {ifaces}: {p.stderr}")
        self.assertEqual(d.terminate(), 0, f"exit status on SIGTERM; log:\n{d.log()}")
        self.assert_nothing_attached()

    def packets_in(self) -> float:
        return self.scrape().get("pktlens_packets_total", interface=IF, dir="ingress")

    def test_open_pin_dir_refused(self) -> None:
        pin = self.pin()
        os.mkdir(pin)
        os.chmod(pin, 0o777)
        self.assert_refused(pin, f"refusing the pin directory {pin}", "with mode 0777",
                            f"chmod 0700 {pin}")
        p = self.run_pktlensd(["doctor", "--bpf-pin-dir", pin])
        self.assertEqual(p.returncode, 1, f"doctor's exit status; stdout: {p.stdout}")
        self.assertIn(f"[missing] pin dir: refusing the pin directory {pin}", p.stdout)

    def test_foreign_pin_dir_refused(self) -> None:
        pin = self.pin()
        os.mkdir(pin, 0o700)
        os.chown(pin, OTHER_UID, OTHER_UID)
        self.assert_refused(pin, f"refusing the pin directory {pin}", f"owned by uid {OTHER_UID}",
                            f"chown 0 {pin}")

    def test_planted_map_name_refused(self) -> None:
        pin = self.pin()
        os.mkdir(pin, 0o700)
        planted = os.path.join(pin, "pktlens_ifaces")
        os.mkdir(planted)
        self.assert_refused(pin, f"{planted} is a directory, not a pinned BPF map")


if __name__ == "__main__":
    main()
