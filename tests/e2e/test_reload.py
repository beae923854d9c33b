#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""SIGHUP: pktlensd re-reads its configuration; a broken file is reported
as FILE:LINE:COL and the running configuration stays; settings that need a
restart say so. Same harness and namespaces as test_e2e.py (harness.py).

    sudo /usr/bin/python3 tests/e2e/test_reload.py build/daemon/pktlensd Reload.test_reload
"""

from __future__ import annotations

import os
import re
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import E2E, config, main, wait_until  # noqa: E402


def rewrite(path: str, text: str) -> None:
    # In place: the daemon re-reads the same path it was started with.
    with open(path, "w") as f:
        f.write(text)


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


if __name__ == "__main__":
    main()
