#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CTest helpers for `pktlensd rules` (tests/CMakeLists.txt):
#   rules.sh lint PKTLENSD CONFIG           promtool check rules --lint=all --lint-fatal
#   rules.sh fresh PKTLENSD CONFIG SHIPPED  SHIPPED is exactly the output for CONFIG
set -euo pipefail

mode=$1 pktlensd=$2 config=$3
out=$(mktemp --suffix=.yml)
trap 'rm -f "$out"' EXIT
"$pktlensd" rules --config "$config" >"$out"

case $mode in
  lint)
    promtool check rules --lint=all --lint-fatal "$out"
    ;;
  fresh)
    if ! diff -u "$4" "$out"; then
      echo "$4 is stale: regenerate it with" >&2
      echo "  pktlensd rules --config $config > $4" >&2
      exit 1
    fi
    ;;
  *)
    echo "unknown mode $mode" >&2
    exit 2
    ;;
esac
