#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# systemd/pktlens.service must pass `systemd-analyze verify` without a single
# warning (it exits 0 on bad values, so any output fails the test), its
# Documentation=man:pktlensd(8) must resolve (to packaging/man/pktlensd.8),
# and its offline security exposure must stay at or under 3.0 (issue #16;
# --threshold counts in tenths).
#   verify_unit.sh UNIT PKTLENSD MANPAGE
set -euo pipefail
unit=$1 pktlensd=$2 manpage=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The unit names the packaged path; point it at the binary just built.
sed "s|^ExecStart=/usr/sbin/pktlensd|ExecStart=$pktlensd|" "$unit" > "$work/pktlens.service"
grep -q "^ExecStart=$pktlensd" "$work/pktlens.service"

# verify runs man(1) for each man: reference; MANPATH makes it find ours.
mkdir -p "$work/man/man8"
cp "$manpage" "$work/man/man8/"
out=$(MANPATH="$work/man" systemd-analyze verify --man=yes "$work/pktlens.service" 2>&1) || { echo "$out"; exit 1; }
if [ -n "$out" ]; then
  echo "systemd-analyze verify printed:"; echo "$out"; exit 1
fi
systemd-analyze security --offline=yes --threshold=30 "$work/pktlens.service" | tail -1
grep -q '^Type=notify$' "$work/pktlens.service"
echo "pktlens.service: verify clean"
