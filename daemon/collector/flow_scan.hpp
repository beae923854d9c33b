// SPDX-License-Identifier: Apache-2.0
// Reading pktlens_flows by walking it, for the flow table's full passes and
// the cycles that cannot follow the touch log (collector/flow_table.hpp).
// Three ways, one result: every element's per-CPU values summed
// (collector/percpu_sum.hpp) and handed to the sink when it changed since
// `since` or is idle (last_seen_ns < expire_before, marked `idle`).
//   - a parallel batch scan: disjoint bucket ranges read with
//     BPF_MAP_LOOKUP_BATCH by worker threads, handed over in bucket order
//     as each range completes (the default);
//   - the BPF map-element iterator (bpf::FlowIterator), which sums in the
//     kernel and writes only what the sink needs, on one CPU;
//   - key by key (get_next_key + lookup), where the kernel has no batch ops.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "collector/map_batch.hpp"

extern "C" {
#include "lib/flow_rec.h"
}

namespace pktlens::bpf {
class FlowIterator;
}

namespace pktlens::collector {

using FlowSink = std::function<void(const pktlens_flow_rec&)>;

struct ScanResult {
  size_t visited = 0;   // elements in the map
  size_t reported = 0;  // records handed to the sink
  size_t calls = 0;     // batch calls, read() calls or lookups
};

struct ScanRange {
  uint64_t since = 0;          // report flows with last_seen_ns >= this
  uint64_t expire_before = 0;  // and idle ones, last_seen_ns < this
};

class FlowScan {
 public:
  explicit FlowScan(const MapShape& flows) : m_(flows) {}

  // The parallel batch scan with `threads` workers. `expected`: elements
  // the previous pass saw (0: unknown), to size the batches. False when
  // the kernel has no batch ops for the map (nothing was handed over).
  bool batch(size_t threads, const ScanRange& r, size_t expected, const FlowSink& sink,
             ScanResult& out);
  // The iterator program, attached to this map.
  ScanResult iterator(bpf::FlowIterator& it, const ScanRange& r, const FlowSink& sink);
  // Key by key; an element may be handed over twice (walk_keys).
  ScanResult keys(const ScanRange& r, const FlowSink& sink);

 private:
  MapShape m_;
  // Record buffers of the shards in flight and one batch buffer per
  // worker, kept across cycles.
  std::vector<std::vector<pktlens_flow_rec>> shard_recs_;
  std::vector<BatchBuffers> worker_bufs_;
  std::vector<uint8_t> read_buf_;  // the iterator's read()
};

}  // namespace pktlens::collector
