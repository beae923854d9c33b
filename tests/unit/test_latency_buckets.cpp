// SPDX-License-Identifier: Apache-2.0
// The kernel's bucket choice (bpf/lib/latency.h, compiled here as plain C)
// and user space's (collector/latency_buckets.hpp) agree on every boundary,
// and the bounds in seconds are the documented 8.192 us .. 8.59 s.
#include <linux/types.h>

#include <catch2/catch.hpp>
#include <cstdint>

#include "collector/latency_buckets.hpp"

#include "lib/latency.h"  // glibc's <sys/cdefs.h> defines __always_inline

using pktlens::collector::latency_bucket;
using pktlens::collector::latency_bucket_le;

TEST_CASE("latency buckets: kernel and user space agree at every bound", "[latency]") {
  for (int shift = 0; shift < 64; shift++) {
    const uint64_t p = uint64_t{1} << shift;
    for (const uint64_t ns : {p - 1, p, p + 1}) {
      INFO("ns = " << ns);
      CHECK(pktlens_lat_bucket(ns) == latency_bucket(ns));
    }
  }
  CHECK(pktlens_lat_bucket(0) == 0);
  CHECK(pktlens_lat_bucket(UINT64_MAX) == PKTLENS_LAT_FINITE);
  CHECK(latency_bucket(20'000'000) == 12);  // 20 ms -> le 2^25 ns = 0.0336 s
  CHECK(latency_bucket_le(12) == Approx(0.033554432));
  CHECK(latency_bucket_le(0) == Approx(8.192e-6));
  CHECK(latency_bucket_le(PKTLENS_LAT_FINITE - 1) == Approx(8.589934592));
}

TEST_CASE("latency histogram: a sample lands in one bucket, count and exact sum", "[latency]") {
  pktlens_lat_hist h{};
  pktlens_lat_observe(&h, 20'000'000);
  pktlens_lat_observe(&h, 100'000'000);
  pktlens_lat_observe(&h, 20'000'000'000ULL);
  CHECK(h.buckets[12] == 1);
  CHECK(h.buckets[latency_bucket(100'000'000)] == 1);
  CHECK(h.buckets[PKTLENS_LAT_FINITE] == 1);
  CHECK(h.count == 3);
  CHECK(h.sum_ns == 20'120'000'000ULL);
}
