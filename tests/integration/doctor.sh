#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `pktlensd doctor` on this machine: exit 0 (the tests run as root on a
# kernel with BTF), a line for every probe, a verdict; with
# PKTLENS_FORCE_FALLBACK=all the three optional features are reported off
# and pktlensd can still run. `--brief` is the one line scripts/test.sh
# prints.
#   doctor.sh PKTLENSD
set -euo pipefail
pktlensd=$1
fail() { echo "FAIL: $*"; exit 1; }

check_lines() {  # OUTPUT
  local name
  for name in "BTF" "bpffs" "map iterators" "mmapable arrays" "batch map ops" \
              "lookup and delete" "lockdown" \
              "CAP_BPF" "CAP_PERFMON" "CAP_NET_ADMIN" "CAP_SYS_ADMIN" "CAP_SYS_RESOURCE" \
              "native XDP"; do
    grep -Eq "^\[(ok|missing|info)\] +$name: " <<<"$1" || fail "no line for '$name'"
  done
  grep -q '^pktlensd can run here$' <<<"$1" || fail "no verdict 'pktlensd can run here'"
}

out=$(env -u PKTLENS_FORCE_FALLBACK "$pktlensd" doctor) && rc=0 || rc=$?
echo "$out"
[ "$rc" -eq 0 ] || fail "pktlensd doctor exited $rc"
check_lines "$out"
! grep -q "forced off" <<<"$out" || fail "a feature reported forced off without PKTLENS_FORCE_FALLBACK"

out=$(PKTLENS_FORCE_FALLBACK=all "$pktlensd" doctor) && rc=0 || rc=$?
echo "$out"
[ "$rc" -eq 0 ] || fail "pktlensd doctor exited $rc with PKTLENS_FORCE_FALLBACK=all"
check_lines "$out"
for name in "map iterators" "mmapable arrays" "batch map ops" "lookup and delete"; do
  grep -Eq "^\[missing\] +$name: forced off by PKTLENS_FORCE_FALLBACK -- " <<<"$out" ||
    fail "'$name' not reported forced off"
done
grep -Eq '^\[info\] +PKTLENS_FORCE_FALLBACK: set to "all" -- ' <<<"$out" ||
  fail "no line for PKTLENS_FORCE_FALLBACK"

out=$(PKTLENS_FORCE_FALLBACK=all "$pktlensd" doctor --brief) && rc=0 || rc=$?
echo "$out"
[ "$rc" -eq 0 ] || fail "pktlensd doctor --brief exited $rc"
[ "$(wc -l <<<"$out")" -eq 1 ] || fail "--brief printed more than one line"
grep -q '^kernel capabilities: BTF yes, ' <<<"$out" || fail "--brief line"
grep -q 'map iterators no (forced), mmapable arrays no (forced), batch map ops no (forced), lookup and delete no (forced)' \
  <<<"$out" || fail "--brief does not show the forced features"

# Cannot run: without CAP_NET_ADMIN doctor says so and exits 1.
out=$(setpriv --bounding-set -net_admin "$pktlensd" doctor) && rc=0 || rc=$?
echo "$out"
[ "$rc" -eq 1 ] || fail "doctor without CAP_NET_ADMIN exited $rc, expected 1"
grep -q '^\[missing\] CAP_NET_ADMIN: ' <<<"$out" || fail "CAP_NET_ADMIN not reported missing"
grep -q '^pktlensd cannot run here: it needs CAP_NET_ADMIN' <<<"$out" || fail "no 'cannot run' verdict"
echo "doctor: every probe reported; forced fallbacks shown; exit status as documented"
