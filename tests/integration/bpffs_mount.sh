#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# pktlensd on a machine without a bpffs, in a mount and network namespace of
# this test's own (nothing of the host's is mounted or attached): it mounts
# one at /sys/fs/bpf and says so; without CAP_SYS_ADMIN it cannot, and the
# error says what to run. `dump` in a namespace with only loopback exits 1
# ("no interface could be attached") after the pin dir is set up.
#   bpffs_mount.sh PKTLENSD
set -euo pipefail
pktlensd=$1
inside() {
  unshare --mount --net --propagation private bash -c '
    while umount -l /sys/fs/bpf 2>/dev/null; do :; done
    if [ "$(stat -f -c %t /sys/fs/bpf)" = cafe4a11 ]; then echo "bpffs still mounted" >&2; exit 99; fi
    "$@"' inside "$@"
}

out=$(inside "$pktlensd" dump --bpf-pin-dir /sys/fs/bpf/pktlens-bpffs-test 2>&1) && rc=0 || rc=$?
echo "$out"
[ "$rc" -ne 99 ] || exit 1
grep -q "mounted a BPF filesystem at /sys/fs/bpf" <<<"$out" ||
  { echo "FAIL: pktlensd did not say it mounted /sys/fs/bpf"; exit 1; }
grep -q "no interface could be attached" <<<"$out" ||
  { echo "FAIL: pktlensd did not get past the pin dir"; exit 1; }

out=$(inside setpriv --bounding-set -sys_admin --inh-caps -sys_admin \
        "$pktlensd" dump --bpf-pin-dir /sys/fs/bpf/pktlens-bpffs-test 2>&1) && rc=0 || rc=$?
echo "$out"
[ "$rc" -eq 1 ] || { echo "FAIL: exit status $rc without CAP_SYS_ADMIN, expected 1"; exit 1; }
grep -q 'cannot mount one: Operation not permitted (mounting needs CAP_SYS_ADMIN); mount it as root with `mount -t bpf bpf /sys/fs/bpf`' <<<"$out" ||
  { echo "FAIL: the error does not say what to run"; exit 1; }
echo "bpffs: mounted when missing; the fix named when it cannot be"
