// SPDX-License-Identifier: Apache-2.0
// What another tool does to pktlens's TC place, with plain libbpf: a
// `tc filter replace` at pktlens's handle and priority. Shared by the
// attachment, loader and takeover tests.
#pragma once

#include <bpf/libbpf.h>

#include <catch2/catch.hpp>

#include "bpf/tc_attachment.hpp"

namespace pktlens::test {

inline void foreign_tc_replace(int ifindex, bpf_tc_attach_point point, int fd) {
  bpf_tc_hook hook{};
  hook.sz = sizeof hook;
  hook.ifindex = ifindex;
  hook.attach_point = point;
  bpf_tc_opts o{};
  o.sz = sizeof o;
  o.prog_fd = fd;
  o.handle = pktlens::bpf::kTcHandle;
  o.priority = pktlens::bpf::kTcPriority;
  o.flags = BPF_TC_F_REPLACE;
  REQUIRE(bpf_tc_attach(&hook, &o) == 0);
}

}  // namespace pktlens::test
