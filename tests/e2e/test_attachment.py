#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Trust in the attachment: pktlensd run with exactly the capabilities
systemd/pktlens.service grants recovers from SIGKILL, counts every frame
across a restart, re-attaches where its programs were removed, reports (and
does not fight) another program in its place, and refuses to displace
another pktlensd. Same harness and namespaces as test_e2e.py (harness.py).

    sudo /usr/bin/python3 tests/e2e/test_attachment.py build/daemon/pktlensd Attachment.test_restart_counts_every_frame
"""

from __future__ import annotations

import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    CLSACT, E2E, IF, PORT, Flood, Metrics, Net, Pktlensd, Sender, config, detach_tcx_links, filter_ids,
    kernel_has_tcx, main, ns_run, pktlens_filters, scrape, wait_until, write_config,
)

from scapy.layers.inet import IP, UDP  # noqa: E402
from scapy.layers.l2 import Ether  # noqa: E402

CTEST_TIMEOUT = 240

UNIT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "systemd", "pktlens.service")


def unit_caps() -> list[str]:
    """The capabilities systemd/pktlens.service grants, as setpriv names
    them: ['bpf', 'perfmon', ...]. The unit runs as root, so its
    CapabilityBoundingSet= is what the process has; an
    AmbientCapabilities=, if it has one, must say the same."""
    with open(UNIT) as f:
        text = f.read()
    sets = {}
    for key in ("CapabilityBoundingSet", "AmbientCapabilities"):
        m = re.search(rf"^{key}=(.*)$", text, re.M)
        if m:
            sets[key] = sorted(c.strip().lower().removeprefix("cap_") for c in m.group(1).split())
    assert "CapabilityBoundingSet" in sets, f"{UNIT} has no CapabilityBoundingSet="
    if "AmbientCapabilities" in sets:
        assert sets["CapabilityBoundingSet"] == sets["AmbientCapabilities"], sets
    return sets["CapabilityBoundingSet"]


def as_unit() -> list[str]:
    """A prefix that runs pktlensd as root with exactly the unit's
    capabilities: the bounding set limits what root's exec gets, and
    NoNewPrivileges= as the unit has it."""
    caps = "-all," + ",".join("+" + c for c in unit_caps())
    return ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}", f"--ambient-caps={caps}",
            "--no-new-privs"]


# CAP_NET_ADMIN 12, CAP_PERFMON 38, CAP_BPF 39 (linux/capability.h).
CAP_BITS = {"net_admin": 12, "perfmon": 38, "bpf": 39}


def udp_frame(sport: int = 45000) -> bytes:
    """B -> an on-link address nobody has: A drops it silently (nothing is
    sent back), after TC ingress has counted it."""
    return bytes(Ether(src=Net.MAC_B, dst=Net.MAC_A) / IP(src=Net.B4, dst=Net.OTHER4)
                 / UDP(sport=sport, dport=9) / (b"r" * 32))


def ingress(m: Metrics) -> float:
    return m.get("pktlens_packets_total", interface=IF, dir="ingress")


def monitored(m: Metrics) -> dict:
    """pktlens_interface_monitored of IF: {how: value}."""
    return {dict(k)["how"]: v for k, v in m.series("pktlens_interface_monitored", interface=IF).items()}


class Attachment(E2E):

    def send(self, n: int, sport: int = 45000) -> None:
        s = Sender(self.net.b, Net.IF_B)
        try:
            s.send([udp_frame(sport)] * n)
        finally:
            s.close()

    def assert_unit_caps(self, d: Pktlensd) -> None:
        with open(f"/proc/{d.pid}/status") as f:
            status = f.read()
        want = sum(1 << CAP_BITS[c] for c in unit_caps())
        for field in ("CapEff", "CapBnd"):
            got = int(re.search(rf"^{field}:\s*([0-9a-f]+)$", status, re.M).group(1), 16)
            self.assertEqual(got, want, f"pktlensd's {field}: {got:#x}, the unit grants {want:#x}")

    # -- issue #16.1 ------------------------------------------------------------

    def test_crash_recovery_unit_caps(self) -> None:
        """SIGKILL under the unit's capabilities (no CAP_SYS_ADMIN, so no
        BPF_PROG_GET_FD_BY_ID): the next pktlensd recognises the programs the
        killed one left, replaces them at start (monitoring again within one
        interval, its first), the counters go on with every frame - those
        the leftovers counted while nobody ran included - and its clean stop
        removes the clsact the killed one created."""
        net = self.net
        pin, cfg = self.pin(), config()
        d1 = self.start(cfg, pin, prefix=as_unit())
        self.ready(d1)
        self.assert_unit_caps(d1)
        net.wait_quiet()
        self.collections(d1, 2)
        base, c0 = ingress(self.scrape()), net.counters()

        self.send(5)
        self.collections(d1, 2)
        d1.sigkill()
        self.assertEqual(len(filter_ids(net.a)), 2)
        self.send(7)  # counted by the programs the killed one left

        d2 = self.start(cfg, pin, prefix=as_unit())
        msg = self.ready(d2)
        self.assert_unit_caps(d2)
        self.assertIn(f"STATUS=1 interface ({IF})", msg, f"not monitoring {IF} when ready; log:\n{d2.log()}")
        self.assertIn("replaced the programs a previous pktlensd left", d2.log())
        self.assertNotIn(" error ", d2.log())
        self.assert_one_filter_each()
        self.send(9)
        self.collections(d2, 2)
        m = self.scrape()
        self.assertEqual(monitored(m), {"tc": 1.0})
        self.assertEqual(net.counters()["rx"]["packets"] - c0["rx"]["packets"], 5 + 7 + 9, "frames into vethA")
        self.assertEqual(ingress(m) - base, 5 + 7 + 9, "frames counted across the SIGKILL")
        self.assertEqual(d2.terminate(), 0, f"exit status on SIGTERM; log:\n{d2.log()}")
        self.assert_nothing_attached(clsact_too=True)

    # -- issue #16.2 ------------------------------------------------------------

    def test_restart_counts_every_frame(self) -> None:
        """A steady 2,000 frames/s from B across a restart (SIGUSR2, what
        pktlens.service's RestartKillSignal= sends on systemctl restart, then
        a new pktlensd on the same pin dir), both under the unit's
        capabilities: frames sent == frames counted, exactly. The programs
        stay attached while no pktlensd runs, and the new one swaps them in
        place. A SIGTERM afterwards still detaches everything."""
        net = self.net
        pin, cfg = self.pin(), config()
        d1 = self.start(cfg, pin, prefix=as_unit())
        self.ready(d1)
        net.wait_quiet()
        self.collections(d1, 2)
        base, c0 = ingress(self.scrape()), net.counters()
        ids_before = filter_ids(net.a)

        rate, seconds = 2000, 20
        flood = Flood(net, [udp_frame()] * (rate * seconds), rate)
        t0 = time.monotonic()
        time.sleep(2)
        os.kill(d1.pid, signal.SIGUSR2)
        self.assertEqual(d1.wait_exit(30), 0, f"exit status on SIGUSR2; log:\n{d1.log()}")
        t_exit = time.monotonic()
        self.assertIn("the programs stay attached", d1.log())
        self.assertEqual(filter_ids(net.a), ids_before, "with no pktlensd running, its filters should stay")
        d2 = self.start(cfg, pin, prefix=as_unit())
        self.ready(d2)
        t_ready = time.monotonic()
        self.assertIn("replaced the programs a previous pktlensd left, in place", d2.log())
        self.assertNotEqual(filter_ids(net.a), ids_before, "the new pktlensd's programs should count now")
        self.assert_one_filter_each()
        self.assertLess(t_ready - t0, seconds - 2,
                        "the new pktlensd became ready too late for the stream to cross it")
        sent = flood.join()
        net.wait_quiet(quiet_for=1.0)
        self.collections(d2, 2)
        counted = ingress(self.scrape()) - base
        arrived = net.counters()["rx"]["packets"] - c0["rx"]["packets"]
        print(f"restart under a steady {rate} frames/s: sent {sent}, arrived {arrived}, counted {counted:.0f}; "
              f"SIGUSR2 at {2:.1f} s, old pktlensd gone at {t_exit - t0:.1f} s, new one ready at "
              f"{t_ready - t0:.1f} s", flush=True)
        self.assertEqual(sent, rate * seconds)
        self.assertEqual(arrived, sent, "frames into vethA")
        self.assertEqual(counted, sent, "frames counted across the restart")
        self.assertEqual(d2.terminate(), 0, f"exit status on SIGTERM; log:\n{d2.log()}")
        self.assert_nothing_attached()

    def test_upgrade_from_clsact_filters_counts_every_frame(self) -> None:
        """An upgrade's restart from a pktlensd that attached clsact filters
        (a version before tcx links, here forced) to one that would attach
        tcx links: a steady 2,000 frames/s crosses it and every frame counts
        once. The new pktlensd keeps a filter, swapped in place (a link
        beside the filter would count the frames in between twice); its
        SIGTERM detaches it, and the next start attaches tcx links."""
        net = self.net
        pin, cfg = self.pin(), config()
        d1 = self.start(cfg, pin, prefix=CLSACT + as_unit())
        self.ready(d1)
        self.assertIn("with tc (clsact filters)", d1.log())
        net.wait_quiet()
        self.collections(d1, 2)
        base, c0 = ingress(self.scrape()), net.counters()

        rate, seconds = 2000, 12
        flood = Flood(net, [udp_frame()] * (rate * seconds), rate)
        time.sleep(2)
        os.kill(d1.pid, signal.SIGUSR2)
        self.assertEqual(d1.wait_exit(30), 0, f"exit status on SIGUSR2; log:\n{d1.log()}")
        d2 = self.start(cfg, pin, prefix=as_unit())
        self.ready(d2)
        self.assertIn("with tc (clsact filters); replaced the programs a previous pktlensd left, in place",
                      d2.log())
        self.assert_one_filter_each()
        self.assertEqual(len([l for l in pktlens_filters(net.a, IF, "ingress") if "handle 0x706b" in l]), 1)
        sent = flood.join()
        net.wait_quiet(quiet_for=1.0)
        self.collections(d2, 2)
        counted = ingress(self.scrape()) - base
        arrived = net.counters()["rx"]["packets"] - c0["rx"]["packets"]
        self.assertEqual(arrived, sent, "frames into vethA")
        self.assertEqual(counted, sent, "frames counted across the upgrade")
        self.assertEqual(d2.terminate(), 0, f"exit status on SIGTERM; log:\n{d2.log()}")
        self.assert_nothing_attached()
        if kernel_has_tcx(net.a):
            d3 = self.start(cfg, pin, prefix=as_unit())
            self.ready(d3)
            self.assertIn("with tc (tcx links)", d3.log())
            self.assert_one_filter_each()
            self.assertEqual(d3.terminate(), 0)
            self.assert_nothing_attached()

    # -- issue #18.1 ------------------------------------------------------------

    def test_second_pktlensd_beside_the_first(self) -> None:
        """With tcx hooks, a second pktlensd with a pin dir of its own
        attaches its own links beside the first's: each counts every frame
        in its own maps, and the second's stop leaves the first's links."""
        net = self.net
        if not kernel_has_tcx(net.a):
            self.skipTest("this kernel has no tcx hooks (Linux >= 6.6 has); "
                          "second_pktlensd_refused covers the clsact path")
        d1 = self.start(config(), self.pin())
        self.ready(d1)
        net.wait_quiet()
        self.collections(d1, 2)
        ids = filter_ids(net.a)
        port2 = PORT + 1
        with open(config()) as f:
            cfg2 = write_config(f.read().replace(f"127.0.0.1:{PORT}", f"127.0.0.1:{port2}"))
        d2 = self.start(cfg2, self.pin())
        self.ready(d2)
        for direction in ("ingress", "egress"):
            self.assertEqual(len(pktlens_filters(net.a, IF, direction)), 2, f"two programs at {direction}")
        self.collections(d1, 2)
        base1, base2 = ingress(self.scrape()), ingress(Metrics(scrape(net.a, port2)))
        self.send(1000)
        self.collections(d1, 2)
        self.collections(d2, 2)
        self.assertEqual(ingress(self.scrape()) - base1, 1000, "frames the first pktlensd counted")
        m2 = Metrics(scrape(net.a, port2))
        self.assertEqual(ingress(m2) - base2, 1000, "frames the second pktlensd counted")
        self.assertEqual(monitored(m2), {"tc": 1.0})
        self.assertEqual(d2.terminate(), 0)
        self.assertEqual(filter_ids(net.a), ids, "the second pktlensd's stop removed the first one's links")
        self.send(1000, sport=45001)
        self.collections(d1, 2)
        self.assertEqual(ingress(self.scrape()) - base1, 2000, "frames counted after the second one stopped")
        self.assertEqual(d1.terminate(), 0)
        self.assert_nothing_attached()

    def test_second_pktlensd_refused(self) -> None:
        """A second pktlensd with a pin dir of its own (even as root, able to
        read program names) does not displace the first: it reports that it
        cannot monitor vethA and exports 0 for it; the first keeps its
        filters and counts every frame, before and after the second stops.
        clsact filters, one per handle (forced where the kernel has tcx)."""
        net = self.net
        d1 = self.start(config(), self.pin(), prefix=CLSACT)
        self.ready(d1)
        net.wait_quiet()
        self.collections(d1, 2)
        ids = filter_ids(net.a)
        port2 = PORT + 1
        with open(config()) as f:
            cfg2 = write_config(f.read().replace(f"127.0.0.1:{PORT}", f"127.0.0.1:{port2}"))
        d2 = self.start(cfg2, self.pin(), prefix=CLSACT)
        msg = self.ready(d2)
        self.assertIn(f"waiting for {IF}", msg)
        errors = [l for l in d2.log().splitlines() if " error " in l]
        self.assertEqual(len(errors), 1, f"one error line expected; log:\n{d2.log()}")
        self.assertIn(f"cannot attach to {IF}", errors[0])
        self.assertIn("no pktlensd of this pin directory attached", errors[0])
        self.assertEqual(monitored(Metrics(scrape(net.a, port2))), {"none": 0.0})
        self.assertEqual(filter_ids(net.a), ids, "the second pktlensd displaced the first one's filters")

        base = ingress(self.scrape())
        self.send(1000)
        self.collections(d1, 2)
        m = self.scrape()
        self.assertEqual(ingress(m) - base, 1000, "frames the first pktlensd counted beside the second")
        self.assertEqual(monitored(m), {"tc": 1.0})
        self.assertEqual(d2.terminate(), 0)
        self.assertEqual(filter_ids(net.a), ids, "the second pktlensd's stop removed the first one's filters")
        self.send(1000, sport=45001)
        self.collections(d1, 2)
        self.assertEqual(ingress(self.scrape()) - base, 2000, "frames counted after the second one stopped")
        self.assertEqual(d1.terminate(), 0)
        self.assert_nothing_attached()

    def test_reattach_after_tcx_links_detached(self) -> None:
        """`bpftool link detach` of pktlensd's tcx links under a healthy
        pktlensd: the next interval attaches again (logged), and every frame
        after that is counted; nothing is left at its stop."""
        net = self.net
        if not kernel_has_tcx(net.a):
            self.skipTest("this kernel has no tcx hooks (Linux >= 6.6 has); "
                          "reattach_after_clsact_deleted covers the clsact path")
        pin = self.pin()
        d = self.start(config(), pin)
        self.ready(d)
        self.assertIn(f"attached to {IF} (ifindex", d.log())
        self.assertIn("with tc (tcx links)", d.log())
        net.wait_quiet()
        detach_tcx_links(net.a, IF, pin)
        wait_until(lambda: len(pktlens_filters(net.a, IF, "ingress")) == 1
                   and len(pktlens_filters(net.a, IF, "egress")) == 1, 5, what="pktlens's links back")
        self.assertIn(f"pktlens's programs were removed from {IF} (tcx ingress, tcx egress); attached again",
                      d.log())
        self.assert_one_filter_each()
        self.collections(d, 2)
        base = ingress(self.scrape())
        self.send(1000)
        self.collections(d, 2)
        m = self.scrape()
        self.assertEqual(ingress(m) - base, 1000, "frames counted after attaching again")
        self.assertEqual(monitored(m), {"tc": 1.0})
        self.assertEqual(d.terminate(), 0)
        self.assert_nothing_attached()
        self.assertEqual([f for f in os.listdir(pin) if f.startswith("link_tcx_")], [],
                         "pins of the links left behind")

    def test_reattach_after_clsact_deleted(self) -> None:
        """`tc qdisc del dev vethA clsact` under a healthy pktlensd: the
        next interval attaches again (logged), and every frame after that is
        counted; the clsact it created again is removed at its stop. clsact
        filters (forced where the kernel has tcx hooks)."""
        net = self.net
        d = self.start(config(), self.pin(), prefix=CLSACT)
        self.ready(d)
        net.wait_quiet()
        ns_run(net.a, ["tc", "qdisc", "del", "dev", IF, "clsact"])
        wait_until(lambda: len(pktlens_filters(net.a, IF, "ingress")) == 1
                   and len(pktlens_filters(net.a, IF, "egress")) == 1, 5, what="pktlens's filters back")
        self.assertIn(f"pktlens's programs were removed from {IF} (tc ingress, tc egress); attached again",
                      d.log())
        self.collections(d, 2)
        base = ingress(self.scrape())
        self.send(1000)
        self.collections(d, 2)
        m = self.scrape()
        self.assertEqual(ingress(m) - base, 1000, "frames counted after attaching again")
        self.assertEqual(monitored(m), {"tc": 1.0})
        self.assertEqual(d.terminate(), 0)
        self.assert_nothing_attached()

    def test_displaced_reported(self) -> None:
        """Another program put in pktlens's place (tc filter replace at its
        handle): pktlensd says so once, exports 0 for vethA, and leaves it;
        once that filter is removed it attaches again within an interval and
        counts every frame. clsact filters (forced where the kernel has tcx,
        whose hooks hold many programs: there is no place to take)."""
        foreign = os.environ.get("PKTLENS_E2E_FOREIGN", "")
        if not foreign or not os.path.exists(foreign):
            raise AssertionError(f"PKTLENS_E2E_FOREIGN={foreign!r}: build the tests first (CTest sets it)")
        net = self.net
        d = self.start(config(), self.pin(), prefix=CLSACT)
        self.ready(d)
        net.wait_quiet()
        ns_run(net.a, ["tc", "filter", "replace", "dev", IF, "ingress", "protocol", "all", "handle", "0x706b",
                       "prio", "1", "bpf", "da", "obj", foreign, "sec", "tc"])
        wait_until(lambda: "now runs" in d.log(), 5, what="the report of the displaced filter")
        self.collections(d, 3)
        line = [l for l in d.log().splitlines() if "now runs" in l]
        self.assertEqual(len(line), 1, f"reported once; log:\n{d.log()}")
        filters = "\n".join(pktlens_filters(net.a, IF, "ingress"))
        self.assertIn("name foreign_tc", filters, "pktlens fought back")
        # By id: reading a program's name by id needs CAP_SYS_ADMIN, which
        # pktlensd drops after start-up (docs/running.md, "Privilege model").
        foreign_id = re.search(r" id (\d+)", filters).group(1)
        self.assertIn(f"tc ingress of {IF} now runs program id {foreign_id},", line[0])
        self.assertIn(" error ", line[0])
        self.assertEqual(monitored(self.scrape()), {"none": 0.0})

        ns_run(net.a, ["tc", "filter", "del", "dev", IF, "ingress", "handle", "0x706b", "prio", "1", "bpf"])
        wait_until(lambda: "name tc_ingress" in "\n".join(pktlens_filters(net.a, IF, "ingress")), 5,
                   what="pktlens's filter back")
        self.collections(d, 2)
        base = ingress(self.scrape())
        self.send(1000)
        self.collections(d, 2)
        m = self.scrape()
        self.assertEqual(ingress(m) - base, 1000)
        self.assertEqual(monitored(m), {"tc": 1.0})
        self.assertEqual(d.terminate(), 0)
        self.assert_nothing_attached()


if __name__ == "__main__":
    main()
