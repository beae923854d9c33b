// SPDX-License-Identifier: Apache-2.0
#include "collector/flow_log.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pktlens_bpf.skel.h>  // generated in the build tree
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "bpf/percpu.hpp"

namespace pktlens::collector {
namespace {

uint64_t load(uint64_t& word) {
  return std::atomic_ref<uint64_t>(word).load(std::memory_order_seq_cst);
}

}  // namespace

FlowLog::Mapping FlowLog::map(int fd, size_t len, int prot) {
  const long page = sysconf(_SC_PAGESIZE);
  const size_t rounded = (len + static_cast<size_t>(page) - 1) / static_cast<size_t>(page) *
                         static_cast<size_t>(page);
  void* a = mmap(nullptr, rounded, prot, MAP_SHARED, fd, 0);
  if (a == MAP_FAILED) return {};
  return {a, rounded};
}

FlowLog::FlowLog(pktlens_bpf* skel) {
  const uint32_t shift = skel->rodata->cfg_flow_log_shift;
  if (shift == 0) {
    reason_ = "the flow touch log is off";
    return;
  }
  cpus_ = bpf::possible_cpus();
  ring_ = size_t{1} << shift;
  stride_ = (bpf_map__value_size(skel->maps.pktlens_flow_log) + 7) / 8 * 8;
  const size_t log_len = stride_ * bpf_map__max_entries(skel->maps.pktlens_flow_log);
  const size_t ctl_len = sizeof(uint64_t) * bpf_map__max_entries(skel->maps.pktlens_flow_log_ctl);
  if (bpf_map__max_entries(skel->maps.pktlens_flow_log) < ring_ * static_cast<size_t>(cpus_) ||
      bpf_map__max_entries(skel->maps.pktlens_flow_log_ctl) <=
          PKTLENS_FLOW_LOG_HEAD(static_cast<size_t>(cpus_) - 1)) {
    reason_ = "the flow touch log maps are smaller than its rings";
    return;
  }
  log_map_ = map(bpf_map__fd(skel->maps.pktlens_flow_log), log_len, PROT_READ);
  ctl_map_ = map(bpf_map__fd(skel->maps.pktlens_flow_log_ctl), ctl_len, PROT_READ | PROT_WRITE);
  if (!log_map_.addr || !ctl_map_.addr) {
    reason_ = std::string("mapping the flow touch log: ") + std::strerror(errno);
    return;
  }
  log_ = static_cast<const unsigned char*>(log_map_.addr);
  ctl_ = static_cast<uint64_t*>(ctl_map_.addr);
  tails_.assign(static_cast<size_t>(cpus_), 0);
}

FlowLog::~FlowLog() {
  if (log_map_.addr) munmap(log_map_.addr, log_map_.len);
  if (ctl_map_.addr) munmap(ctl_map_.addr, ctl_map_.len);
}

uint32_t FlowLog::epoch() const {
  return ctl_ ? static_cast<uint32_t>(load(ctl_[PKTLENS_FLOW_LOG_EPOCH])) : 0;
}

void FlowLog::advance_epoch() {
  if (!ctl_) return;
  // 0 means "never logged" in the flows' log_epoch: skip it on wrap-around.
  uint32_t next = static_cast<uint32_t>(load(ctl_[PKTLENS_FLOW_LOG_EPOCH])) + 1;
  if (next == 0) next = 1;
  std::atomic_ref<uint64_t>(ctl_[PKTLENS_FLOW_LOG_EPOCH]).store(next, std::memory_order_seq_cst);
}

FlowLog::Drain FlowLog::drain(std::vector<pktlens_flow_key>& keys) {
  Drain d;
  if (!ctl_) return d;
  // Heads first, then the epoch: every touch after the switch lands at or
  // beyond these heads (flow_log.hpp).
  std::vector<uint64_t> heads(static_cast<size_t>(cpus_));
  for (size_t c = 0; c < heads.size(); c++) heads[c] = load(ctl_[PKTLENS_FLOW_LOG_HEAD(c)]);
  advance_epoch();

  d.complete = started_;
  started_ = true;
  const size_t at = keys.size();
  const size_t mask = ring_ - 1;
  for (size_t c = 0; c < heads.size(); c++) {
    const uint64_t from = tails_[c], to = heads[c];
    tails_[c] = to;
    if (!d.complete) continue;
    if (to - from >= ring_) {
      d.overflow = true;
      d.complete = false;
      continue;
    }
    const unsigned char* ring = log_ + c * ring_ * stride_;
    for (uint64_t n = from; n < to; n++) {
      pktlens_flow_key k;
      std::memcpy(&k, ring + (n & mask) * stride_, sizeof k);
      keys.push_back(k);
    }
    d.entries += to - from;
    // The CPU may have wrapped onto what was just copied: its slot for the
    // entry at its head is being written.
    if (load(ctl_[PKTLENS_FLOW_LOG_HEAD(c)]) - from >= ring_) {
      d.overflow = true;
      d.complete = false;
    }
  }
  if (d.overflow) overflows_++;
  if (!d.complete) {
    keys.resize(at);
    d.entries = 0;
  }
  return d;
}

}  // namespace pktlens::collector
