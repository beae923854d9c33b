#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the BPF object, its skeleton, the tests and the benchmark. Needs no
# root. PKTLENS_WERROR=ON makes compiler warnings errors.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${PKTLENS_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPKTLENS_WERROR="${PKTLENS_WERROR:-OFF}"
cmake --build "$build" -j"$(nproc)"
