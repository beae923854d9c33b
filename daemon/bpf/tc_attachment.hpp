// SPDX-License-Identifier: Apache-2.0
// RAII over pktlens's TC attachment on one interface: the clsact qdisc
// (removed on destruction only if we created it) and one filter per
// direction at a fixed handle and priority, so a restarted pktlensd finds
// the filters a killed one left and replaces them instead of stacking.
#pragma once

#include <bpf/libbpf.h>

#include <cstdint>
#include <string>

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

 private:
  int ifindex_;
  bool created_ = false;
};

class TcFilter {
 public:
  // `expected_name` is the name our program has in the kernel; a filter at
  // our handle/priority with any other program is not ours and is refused.
  TcFilter(int ifindex, bpf_tc_attach_point point, int prog_fd, const std::string& expected_name);
  ~TcFilter();
  TcFilter(const TcFilter&) = delete;
  TcFilter& operator=(const TcFilter&) = delete;

  bool replaced_stale() const { return replaced_stale_; }

 private:
  bpf_tc_hook hook_{};
  bool replaced_stale_ = false;
};

// Program id of the filter at our handle/priority, 0 when there is none.
uint32_t tc_query_ours(int ifindex, bpf_tc_attach_point point);

}  // namespace pktlens::bpf
