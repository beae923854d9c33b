// SPDX-License-Identifier: Apache-2.0
// The flow touch log as user space reads it (pktlens_abi.h, bpf/lib/flow.h):
// the keys of the flows the data plane touched since the previous drain,
// so the collector looks those up instead of walking the whole flow table.
//
// Each drain snapshots every CPU's head, then starts a new epoch, then
// copies the entries between the previous snapshot and this one. A flow
// touched after the switch is logged again in the new epoch, at or beyond
// this snapshot, so the next drain has it: nothing touched is ever missed
// unless a ring wraps over entries not yet read, which the drain reports
// as an overflow (the caller then re-reads the table).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bpf/abi.hpp"

struct pktlens_bpf;

namespace pktlens::collector {

class FlowLog {
 public:
  // `skel`: a loaded object, outliving the FlowLog. Maps both log maps;
  // when the log is off (cfg_flow_log_shift 0) or the kernel refuses the
  // mapping, usable() is false and reason() says why.
  explicit FlowLog(pktlens_bpf* skel);
  ~FlowLog();
  FlowLog(const FlowLog&) = delete;
  FlowLog& operator=(const FlowLog&) = delete;

  bool usable() const { return ctl_ != nullptr; }
  const std::string& reason() const { return reason_; }
  size_t ring_entries() const { return ring_; }
  uint32_t epoch() const;

  struct Drain {
    size_t entries = 0;  // keys appended to `keys` (repeats included)
    // Every flow touched since the previous drain is in `keys`. False on
    // the first drain (touches before it were not followed) and on an
    // overflow: the caller must re-read the table.
    bool complete = false;
    bool overflow = false;  // a ring wrapped over entries not read
  };
  // Starts a new epoch and appends the keys logged since the previous
  // drain to `keys` (nothing when the drain is not complete).
  Drain drain(std::vector<pktlens_flow_key>& keys);
  // A new epoch without draining: every flow logs (and refreshes its
  // presence bits, lib/flow.h) on its next touch. The next drain reads
  // those entries with the rest.
  void advance_epoch();
  uint64_t overflows() const { return overflows_; }

 private:
  struct Mapping {
    void* addr = nullptr;
    size_t len = 0;
  };
  static Mapping map(int fd, size_t len, int prot);

  Mapping ctl_map_, log_map_;
  uint64_t* ctl_ = nullptr;
  const unsigned char* log_ = nullptr;
  size_t ring_ = 0;
  size_t stride_ = 0;  // bytes between two keys of the log array
  int cpus_ = 0;
  std::vector<uint64_t> tails_;  // per CPU: entries read (the previous snapshot)
  bool started_ = false;
  uint64_t overflows_ = 0;
  std::string reason_;
};

}  // namespace pktlens::collector
