#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""check-config refuses what the start refuses (issue #18, item 6): a
`listen` address no interface of the host has. Both exit 1 with the same
FILE:LINE:COL message, and the start attaches nothing. Same harness as the
other e2e tests (harness.py).

    sudo /usr/bin/python3 tests/e2e/test_config_parity.py build/daemon/pktlensd ConfigParity.test_non_local_listen
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import E2E, config, main  # noqa: E402

# In 198.18.0.0/15 like every test address, and on no interface of A.
NOT_HERE = "198.19.255.254:9586"


class ConfigParity(E2E):
    def test_non_local_listen(self) -> None:
        cfg = config(listen=NOT_HERE, flows=False)
        check = self.run_pktlensd(["check-config", cfg])
        self.assertEqual(check.returncode, 1, check.stdout + check.stderr)
        self.assertEqual(check.stdout, "")
        message = check.stderr.strip()
        self.assertTrue(message.startswith(f"{cfg}:3:9: listen: cannot listen on {NOT_HERE}: "), message)

        d = self.start(cfg, self.pin(), notify=False)
        self.assertEqual(d.wait_exit(60), 1, d.log())
        self.assertIn(message, d.log())
        self.assert_nothing_attached()


if __name__ == "__main__":
    main()
