// SPDX-License-Identifier: Apache-2.0
// Which pktlens_stats slot counts which interface. The mapping lives in the
// (pinned) interface maps themselves, so a restarted daemon finds the slot
// every interface had and its counters go on from where they were.
#pragma once

#include <cstdint>
#include <optional>
#include <set>

#include "bpf/abi.hpp"

struct pktlens_bpf;

namespace pktlens::bpf {

class IfaceRegistry {
 public:
  explicit IfaceRegistry(pktlens_bpf* skel);

  // The slot `ifindex` already has, else the lowest free one; records the
  // MTU either way (it may have changed). Throws when no slot is free.
  uint32_t assign(uint32_t ifindex, uint32_t mtu);
  // Writes an entry as given (tests pick their slots).
  void write(uint32_t ifindex, const pktlens_iface& v);
  std::optional<pktlens_iface> read(uint32_t ifindex) const;
  // The interface went away: its ifindex no longer counts into its slot
  // (the kernel may give the number to a new interface). The slot stays
  // taken, so its counters are never handed to another interface.
  void forget(uint32_t ifindex);

 private:
  int fd_for(uint32_t ifindex) const;
  void scan();
  pktlens_bpf* skel_;
  uint32_t array_size_;
  uint32_t max_slots_;
  std::set<uint32_t> used_;
  bool scanned_ = false;
};

}  // namespace pktlens::bpf
