// SPDX-License-Identifier: Apache-2.0
// RAII over pktlens's program on one direction of an interface as a tcx link
// (Linux >= 6.6): the kernel runs it first on the hook, without the clsact
// qdisc and the classifier that a TC filter goes through (a third of the
// hook's cost per packet, docs/performance.md). The link is pinned in the
// pin directory (link_tcx_{ingress,egress}_IFINDEX), so that it outlives a
// pktlensd that hands over or crashes, keeps counting meanwhile, and the
// next pktlensd of the directory swaps its own program into it
// (BPF_LINK_UPDATE: atomic, no frame goes uncounted). Only pktlensd writes
// in its pin directory, and one at a time (the instance lock): a link
// pinned there is a predecessor's. On destruction the link is detached and
// its pin removed, unless release() handed it over.
#pragma once

#include <cstdint>
#include <string>

#include "bpf/unique_fd.hpp"

namespace pktlens::bpf {

// Linux 6.6's UAPI numbers (BPF_TCX_INGRESS, BPF_TCX_EGRESS); the build's
// headers (Debian 12: 6.1) may predate them.
inline constexpr int kTcxIngressAttach = 46;
inline constexpr int kTcxEgressAttach = 47;

class TcxLink {
 public:
  // pin_dir "": the link is not pinned (tests without a bpffs); it lives as
  // long as this object.
  TcxLink(int ifindex, bool ingress, int prog_fd, const std::string& pin_dir);
  ~TcxLink();
  TcxLink(const TcxLink&) = delete;
  TcxLink& operator=(const TcxLink&) = delete;

  uint32_t prog_id() const { return prog_id_; }
  // The predecessor's program swapped out of its pinned link, 0 when there
  // was none.
  uint32_t replaced() const { return replaced_; }
  // The program the link runs while it is attached to the interface; 0 once
  // it was detached (`bpftool link detach`, its pin removed, or the
  // interface gone).
  uint32_t occupant() const;
  // A new link after the old one was detached.
  void reattach();
  // Leaves the link attached and pinned at destruction (a successor takes
  // it over).
  void release() { released_ = true; }

 private:
  void create();
  int ifindex_;
  bool ingress_;
  int prog_fd_;
  uint32_t prog_id_;
  std::string pin_path_;
  UniqueFd link_;
  uint32_t replaced_ = 0;
  bool released_ = false;
};

// Where the link of `ifindex`'s `ingress` (else egress) direction is pinned
// in `pin_dir`.
std::string tcx_pin_path(const std::string& pin_dir, uint32_t ifindex, bool ingress);

// A predecessor's link pinned for ifindex/direction that runs `prog_id`:
// detached and unpinned (true). A pin whose link is detached already is
// removed too (false: nothing was attached).
bool remove_leftover_tcx(const std::string& pin_dir, uint32_t ifindex, bool ingress,
                         uint32_t prog_id);

}  // namespace pktlens::bpf
