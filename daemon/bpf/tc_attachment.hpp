// SPDX-License-Identifier: Apache-2.0
// RAII over pktlens's TC attachment on one interface: the clsact qdisc
// (removed on destruction only if pktlens created it) and one filter per
// direction at a fixed handle and priority. A filter found there that a
// pktlensd of the same pin directory left (a crash, or a restart that left
// it counting) is replaced in place, atomically (tc filter replace: no frame
// goes uncounted); anybody else's is refused. Every interval the loader asks
// what occupies the handle, and attaches again where the filter was removed.
#pragma once

#include <bpf/libbpf.h>

#include <cstdint>
#include <string>

#include "bpf/prog_info.hpp"

namespace pktlens::bpf {

// "pk" in ASCII; priority 1 so pktlens sees every frame before filters that
// might drop it (ours always returns TC_ACT_UNSPEC: the next filter runs).
inline constexpr uint32_t kTcHandle = 0x706b;
inline constexpr uint32_t kTcPriority = 1;

class ClsactQdisc {
 public:
  explicit ClsactQdisc(int ifindex);
  ~ClsactQdisc();
  ClsactQdisc(const ClsactQdisc&) = delete;
  ClsactQdisc& operator=(const ClsactQdisc&) = delete;

  bool created() const { return created_; }
  // A pktlensd of this pin directory created the clsact found here
  // (recorded, and its filters were still on it): removed on destruction
  // as if created here.
  void adopt() { created_ = true; }
  // After pktlens's filters were found gone: creates the clsact again if
  // it was deleted. One that exists then may be somebody else's new one, so
  // it is no longer taken for ours.
  void recreate();
  // Leaves it in place at destruction (a successor takes it over).
  void release() { created_ = false; }

 private:
  int ifindex_;
  bool created_ = false;
};

class TcFilter {
 public:
  TcFilter(int ifindex, bpf_tc_attach_point point, int prog_fd, const Recognise& predecessor);
  // Detaches the filter if the program at pktlens's handle is still ours.
  ~TcFilter();
  TcFilter(const TcFilter&) = delete;
  TcFilter& operator=(const TcFilter&) = delete;

  uint32_t prog_id() const { return prog_id_; }
  // The predecessor's program replaced in place, 0 when there was none.
  uint32_t replaced() const { return replaced_; }
  // The program at pktlens's handle now: prog_id() while attached, 0 when
  // the filter (or the whole clsact) was removed, another id when somebody
  // replaced it.
  uint32_t occupant() const;
  // Attaches again after the filter was removed; never replaces whatever
  // took the handle in between (throws then).
  void reattach();
  // Leaves the filter attached at destruction (a successor takes it over).
  void release() { released_ = true; }

 private:
  void attach(uint32_t flags);
  bpf_tc_hook hook_{};
  int prog_fd_;
  uint32_t prog_id_;
  uint32_t replaced_ = 0;
  bool released_ = false;
};

// Program id of the filter at pktlens's handle/priority, 0 when there is none.
uint32_t tc_query_ours(int ifindex, bpf_tc_attach_point point);

}  // namespace pktlens::bpf
