// SPDX-License-Identifier: Apache-2.0
// The latency histograms' bucket bounds (PKTLENS_LAT_* in bpf/pktlens_abi.h)
// in seconds, and the same bucket choice as bpf/lib/latency.h, so tests and
// the exporter agree with the kernel on where a sample lands.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bpf/abi.hpp"

namespace pktlens::collector {

// Upper bound of finite bucket i (0 <= i < PKTLENS_LAT_FINITE), in seconds.
constexpr double latency_bucket_le(size_t i) {
  return static_cast<double>(uint64_t{1} << (PKTLENS_LAT_MIN_SHIFT + i)) / 1e9;
}

// The bucket the kernel puts a sample of `ns` into.
constexpr uint32_t latency_bucket(uint64_t ns) {
  for (uint32_t i = 0; i < PKTLENS_LAT_FINITE; i++)
    if (ns <= (uint64_t{1} << (PKTLENS_LAT_MIN_SHIFT + i))) return i;
  return PKTLENS_LAT_FINITE;
}

static_assert(latency_bucket(0) == 0 && latency_bucket(8192) == 0 && latency_bucket(8193) == 1);
static_assert(latency_bucket(uint64_t{1} << 33) == PKTLENS_LAT_FINITE - 1);
static_assert(latency_bucket((uint64_t{1} << 33) + 1) == PKTLENS_LAT_FINITE);

}  // namespace pktlens::collector
