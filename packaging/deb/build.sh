#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the Debian package build/deb/pktlens_VERSION_ARCH.deb: configures
# and builds the ordinary build tree with the package's prefix, then
# packaging/deb/pack.sh (CPack, then lintian: no error, no warning).
#   packaging/deb/build.sh            (PKTLENS_BUILD_DIR: another build tree)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${PKTLENS_BUILD_DIR:-build}
# The package's paths are /usr's; an older build tree may cache /usr/local.
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr
cmake --build "$build" -j"$(nproc)"
packaging/deb/pack.sh "$build" "$build/deb"
