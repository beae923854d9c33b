#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Configures, builds and runs every test through CTest. Needs root: the BPF
# tests load programs and run them with BPF_PROG_TEST_RUN.
#   scripts/test.sh                 all tests
#   scripts/test.sh -L bpf          one label (bpf, bench)
#   scripts/test.sh -R 'anomal'     by name
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/test.sh: the BPF tests load programs and need root (run with sudo)" >&2
  exit 1
fi
if [ ! -r /sys/kernel/btf/vmlinux ]; then
  echo "scripts/test.sh: /sys/kernel/btf/vmlinux is missing: the kernel needs CONFIG_DEBUG_INFO_BTF=y" >&2
  exit 1
fi

build=${PKTLENS_BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure "$@"
