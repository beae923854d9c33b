// SPDX-License-Identifier: Apache-2.0
// Which slot of the per-interface maps (pktlens_stats, pktlens_tcp_lat,
// pktlens_hs_timeouts) counts which interface. The mapping lives in the
// pinned maps themselves (ifindex -> slot in pktlens_ifaces, slot -> owner in
// pktlens_slot_owners), so a restarted daemon finds the slot every interface
// had and its counters go on from where they were, and tells the slots of
// interfaces that went away meanwhile. A slot is zeroed in every
// per-interface map before it is handed to another interface, so no
// interface ever shows another's counts.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "bpf/abi.hpp"

struct pktlens_bpf;

namespace pktlens::bpf {

// Every slot is taken (by attached interfaces and gone ones within their
// retention); attaching is retried once one is freed.
class SlotsFull : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class IfaceRegistry {
 public:
  // A slot as pktlens_slot_owners records it.
  struct Owner {
    uint32_t slot;
    uint32_t ifindex;
    std::string name;
  };

  explicit IfaceRegistry(pktlens_bpf* skel);

  // The slot `ifindex` already has when its owner record names `name` (or
  // there is none: a pktlensd from before owner records), else the lowest
  // free slot, zeroed first. Records the MTU either way (it may have
  // changed). Throws SlotsFull when no slot is free.
  uint32_t assign(uint32_t ifindex, const std::string& name, uint32_t mtu);
  // Hands `slot`, taken already, to `ifindex` (a name that came back).
  void reassign(uint32_t slot, uint32_t ifindex, const std::string& name, uint32_t mtu);
  // Writes an entry as given (tests pick their slots).
  void write(uint32_t ifindex, const pktlens_iface& v);
  std::optional<pktlens_iface> read(uint32_t ifindex) const;
  // The interface went away or is no longer monitored: its ifindex no
  // longer counts into its slot (the kernel may give the number to a new
  // interface). The slot stays taken until release().
  void forget(uint32_t ifindex);
  // Zeroes `slots` in every per-interface map, drops the pending handshakes
  // that would count into them, and frees them for reuse.
  void release(const std::vector<uint32_t>& slots);

  // The owner records of every taken slot (what a previous run left); a
  // slot without one has its ifindex from pktlens_ifaces and no name.
  std::vector<Owner> owners();
  uint32_t capacity() const { return max_slots_ - 1; }  // slot 0 is reserved
  size_t in_use() {
    if (!scanned_) scan();
    return used_.size();
  }

 private:
  int fd_for(uint32_t ifindex) const;
  void scan();
  void zero(uint32_t slot);
  void set_owner(uint32_t slot, uint32_t ifindex, const std::string& name);
  std::optional<uint32_t> free_slot();
  pktlens_bpf* skel_;
  uint32_t array_size_;
  uint32_t max_slots_;
  std::set<uint32_t> used_;
  std::map<uint32_t, uint32_t> pointed_;  // slot -> an ifindex pointing to it, at scan()
  uint32_t next_free_ = PKTLENS_SLOT_UNREGISTERED + 1;  // no free slot below it
  bool scanned_ = false;
};

}  // namespace pktlens::bpf
