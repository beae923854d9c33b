#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""SIGHUP: pktlensd re-reads its configuration; a broken file is reported
as FILE:LINE:COL and the running configuration stays; settings that need a
restart say so; every other key applies live, under a steady stream,
without losing a count (docs/running.md, "Reload"). Same harness and
namespaces as test_e2e.py (harness.py).

    sudo /usr/bin/python3 tests/e2e/test_reload.py build/daemon/pktlensd Reload.test_reload
"""

from __future__ import annotations

import os
import re
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import (  # noqa: E402
    E2E, IF, PORT, Flood, Metrics, Net, Sender, btf_tracing_refused, config, filter_ids, main, scrape,
    spoofed_syns, wait_until,
)

from scapy.layers.inet import IP, UDP  # noqa: E402
from scapy.layers.l2 import Ether  # noqa: E402

CTEST_TIMEOUT = 300

# The address the "fresh" network (added by a reload) is: on-link, nobody's,
# so A drops the frames to it silently after TC ingress counted them.
MARKED4 = "198.18.0.98"
PORT2 = PORT + 1
SYN_PORT = 7777
STREAM_FLOWS = 10


def rewrite(path: str, text: str) -> None:
    # In place: the daemon re-reads the same path it was started with.
    with open(path, "w") as f:
        f.write(text)


def udp_from_b(dst: str, sport: int) -> bytes:
    """B -> `dst` (on-link, nobody's): counted at A's TC ingress, then
    dropped silently (nothing is sent back)."""
    return bytes(Ether(src=Net.MAC_B, dst=Net.MAC_A) / IP(src=Net.B4, dst=dst)
                 / UDP(sport=sport, dport=9) / (b"s" * 32))


def flow_series(m: Metrics) -> int:
    return len(m.series("pktlens_flow_packets_total"))


LIVE = f"""networks:
  peers:
    prefixes: [{Net.B4}/32]
threats:
  syn_flood:
    enabled: false
loss:
  drops: true
"""


class Reload(E2E):
    def test_reload(self) -> None:
        cfg = config()
        with open(cfg) as f:
            good = f.read()
        d = self.start(cfg, self.pin())
        self.ready(d)

        # A broken file: the error names FILE:LINE:COL, pktlensd keeps running
        # on the configuration it has and keeps collecting.
        rewrite(cfg, good.replace("interval: 1s", "interval: soon"))
        os.kill(d.pid, signal.SIGHUP)
        wait_until(lambda: "reload failed" in d.log(), 20, what="the reload error")
        line = next(l for l in d.log().splitlines() if "reload failed" in l)
        self.assertRegex(line, re.escape(cfg) + r":4:\d+: ",
                         "the reload error should name FILE:LINE:COL of the bad value")
        self.assertIn("keeping the running configuration", line)
        self.collections(d, 2)
        self.assertTrue(d.alive())
        self.assertEqual(self.scrape().get("pktlens_up"), 1.0)

        # A valid change: log_level applies at once (debug lines appear), a
        # new slot table size is reported as needing a restart and not applied.
        self.assertNotIn(" debug ", d.log())
        rewrite(cfg, good.replace("log_level: info", "interface_slots:\n  max_entries: 64\n"
                                  "log_level: debug"))
        os.kill(d.pid, signal.SIGHUP)
        wait_until(lambda: "configuration reloaded" in d.log(), 20, what="the reload")
        self.collections(d, 2)
        log = d.log()
        self.assertRegex(log, r"warning reload: interface_slots.max_entries changed; that takes "
                              r"effect after a restart")
        self.assertIn(" debug collect cycle took", log, "log_level: debug did not apply")
        self.assertEqual(self.scrape().get("pktlens_interface_slots", state="free"), 1023,
                         "a new slot table size was applied")

        self.assertEqual(d.terminate(), 0, f"exit status on SIGTERM; log:\n{d.log()}")
        self.assert_nothing_attached()

    def hup(self, d, cfg: str, text: str) -> str:
        """Writes `text` to `cfg`, sends SIGHUP and waits until the reload is
        done (apply() returns only once it is in force); returns the log
        lines the reload wrote."""
        rewrite(cfg, text)
        before = d.log()
        os.kill(d.pid, signal.SIGHUP)
        try:
            wait_until(lambda: d.log().count("configuration reloaded") > before.count("configuration reloaded"),
                       60, what="the reload")
        except AssertionError as e:
            raise AssertionError(f"{e}; pktlensd log:\n{d.log()}") from None
        return d.log()[len(before):]

    def test_reload_live(self) -> None:
        """A steady 1,000 frames/s from B across a series of SIGHUPs: the
        flows' top_k (the exported flow series follow at once), a new
        network and a .rodata switch (threats.syn_flood.enabled) in one
        program reload, flows.max_entries (the flow table created anew) with
        loss.drops (the tracepoint object re-created), the listen address
        (another port, then the same port on another address), then
        addresses that cannot be bound. The
        new network counts exactly what was sent after its reload, the old
        one everything; frames sent == frames counted, and the programs
        were replaced, never removed."""
        net = self.net
        # A reload that took the programs away would leave a gap until the next
        # cycle attaches them again: a long interval makes it show in the counts,
        # and the log says so in any case.
        cfg = config(interval="3s", extra=LIVE)
        with open(cfg) as f:
            text = f.read()
        d = self.start(cfg, self.pin())
        self.ready(d)
        net.wait_quiet()
        self.collections(d, 2)
        m0, c0 = self.scrape(), net.counters()
        base = m0.get("pktlens_packets_total", interface=IF, dir="ingress")
        peers0 = m0.get("pktlens_network_packets_total", network="peers", dir="ingress", side="src")
        self.assertEqual(m0.get("pktlens_feature_enabled", feature="syn_flood"), 0)

        rate = 1000
        kinds = [udp_from_b(Net.OTHER4, 40000 + i) for i in range(STREAM_FLOWS)]
        flood = Flood(net, [kinds[i % STREAM_FLOWS] for i in range(rate * 150)], rate)
        marker = Sender(net.b, Net.IF_B)
        self.addCleanup(marker.close)
        sent_extra = 0
        try:
            wait_until(lambda: flow_series(self.scrape()) >= STREAM_FLOWS, 30, what="the stream's flows")

            # 1. flows.top_k: user space, at once.
            text = text.replace("top_k: 100", "top_k: 3")
            log = self.hup(d, cfg, text)
            self.assertNotIn("programs loaded anew", log)
            wait_until(lambda: flow_series(self.scrape()) == 3, 20, what="3 flow series (flows.top_k: 3)")

            # 2. A new network and a .rodata switch: one program reload,
            # replacing the running programs in place.
            sent_extra += marker.send([udp_from_b(MARKED4, 41000)] * 200)  # before: not the new network's
            ids = filter_ids(net.a)
            text = text.replace("threats:", f"  fresh:\n    prefixes: [{MARKED4}/32]\nthreats:")
            text = text.replace("enabled: false", "enabled: true")
            log = self.hup(d, cfg, text)
            reloads = [l for l in log.splitlines() if "programs loaded anew" in l]
            self.assertEqual(len(reloads), 1, log)
            self.assertIn("reload: networks, threats.syn_flood.enabled changed; programs loaded anew and "
                          f"replaced in place on {IF}", reloads[0])
            self.assertNotEqual(filter_ids(net.a), ids, "the new programs should be attached")
            self.assert_one_filter_each()
            sent_extra += marker.send([udp_from_b(MARKED4, 41000)] * 300)
            sent_extra += marker.send(spoofed_syns(50, SYN_PORT))
            self.collections(d, 2)
            m = self.scrape()
            self.assertEqual(m.get("pktlens_feature_enabled", feature="syn_flood"), 1)
            self.assertEqual(m.get("pktlens_tcp_syn_received_total", dst=Net.A4, dport=str(SYN_PORT)), 50)
            self.assertEqual(m.get("pktlens_network_packets_total", network="fresh", dir="ingress", side="dst"),
                             300, "the new network counts exactly from its reload on")

            # 3. A map size (the flow table created anew, everything else
            # continues) and a tracepoint switch (that object re-created).
            text = text.replace("max_entries: 4096", "max_entries: 8192").replace("drops: true", "drops: false")
            log = self.hup(d, cfg, text)
            self.assertRegex(log, rf"reload: flows\.max_entries changed; programs loaded anew and replaced in "
                                  rf"place on {IF}; maps created anew \(their counters start at 0\): pktlens_flows")
            self.assertIn("reload: loss.drops changed; the tracepoint object was re-created", log)
            self.collections(d, 1)
            if not btf_tracing_refused():  # else drops were never on
                self.assertEqual(self.scrape().get("pktlens_feature_enabled", feature="drops"), 0)

            # 4. listen: the new port answers, the old one does not.
            text = text.replace(f'listen: "127.0.0.1:{PORT}"', f'listen: "127.0.0.1:{PORT2}"')
            log = self.hup(d, cfg, text)
            self.assertIn(f"serving /metrics on 127.0.0.1:{PORT2} (was 127.0.0.1:{PORT})", log)
            self.assertTrue(Metrics(scrape(net.a, PORT2)).has("pktlens_up"))
            with self.assertRaises(AssertionError, msg="the old port should be closed"):
                scrape(net.a, PORT)

            # 5. The same port on another address: the old socket holds the
            # port, so it is closed first.
            text = text.replace(f'listen: "127.0.0.1:{PORT2}"', f'listen: "0.0.0.0:{PORT2}"')
            log = self.hup(d, cfg, text)
            self.assertIn(f"serving /metrics on 0.0.0.0:{PORT2} (was 127.0.0.1:{PORT2})", log)
            self.assertTrue(Metrics(scrape(net.a, PORT2)).has("pktlens_up"))

            # 6. An address that cannot be bound, on the same port (the old
            # socket is closed, the new address refused, the old one bound
            # again) and on another port: the address in use stays.
            for port in (PORT2, PORT):
                text = re.sub(r'listen: ".*"', f'listen: "198.18.0.200:{port}"', text)
                log = self.hup(d, cfg, text)
                self.assertRegex(log, rf"error reload: cannot listen on 198\.18\.0\.200:{port} .*; still "
                                      rf"serving on 0\.0\.0\.0:{PORT2}")
                self.assertTrue(Metrics(scrape(net.a, PORT2)).has("pktlens_up"))
        finally:
            sent = flood.stop()
        net.wait_quiet(quiet_for=1.0)
        self.collections(d, 2)
        m = Metrics(scrape(net.a, PORT2))
        counted = m.get("pktlens_packets_total", interface=IF, dir="ingress") - base
        arrived = net.counters()["rx"]["packets"] - c0["rx"]["packets"]
        print(f"reloads under a steady {rate} frames/s: sent {sent} + {sent_extra}, arrived {arrived}, "
              f"counted {counted:.0f}", flush=True)
        self.assertEqual(arrived, sent + sent_extra, "frames into vethA")
        self.assertEqual(counted, sent + sent_extra, "frames counted across the reloads")
        self.assertNotIn("were removed", d.log(), "the reload should replace the programs, not remove them")
        self.assertEqual(
            m.get("pktlens_network_packets_total", network="peers", dir="ingress", side="src") - peers0,
            sent + 500, "the network configured from the start keeps its counts across the reloads")
        self.assertEqual(d.terminate(), 0, f"exit status on SIGTERM; log:\n{d.log()}")
        self.assert_nothing_attached()


if __name__ == "__main__":
    main()
