// SPDX-License-Identifier: Apache-2.0
#include "bpf/flow_cache.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pktlens_bpf.skel.h>  // generated in the build tree
#include <sched.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <thread>

#include "bpf/abi.hpp"
#include "bpf/percpu.hpp"

namespace pktlens::bpf {
namespace {

enum class CpuFlush { done, missed };

// Runs flow_cache_flush on the CPU this thread is pinned to until nothing
// is left, or nothing moves (a full flow table: those slots wait).
CpuFlush flush_here(int prog_fd, bool close, uint32_t max_rounds, std::string& error) {
  unsigned char frame[64] = {};
  frame[0] = close ? PKTLENS_FLOW_CACHE_FLUSH_CLOSE : 0;
  int busy = 0, before = INT_MAX;
  for (uint32_t round = 0; round < max_rounds;) {
    LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = frame, .data_size_in = sizeof frame, .repeat = 1);
    if (bpf_prog_test_run_opts(prog_fd, &t) != 0) {
      error = std::string("BPF_PROG_TEST_RUN of flow_cache_flush: ") + std::strerror(errno);
      return CpuFlush::missed;
    }
    const int left = static_cast<int>(t.retval);
    if (left == PKTLENS_FLOW_CACHE_BUSY) {
      // A packet preempted in its slot (real-time kernels only).
      if (++busy > 100) {
        error = "a packet program held its flow cache slot through 100 tries";
        return CpuFlush::missed;
      }
      sched_yield();
      continue;
    }
    if (left <= 0 || left >= before) return CpuFlush::done;
    before = left;
    round++;
  }
  return CpuFlush::done;
}

}  // namespace

FlowCache::FlowCache(pktlens_bpf* skel)
    : skel_(skel),
      enabled_(skel && skel->rodata->cfg_flow_cache_shift != 0),
      cpus_(possible_cpus()),
      open_(static_cast<size_t>(cpus_), 0) {}

FlowCacheFlush FlowCache::run(bool close) {
  FlowCacheFlush out;
  if (!enabled_) return out;
  const int prog_fd = bpf_program__fd(skel_->progs.flow_cache_flush);
  const uint32_t slots = 1U << skel_->rodata->cfg_flow_cache_shift;
  const uint32_t max_rounds = slots / PKTLENS_FLOW_CACHE_FLUSH_BATCH + 16;

  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) {
    out.error = std::string("sched_getaffinity: ") + std::strerror(errno);
    out.cpus_missed = static_cast<size_t>(cpus_);
    return out;
  }
  // A thread of its own, so that pinning it never moves the caller.
  bool missed_open = false;
  std::thread worker([&] {
    for (int cpu = 0; cpu < cpus_ && cpu < CPU_SETSIZE; cpu++) {
      char& open = open_[static_cast<size_t>(cpu)];
      const auto missed = [&] {
        out.cpus_missed++;
        if (open) missed_open = true;
      };
      if (!CPU_ISSET(cpu, &allowed)) {
        missed();
        continue;
      }
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      if (sched_setaffinity(0, sizeof one, &one) != 0) {
        // Offline, or not allowed (a cpuset, a seccomp filter).
        out.error = "pinning to CPU " + std::to_string(cpu) + ": " + std::strerror(errno);
        missed();
        continue;
      }
      if (flush_here(prog_fd, close, max_rounds, out.error) == CpuFlush::done) {
        out.cpus++;
        open = close ? 0 : 1;
      } else {
        missed();
      }
    }
  });
  worker.join();
  // A missed CPU keeps its slots, logged in this cycle or before; the
  // flush that finally moves them comes after the reader drained those
  // entries.
  if (missed_open) {
    resync_pending_ = true;
  } else if (resync_pending_) {
    out.resync = true;
    resync_pending_ = false;
  }

  uint64_t reinserted = 0, insert_failed = 0;
  const int ctl_fd = bpf_map__fd(skel_->maps.pktlens_flow_cache_ctl);
  for (uint32_t cpu = 0; cpu < static_cast<uint32_t>(cpus_); cpu++) {
    pktlens_flow_cache_ctl c{};
    if (bpf_map_lookup_elem(ctl_fd, &cpu, &c) != 0) continue;
    reinserted += c.reinserted;
    insert_failed += c.insert_failed;
  }
  // Deltas since the previous run; the first one's may include an older
  // pktlensd's on pinned maps (the collector's first pass is full anyway).
  out.reinserted = reinserted - reinserted_;
  out.insert_failed = insert_failed - insert_failed_;
  reinserted_ = reinserted;
  insert_failed_ = insert_failed;
  return out;
}

}  // namespace pktlens::bpf
