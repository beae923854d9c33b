// SPDX-License-Identifier: Apache-2.0
// The flow table, read incrementally. FlowTable keeps a mirror of every
// flow it has seen (collector/flow_mirror.hpp) and updates it each cycle
// from the flows that changed since the previous cycle and the idle ones:
// in steady state by looking up only the flows the data plane logged as
// touched (collector/flow_log.hpp, collector/logged_flows.hpp), otherwise
// by walking the map (collector/flow_scan.hpp: a parallel batch scan, the
// BPF iterator, or key by key). Every path gives the same records, so the
// same Snapshot. Each cycle: interval deltas of the changed flows
// (interval_of() semantics), the top-K (collector/flow_rank.hpp),
// flows_active, the kernel's entry count, idle expiry and pressure eviction
// in the kernel map and the mirror, each removed flow's final counters
// booked (collector/flow_book.hpp). docs/architecture.md, "Collecting
// flows".
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "collector/flow_changes.hpp"
#include "collector/presence_filter.hpp"
#include "collector/snapshot.hpp"

struct pktlens_bpf;
struct pktlens_flow_key;

namespace pktlens::bpf {
class FlowIterator;
}

namespace pktlens::collector {

struct FlowTableOptions {
  // Flows with no packet for this long are deleted (kernel and mirror).
  std::chrono::nanoseconds idle_timeout{120'000'000'000};
  size_t top_k = 100;
  // Flows are ranked by the bytes they moved in a window of this length
  // (at most idle_timeout): a burst stays in the top-K for at least the
  // window, at most 1.5 times it, so scrapes less frequent than the
  // interval still see it. The window moves in steps of half its length;
  // each flow keeps its bytes at the last three steps. 0: ranked by the
  // last interval alone.
  std::chrono::nanoseconds top_k_window{0};
  // Pressure eviction, like conntrack's early drop: when more flows than
  // evict_above (a fraction of the capacity) are left after expiry, the
  // least recently seen ones are removed down to evict_to, so that new
  // flows keep getting in during a flood of new flows.
  double evict_above = 0.90;
  double evict_to = 0.85;
  // The kernel has BPF_MAP_LOOKUP_AND_DELETE_ELEM for per-CPU hashes
  // (bpf::KernelFeatures); false: a lookup, then a delete
  // (collector/flow_removal.hpp).
  bool lookup_and_delete = true;
  // Threads of the parallel scan that walks the flow map when the log is
  // not followed (the kernel's walk over the map is the cost of such a
  // cycle, and it is memory bound, so it divides among CPUs), and of the
  // lookups of logged flows. 0: one per online CPU, at most 4.
  size_t scan_threads = 0;
  // Follow the data plane's flow touch log: look up only the flows touched
  // since the previous cycle. false: walk the map every cycle (kernels
  // that refuse mmapable maps; tests that write the map from user space,
  // which the log does not see).
  bool touch_log = true;
  // The kernel has batch map operations; false: walks go key by key.
  bool batch_ops = true;
  // With scan_threads 1, walks run this iterator program (it sums in the
  // kernel) instead of a one-thread batch scan. Null where the kernel
  // refuses BTF tracing programs. Outlives the FlowTable.
  bpf::FlowIterator* iterator = nullptr;
  // Fill the cycle's FlowChanges (collector/flow_changes.hpp): every
  // changed flow and every flow deleted, for flow export. Off: none kept.
  bool record_changes = false;
};

// How a cycle read the flow table.
enum class FlowReadPath {
  touch_log,   // lookups of the logged flows
  batch_scan,  // parallel BPF_MAP_LOOKUP_BATCH over bucket ranges
  iterator,    // the BPF map-element iterator
  key_walk,    // get_next_key + lookup
};
std::string_view to_string(FlowReadPath p);

struct FlowCollectStats {
  FlowReadPath path = FlowReadPath::batch_scan;
  bool full_pass = false;      // every flow re-read: first cycle, re-sync
  size_t changed = 0;          // flows new or with packets since the previous cycle
  size_t expired_deleted = 0;  // idle flows removed from the kernel map
  size_t evicted = 0;          // least recently seen flows removed under pressure
  size_t entries = 0;          // flows in the kernel map after expiry
  size_t visited = 0;          // kernel map elements visited or looked up (before expiry)
  size_t reported = 0;         // records user space applied (changed candidates + idle)
  size_t mirror_dropped = 0;   // flows dropped from the mirror only (not in the kernel)
  size_t read_calls = 0;       // batch calls, read() calls or lookups
  size_t scan_threads = 0;     // threads of the batch scan; 0: it did not run
  size_t logged = 0;           // touch-log keys drained this cycle (repeats included)
  bool log_overflow = false;   // a ring overflowed (this cycle walked instead)
  // The flow caches' flush before the read (bpf/flow_cache.hpp).
  bool cache = false;            // the programs have flow caches
  size_t cache_cpus = 0;         // CPUs flushed, their caches open
  size_t cache_cpus_missed = 0;  // CPUs not flushed: they count in the table directly
  uint64_t cache_reinserted = 0;
  std::string cache_error;  // why CPUs were missed
  bool from_log() const { return path == FlowReadPath::touch_log; }
};

class FlowTable {
 public:
  // `skel`: a loaded object (bpf::Object), outliving the FlowTable.
  FlowTable(pktlens_bpf* skel, FlowTableOptions o);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  // One cycle: reads the changes, expires idle flows (kernel and mirror),
  // fills s.top_flows (ranked by window_bytes desc, then key; flows
  // without bytes in the window are not listed), s.flows_active (flows
  // with packets in the interval),
  // s.flow_table_entries and s.flow_table_capacity, and each interface's
  // flow bookkeeping (IfaceCounters::flow_table_*, flows_ended) for the
  // slots already in s.ifaces. now_ns: CLOCK_MONOTONIC,
  // the clock of the flows' last_seen_ns. Throws std::system_error on map
  // and read errors.
  FlowCollectStats collect(uint64_t now_ns, Snapshot& s);

  // Moves every CPU's flow cache into the table and closes the caches, so
  // that packets count in the table directly until the next collect() (a
  // stop, a hand-over to the next pktlensd, programs replaced).
  void close_cache();

  // The last collect()'s changed flows (FlowChanges::updated) and the
  // flows it removed (FlowChanges::ended), when
  // FlowTableOptions::record_changes is set; moved out.
  FlowChanges take_changes();

  // Presence filter upkeep (presence_filter.hpp) from the mirror's keys.
  PresenceFill upkeep_presence(double max_ratio = 0.5);

  // Why the touch log is not followed at all (off in the options, off in
  // the object, or its maps could not be mapped); empty when it is.
  std::string touch_log_off_reason() const;

  // The mirror, for tests and the CLI.
  size_t size() const;
  std::optional<FlowRecord> find(const FlowKey& k) const;
  void for_each_key(const FlowKeyAdd& add) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pktlens::collector
