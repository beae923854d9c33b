#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `cmake --install` and the Debian package put the same files at the same
# paths (issue #16): packs the build tree (packaging/deb/pack.sh, which
# also fails on any lintian error or warning), installs the same tree into
# a DESTDIR, and compares the two file lists. The unit's ExecStart= binary
# must be among them.
#   install_paths.sh BUILD_DIR PACK_SCRIPT
set -euo pipefail
build=$1 pack=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
deb=$(bash "$pack" "$build" "$build/deb-test" | tail -1)
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { sub(/^\.\//, "/", $6); print $6 }' | sort > "$work/deb"
DESTDIR="$work/root" cmake --install "$build" >/dev/null
(cd "$work/root" && find . ! -type d | sed 's|^\.||' | sort) > "$work/install"
if ! diff -u "$work/deb" "$work/install"; then
  echo "the .deb (-) and cmake --install (+) differ"; exit 1
fi
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$work/root/lib/systemd/system/pktlens.service")
grep -qxF "$exec_start" "$work/deb" || { echo "ExecStart=$exec_start is not in the package"; exit 1; }
echo "$(wc -l < "$work/deb") files, the same paths in $deb and cmake --install; ExecStart=$exec_start"
