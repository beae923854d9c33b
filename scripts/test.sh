#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Configures, builds and runs every test through CTest. Run as root (as
# another user: sudo scripts/test.sh): the BPF tests load programs and run
# them with BPF_PROG_TEST_RUN, the others attach to interfaces of network
# namespaces of their own. Prints what the kernel offers
# (`pktlensd doctor --brief`) before the tests.
#   scripts/test.sh                 all tests
#   scripts/test.sh -L bpf          one label (bpf, bench)
#   scripts/test.sh -R 'anomal'     by name
#   PKTLENS_WERROR=ON scripts/test.sh   compiler warnings are errors (CI)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/test.sh: run as root: the tests load BPF programs and create network" \
       "namespaces (as another user: sudo scripts/test.sh)" >&2
  exit 1
fi
if [ ! -r /sys/kernel/btf/vmlinux ]; then
  echo "scripts/test.sh: /sys/kernel/btf/vmlinux is missing: the kernel needs CONFIG_DEBUG_INFO_BTF=y" >&2
  exit 1
fi

build=${PKTLENS_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPKTLENS_WERROR="${PKTLENS_WERROR:-OFF}"
cmake --build "$build" -j"$(nproc)"
"$build/daemon/pktlensd" doctor --brief ||
  echo "scripts/test.sh: pktlensd cannot run here; \`$build/daemon/pktlensd doctor\` says why" >&2
ctest --test-dir "$build" --output-on-failure "$@"
