#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Interfaces by the thousand (docs/running.md, "Interface lifecycle"):
veth pairs created and deleted by the thousand under `interfaces: all` with
a short retention, slots reused and zeroed (also across a restart), and
SIGHUP attaching, detaching and switching hooks. Same harness and
namespaces as test_e2e.py (harness.py).

    sudo /usr/bin/python3 tests/e2e/test_interfaces.py build/daemon/pktlensd InterfaceChurn.test_interface_churn
"""

from __future__ import annotations

import os
import re
import signal
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    E2E, IF, Net, Sender, config, main, ns_run, pktlens_filters, run, wait_until,
    xdp_attached,
)

CTEST_TIMEOUT = 420

# The churn: BATCHES batches of PAIRS veth pairs (both ends in A, both
# attached: 2 interfaces a pair), into a table of SLOTS slots. The kernel
# event counters are off: they count host-wide (deleting a veth drops its
# queue: QUEUE_PURGE), not per slot.
BATCHES = 30
PAIRS = 50
SLOTS = 256
CHURN = f"""interface_slots:
  max_entries: {SLOTS}
  retention: 1s
flows:
  enabled: false
loss:
  retransmits: false
  drops: false
"""


def frame(dst: str = "ff:ff:ff:ff:ff:ff", src: str = "02:00:00:00:00:01") -> bytes:
    """A frame of a local experimental ethertype (0x88b5): the receiving
    stack drops it silently, after TC ingress or XDP has counted it as
    l3="other"."""
    mac = lambda s: bytes.fromhex(s.replace(":", ""))  # noqa: E731
    return mac(dst) + mac(src) + struct.pack("!H", 0x88B5) + b"p" * 46


def ip_batch(ns: str, commands: list[str]) -> None:
    run(["ip", "-n", ns, "-batch", "-"], input="\n".join(commands) + "\n")


def add_pairs(ns: str, names: list[str]) -> None:
    """veth pairs NAME <-> NAMEp in `ns`, both ends up."""
    cmds = []
    for n in names:
        cmds += [f"link add {n} type veth peer name {n}p", f"link set {n} up", f"link set {n}p up"]
    ip_batch(ns, cmds)


def delete_pairs(ns: str, names: list[str]) -> None:
    ip_batch(ns, [f"link del {n}" for n in names])


def send(ns: str, dev: str, n: int, dst: str = "ff:ff:ff:ff:ff:ff") -> None:
    s = Sender(ns, dev)
    try:
        s.send(frame(dst) for _ in range(n))
    finally:
        s.close()


def attached_slots(log: str, prefix: str) -> dict[str, list[int]]:
    """name -> the slots of its "attached to NAME (ifindex I, slot S)" lines."""
    out: dict[str, list[int]] = {}
    for m in re.finditer(r"attached to (" + re.escape(prefix) + r"\S*) \(ifindex \d+, slot (\d+)\)", log):
        out.setdefault(m.group(1), []).append(int(m.group(2)))
    return out


def rewrite(path: str, text: str) -> None:
    # In place: the daemon re-reads the same path it was started with.
    with open(path, "w") as f:
        f.write(text)


class InterfaceChurn(E2E):
    def setUp(self) -> None:
        super().setUp()
        # New interfaces in A without IPv6: no MLD or router solicitation,
        # so every frame counted on them is one the test sent.
        ns_run(self.net.a, ["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"])

    def packets(self, name: str, **match: str) -> float:
        return self.scrape().get("pktlens_packets_total", interface=name, **match)

    def test_interface_churn(self) -> None:
        # vethA's last frames of the setup (MLD reports from B) before the
        # baseline: one after it leaves a DSCP series the churn did not make.
        self.net.wait_quiet()
        pin = self.pin()
        cfg = config(interfaces="all", interval="250ms", flows=False, extra=CHURN)
        d = self.start(cfg, pin)
        self.ready(d)
        self.collections(d, 2)
        base = self.scrape()
        base_rss = 0
        peak_taken = 0
        for b in range(BATCHES):
            names = [f"ch{b}x{i}" for i in range(PAIRS)]
            add_pairs(self.net.a, names)
            want = 2 * PAIRS * (b + 1)
            wait_until(lambda: sum(len(v) for v in attached_slots(d.log(), "ch").values()) >= want
                       or not d.alive(), 60, what=f"batch {b}: {want} interfaces attached")
            self.assertTrue(d.alive(), f"pktlensd exited; log:\n{d.log()[-3000:]}")
            self.collections(d, 1)
            m = self.scrape()
            taken = m.get("pktlens_interface_slots", state="attached") + m.get(
                "pktlens_interface_slots", state="retained")
            peak_taken = max(peak_taken, taken)
            self.assertEqual(m.get("pktlens_interface_slots_waiting"), 0)
            self.assertEqual(taken + m.get("pktlens_interface_slots", state="free"), SLOTS)
            delete_pairs(self.net.a, names)
            if b == 2:
                base_rss = d.rss_kib()  # warm: allocator and maps touched

        # Every interface attached, none refused, into at most SLOTS slots.
        log = d.log()
        slots = attached_slots(log, "ch")
        self.assertEqual(sum(len(v) for v in slots.values()), 2 * PAIRS * BATCHES)
        self.assertNotIn("interface slots are in use", log)
        used = {s for v in slots.values() for s in v}
        self.assertLessEqual(max(used), SLOTS)
        # At most the live batch, the one before it (retained) and vethA.
        self.assertLessEqual(peak_taken, 4 * PAIRS + 1)

        # Once the retention has passed: the slot table, the series and the
        # memory are back to what one interface needs.
        wait_until(lambda: self.scrape().get("pktlens_interface_slots", state="attached") == 1
                   and self.scrape().get("pktlens_interface_slots", state="retained") == 0, 30,
                   what="every churned slot freed")
        self.collections(d, 2)
        end = self.scrape()
        self.assertEqual(set(end.samples) - set(base.samples), set(),
                         "series that the churn left in /metrics")
        self.assertEqual(len(end.text.splitlines()), len(base.text.splitlines()))
        self.assertFalse(self.scrape().has("pktlens_packets_total", interface=names[0]))
        self.assertLessEqual(d.rss_kib(), base_rss * 1.5, "pktlensd's memory grew with the churn")

        # A new interface in a reused slot starts at exactly 0.
        add_pairs(self.net.a, ["rcq0"])
        wait_until(lambda: "rcq0" in attached_slots(d.log(), "rcq0"), 20, what="rcq0 attached")
        self.assertIn(attached_slots(d.log(), "rcq0")["rcq0"][0], used, "rcq0 did not reuse a slot")
        send(self.net.a, "rcq0p", 777)
        self.collections(d, 2)
        self.assertEqual(self.packets("rcq0", dir="ingress"), 777)
        self.assertEqual(self.packets("rcq0", dir="egress"), 0)

        # The finding across a restart: rcq0 is deleted while no pktlensd
        # runs, rcr0 appears; rcr0 counts from 0, rcq0's slot is retained
        # under its name, then freed.
        self.assertEqual(d.terminate(), 0, f"exit status on SIGTERM; log:\n{d.log()[-3000:]}")
        delete_pairs(self.net.a, ["rcq0"])
        add_pairs(self.net.a, ["rcr0"])
        d2 = self.start(cfg, pin)
        self.ready(d2)
        wait_until(lambda: "rcr0" in attached_slots(d2.log(), "rcr0"), 20, what="rcr0 attached")
        send(self.net.a, "rcr0p", 5)
        self.collections(d2, 2)
        self.assertEqual(self.packets("rcr0", dir="ingress"), 5)
        self.assertEqual(self.packets("rcr0", dir="egress"), 0)
        wait_until(lambda: re.search(r"freed the slots of .*rcq0", d2.log()), 20,
                   what="rcq0's slot retained, then freed")
        self.assertEqual(d2.terminate(), 0)


class InterfaceReload(E2E):
    def setUp(self) -> None:
        super().setUp()
        ns_run(self.net.a, ["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"])

    def test_reload_attaches_and_detaches(self) -> None:
        extra = "interface_slots:\n  retention: 60s\n"
        cfg = config(extra=extra)
        with open(cfg) as f:
            good = f.read()
        d = self.start(cfg, self.pin())
        self.ready(d)
        add_pairs(self.net.a, ["rl0"])

        def reload(interfaces: str, expect: str) -> None:
            rewrite(cfg, good.replace(f"interfaces: [{IF}]", f"interfaces: {interfaces}"))
            os.kill(d.pid, signal.SIGHUP)
            wait_until(lambda: expect in d.log(), 20, what=expect)
            self.collections(d, 2)

        def rl0_ingress() -> float:
            return self.scrape().get("pktlens_packets_total", interface="rl0", dir="ingress")

        reload(f"[{IF}, rl0]", "attached to rl0 (")
        send(self.net.a, "rl0p", 100)
        self.collections(d, 2)
        self.assertEqual(rl0_ingress(), 100)

        # Removed from the list: detached, final value still exported.
        reload(f"[{IF}]", "detached from rl0")
        for direction in ("ingress", "egress"):
            self.assertEqual(pktlens_filters(self.net.a, "rl0", direction), [])
        send(self.net.a, "rl0p", 50)
        self.collections(d, 2)
        self.assertEqual(rl0_ingress(), 100)
        self.assertFalse(self.scrape().has("pktlens_interface_monitored", interface="rl0"))

        # Selected again by a pattern within the retention: the same slot,
        # its counters continuing; vethA, not matched, is detached.
        reload('{include: ["rl*"]}', f"detached from {IF}")
        wait_until(lambda: len(attached_slots(d.log(), "rl0").get("rl0", [])) == 2, 20,
                   what="rl0 attached again")
        first, again = attached_slots(d.log(), "rl0")["rl0"]
        self.assertEqual(first, again)
        send(self.net.a, "rl0p", 10)
        self.collections(d, 2)
        self.assertEqual(rl0_ingress(), 110)
        for direction in ("ingress", "egress"):
            self.assertEqual(pktlens_filters(self.net.a, IF, direction), [])

        self.assertEqual(d.terminate(), 0, f"exit status on SIGTERM; log:\n{d.log()}")
        self.assert_nothing_attached()

    def test_reload_switches_hook(self) -> None:
        cfg = config(extra="interface_slots:\n  retention: 60s\n")
        with open(cfg) as f:
            good = f.read()
        d = self.start(cfg, self.pin())
        self.ready(d)
        self.net.wait_quiet()
        self.collections(d, 2)
        before = self.scrape().get("pktlens_packets_total", interface=IF, dir="ingress")
        send(self.net.b, Net.IF_B, 200, dst=Net.MAC_A)
        self.collections(d, 2)

        rewrite(cfg, good.replace("attach: tc", "attach: xdp"))
        os.kill(d.pid, signal.SIGHUP)
        wait_until(lambda: "moved to attach: xdp" in d.log(), 20, what="the switch to xdp")
        wait_until(lambda: len(attached_slots(d.log(), IF).get(IF, [])) == 2, 20,
                   what=f"{IF} attached with xdp")
        first, again = attached_slots(d.log(), IF)[IF]
        self.assertEqual(first, again, "the switch changed the slot")
        self.assertNotEqual(xdp_attached(self.net.a, IF), "")
        for direction in ("ingress", "egress"):
            self.assertEqual(pktlens_filters(self.net.a, IF, direction), [])
        send(self.net.b, Net.IF_B, 300, dst=Net.MAC_A)
        self.collections(d, 2)
        m = self.scrape()
        self.assertEqual(m.get("pktlens_packets_total", interface=IF, dir="ingress") - before, 500)
        self.assertTrue(any(dict(k)["how"].startswith("xdp")
                            for k in m.series("pktlens_interface_monitored", interface=IF)))

        self.assertEqual(d.terminate(), 0, f"exit status on SIGTERM; log:\n{d.log()}")
        self.assert_nothing_attached()


if __name__ == "__main__":
    main()
