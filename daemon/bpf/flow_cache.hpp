// SPDX-License-Identifier: Apache-2.0
// The flow cache's flush (bpf/lib/flow_cache.h). Each CPU counts its warm
// flows in a cache of its own; the program flow_cache_flush moves a CPU's
// cache into pktlens_flows, and it can only run on that CPU: FlowCache runs
// it with BPF_PROG_TEST_RUN from a thread pinned to each CPU in turn. A CPU
// uses its cache only for a while after its last flush (flows.cache_slots
// in docs/configuration.md), so one this process may not run on, or a
// stopped process, leaves the packets in pktlens_flows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

struct pktlens_bpf;

namespace pktlens::bpf {

struct FlowCacheFlush {
  size_t cpus = 0;         // CPUs flushed: their cache is open (or closed, by close())
  size_t cpus_missed = 0;  // CPUs that could not be flushed (affinity, a busy slot)
  // Flows the flush found deleted from pktlens_flows and inserted again:
  // a reader following the touch log cannot know them.
  uint64_t reinserted = 0;
  // Slots that found pktlens_flows full: still cached, retried next time.
  uint64_t insert_failed = 0;
  // An earlier flush missed a CPU whose cache was open, and this one got
  // every such CPU: what it moved was logged in an older cycle, so a reader
  // following the touch log must read the whole table once.
  bool resync = false;
  std::string error;  // why CPUs were missed, for a log line
};

class FlowCache {
 public:
  // Off (every call a no-op) when the programs were loaded without one.
  explicit FlowCache(pktlens_bpf* skel);
  bool enabled() const { return enabled_; }
  // Moves every CPU's cache into pktlens_flows and keeps it open.
  FlowCacheFlush flush() { return run(false); }
  // The same, then closes each cache: packets count in pktlens_flows until
  // the next flush (a stop, a hand-over to the next pktlensd).
  FlowCacheFlush close() { return run(true); }

 private:
  FlowCacheFlush run(bool close);
  pktlens_bpf* skel_;
  bool enabled_;
  int cpus_;
  uint64_t reinserted_ = 0;  // the sums of the last run
  uint64_t insert_failed_ = 0;
  std::vector<char> open_;  // per CPU: flushed, not closed since
  bool resync_pending_ = false;
};

}  // namespace pktlens::bpf
