#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# systemd/pktlens.service must pass `systemd-analyze verify` without a single
# warning (it exits 0 on bad values, so any output fails the test) and keep
# its offline security exposure at or under 5.0 ("OK"; --threshold counts in tenths).
#   verify_unit.sh UNIT PKTLENSD
set -euo pipefail
unit=$1 pktlensd=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The unit names the packaged path; point it at the binary just built.
sed "s|^ExecStart=/usr/sbin/pktlensd|ExecStart=$pktlensd|" "$unit" > "$work/pktlens.service"
grep -q "^ExecStart=$pktlensd" "$work/pktlens.service"

out=$(systemd-analyze verify --man=no "$work/pktlens.service" 2>&1) || { echo "$out"; exit 1; }
if [ -n "$out" ]; then
  echo "systemd-analyze verify printed:"; echo "$out"; exit 1
fi
systemd-analyze security --offline=yes --threshold=50 "$work/pktlens.service" | tail -1
grep -q '^Type=notify$' "$work/pktlens.service"
echo "pktlens.service: verify clean"
