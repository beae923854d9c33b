// SPDX-License-Identifier: Apache-2.0
// Sums of per-CPU map values as the kernel hands them over: `cpus` values,
// `stride` bytes apart (bpf::percpu_stride). Every reader of a per-CPU map
// sums through these, so a CPU left out is left out everywhere and the
// tests of one reader cover all (tests/collector/).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "bpf/abi.hpp"

extern "C" {
#include "lib/flow_rec.h"
}

namespace pktlens::collector {

// CPU `cpu`'s value.
template <typename V>
V value_at(const uint8_t* values, size_t stride, int cpu) {
  V v;
  std::memcpy(&v, values + static_cast<size_t>(cpu) * stride, sizeof v);
  return v;
}

// `add(sum, value)` over every CPU's value, from a zero sum.
template <typename V, typename Sum = V, typename Add>
Sum sum_percpu(const uint8_t* values, size_t stride, int cpus, Add add) {
  Sum s{};
  for (int cpu = 0; cpu < cpus; cpu++) add(s, value_at<V>(values, stride, cpu));
  return s;
}

// A per-CPU u64 counter.
inline uint64_t sum_u64(const uint8_t* values, size_t stride, int cpus) {
  return sum_percpu<uint64_t>(values, stride, cpus, [](uint64_t& s, uint64_t v) { s += v; });
}

// A flow element: its key and its CPUs' values summed as the iterator
// program sums them (bpf/lib/flow_rec.h); `idle` left 0.
inline pktlens_flow_rec sum_flow(const uint8_t* key, const uint8_t* values, size_t stride,
                                 int cpus) {
  auto r = sum_percpu<pktlens_flow_val, pktlens_flow_rec>(
      values, stride, cpus,
      [](pktlens_flow_rec& s, const pktlens_flow_val& v) { pktlens_flow_rec_add(&s, &v); });
  std::memcpy(&r.key, key, sizeof r.key);
  return r;
}

}  // namespace pktlens::collector
