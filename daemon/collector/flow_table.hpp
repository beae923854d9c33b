// SPDX-License-Identifier: Apache-2.0
// The flow table, read incrementally. FlowTable keeps a mirror of every
// flow it has seen and updates it each cycle from the flows that changed
// since the previous cycle (last_seen_ns) and the idle ones, found by a
// parallel batch scan of the map's buckets or, on one CPU, by a BPF
// map-element iterator (bpf/flow_iter.bpf.c) that sums each flow's per-CPU
// values in the kernel; or, in steady state, by looking up only the flows
// the data plane logged as touched (collector/flow_log.hpp). Each cycle: interval deltas of the changed flows
// (interval_of() semantics), the top-K, flows_active, the kernel's entry
// count, and idle expiry in the kernel map and the mirror. Where the kernel
// refuses the iterator the whole map is batch-read (read_snapshot) and fed
// through the same path. docs/architecture.md, "Collecting flows".
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "collector/presence_filter.hpp"
#include "collector/snapshot.hpp"

struct pktlens_bpf;
struct pktlens_flow_key;

namespace pktlens::collector {

struct FlowTableOptions {
  // Flows with no packet for this long are deleted (kernel and mirror).
  std::chrono::nanoseconds idle_timeout{120'000'000'000};
  size_t top_k = 100;
  // Use the batch read even where the iterator works (tests).
  bool force_fallback = false;
  // Flows the kernel LRU evicts stay in the mirror until they are idle, or
  // until a full pass drops them: one runs when the mirror holds this many
  // flows or more beyond the kernel's count. 0: 1% of the map's capacity.
  size_t evicted_sweep_threshold = 0;
  // Threads of the parallel scan that reads the flow map each cycle (batch
  // reads of disjoint bucket ranges, filtered in user space, applied as
  // each range completes): the kernel's walk over the map is the cost of a
  // cycle, and it is memory bound, so it divides among CPUs. 1: the BPF
  // iterator instead, on one CPU. 0: one per online CPU, at most 4.
  // Also the threads that look up logged flows.
  size_t scan_threads = 0;
  // Follow the data plane's flow touch log (collector/flow_log.hpp): look
  // up only the flows touched since the previous cycle, while the table is
  // far enough from full that the kernel LRU cannot evict. false: read the
  // map by scans every cycle (tests that write the map from user space,
  // which the log does not see).
  bool touch_log = true;
};

struct FlowCollectStats {
  size_t changed = 0;          // flows new or with packets since the previous cycle
  size_t expired_deleted = 0;  // idle flows deleted from the kernel map
  size_t entries = 0;          // flows in the kernel map after expiry
  // The kernel accepted the iterator, so the incremental path (iterator, or
  // the scan when scan_threads > 0) read the table; false: the whole-table
  // batch-read fallback, see fallback_reason.
  bool used_iterator = true;
  size_t visited = 0;           // kernel map elements visited (before expiry)
  size_t reported = 0;          // records user space read (changed candidates + idle)
  size_t mirror_dropped = 0;    // flows dropped from the mirror only (LRU-evicted)
  bool full_pass = false;       // every flow re-read: first cycle, fallback, eviction sweep
  size_t read_calls = 0;        // read() or batch calls (0 in the fallback)
  size_t scan_threads = 0;      // threads of the parallel scan; 0: it did not run
  std::string fallback_reason;  // why the iterator is not used; empty when it is
  // The touch log: keys drained this cycle (repeats included); whether the
  // flows were read by looking those up (from_log) instead of a scan; a
  // ring overflowed (this cycle scanned instead).
  size_t logged = 0;
  bool from_log = false;
  bool log_overflow = false;
};

class FlowTable {
 public:
  // `skel`: a loaded object (bpf::Object), outliving the FlowTable.
  FlowTable(pktlens_bpf* skel, FlowTableOptions o);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  // One cycle: reads the changes, expires idle flows (kernel and mirror),
  // fills s.top_flows (ranked by bytes_delta desc, then key; flows without
  // packets in the interval are not listed), s.flows_active,
  // s.flow_table_entries and s.flow_table_capacity. now_ns: CLOCK_MONOTONIC,
  // the clock of the flows' last_seen_ns. Throws std::system_error on map
  // and read errors.
  FlowCollectStats collect(uint64_t now_ns, Snapshot& s);

  // Presence filter upkeep (presence_filter.hpp) from the mirror's keys.
  PresenceFill upkeep_presence(double max_ratio = 0.5);

  // The mirror, for tests and the CLI.
  size_t size() const;
  std::optional<FlowRecord> find(const FlowKey& k) const;
  void for_each_key(const FlowKeyAdd& add) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pktlens::collector
