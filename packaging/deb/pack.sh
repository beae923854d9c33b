#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Packs a built tree into OUTDIR/pktlens_VERSION_ARCH.deb with CPack
# (packaging/deb/cpack.cmake) and runs Debian 12's lintian on it, which must
# report no error and no warning (informational tags are printed, not
# fatal). OUTDIR also holds CPack's staging tree, so two packs into two
# directories do not collide. Prints the package's path last.
#   pack.sh BUILD_DIR OUTDIR
set -euo pipefail
build=$(realpath "$1") out=$2
mkdir -p "$out"
out=$(realpath "$out")
rm -f "$out"/pktlens_*.deb
(cd "$build" && cpack -G DEB -B "$out" >"$out/cpack.log") || { cat "$out/cpack.log"; exit 1; }
deb=$(ls "$out"/pktlens_*.deb)
# --fail-on error,warning: the exit status says whether either was reported.
lintian --fail-on error,warning --display-info --tag-display-limit 0 "$deb"
echo "lintian: no error, no warning"
echo "$deb"
