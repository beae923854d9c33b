// SPDX-License-Identifier: Apache-2.0
// What the pktlensd of a pin directory attached where, persisted beside its
// counters in a small map pinned there (pin_dir/pktlens_attached), so that
// its successor - started again after a crash, or taking over on a restart -
// recognises the programs at pktlens's places by the program ids netlink
// reports. Asking the kernel about a program by id instead
// (BPF_PROG_GET_FD_BY_ID) needs CAP_SYS_ADMIN, which pktlens.service does not
// grant; and a program's name says nothing about which pktlensd attached it.
// The instance lock (one pktlensd per pin directory) makes every program
// recorded here one of a pktlensd that is gone, or of this one.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pktlens::bpf {

// The places pktlens takes on an interface.
enum class Place : uint32_t {
  tc_ingress = 1,
  tc_egress = 2,
  xdp = 3,
  clsact = 4,  // the clsact qdisc was created by pktlens (prog_id 0)
  // tcx links (bpf/tcx_link.hpp), pinned in the pin directory
  tcx_ingress = 5,
  tcx_egress = 6,
};
// "tc ingress", "tc egress", "XDP", "clsact", "tcx ingress", "tcx egress"
std::string_view to_string(Place p);

struct Held {
  uint32_t ifindex = 0;
  Place place = Place::tc_ingress;
  uint32_t prog_id = 0;
  bool operator==(const Held&) const = default;
};

class AttachRecord {
 public:
  // The map pinned in `pin_dir` (created when missing, or when its shape is
  // not this build's); "" : a map of this process only (tests, no pinning).
  explicit AttachRecord(const std::string& pin_dir);
  ~AttachRecord();
  AttachRecord(const AttachRecord&) = delete;
  AttachRecord& operator=(const AttachRecord&) = delete;

  bool has(const Held& h) const;
  // Throws when the map is full or cannot be written: attaching something
  // that would not be recognised afterwards is refused.
  void add(const Held& h);
  void remove(const Held& h);  // absent: nothing to do
  std::vector<Held> entries() const;
  // Every entry of one interface (it went away).
  void forget(uint32_t ifindex);
  // False when the pinned map had to be created: what an earlier pktlensd
  // of this directory attached is then unknown.
  bool found_pinned() const { return found_pinned_; }

 private:
  int fd_ = -1;
  bool found_pinned_ = false;
};

}  // namespace pktlens::bpf
