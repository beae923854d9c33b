// SPDX-License-Identifier: Apache-2.0
// The kernel-free parts of bpf::KernelFeatures: PKTLENS_FORCE_FALLBACK's
// words and the summary line.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "bpf/kernel_features.hpp"
#include "kernel_features_util.hpp"

using namespace pktlens;
using test::at;
using test::check;
using test::good;

TEST_CASE("PKTLENS_FORCE_FALLBACK: words, all, spaces, unknown words", "[kernel_features]") {
  auto f = bpf::parse_forced_fallback("");
  CHECK_FALSE((f.tracing || f.mmap || f.batch));
  f = bpf::parse_forced_fallback("tracing");
  CHECK((f.tracing && !f.mmap && !f.batch));
  f = bpf::parse_forced_fallback("mmap");
  CHECK((!f.tracing && f.mmap && !f.batch));
  f = bpf::parse_forced_fallback("batch");
  CHECK((!f.tracing && !f.mmap && f.batch));
  f = bpf::parse_forced_fallback(" batch , tracing,");
  CHECK((f.tracing && !f.mmap && f.batch));
  CHECK(f.unknown.empty());
  f = bpf::parse_forced_fallback("tcx");
  CHECK((f.tcx && !f.tracing && !f.mmap && !f.batch && !f.lookup_delete));
  f = bpf::parse_forced_fallback("all");
  CHECK((f.tracing && f.mmap && f.batch && f.lookup_delete && f.tcx));
  f = bpf::parse_forced_fallback("mmap,iterator");
  CHECK(f.mmap);
  CHECK(f.unknown == std::vector<std::string>{"iterator"});
}

TEST_CASE("summary line: every feature, forced ones, capabilities", "[kernel_features]") {
  auto f = good();
  CHECK(f.summary_line() ==
        "BTF yes, bpffs yes, map iterators yes, mmapable arrays yes, batch map ops yes, lookup and "
        "delete yes, tcx yes, lockdown none; caps CAP_BPF CAP_PERFMON CAP_NET_ADMIN CAP_SYS_ADMIN "
        "CAP_SYS_RESOURCE");
  f.bpffs = false;
  f.tracing = false;
  at(f, bpf::kCheckTracing).detail = "forced off by PKTLENS_FORCE_FALLBACK";
  f.checks.push_back(check(bpf::kCheckBpffsMount, true));
  at(f, bpf::kCheckCapSysResource).ok = false;
  f.tcx = false;
  at(f, bpf::kCheckTcx).detail = "forced off by PKTLENS_FORCE_FALLBACK";
  f.lockdown = "unknown";
  CHECK(f.summary_line() ==
        "BTF yes, bpffs no (mountable), map iterators no (forced), mmapable arrays yes, batch map "
        "ops yes, lookup and delete yes, tcx no (forced), lockdown unknown; caps CAP_BPF CAP_PERFMON CAP_NET_ADMIN "
        "CAP_SYS_ADMIN, not "
        "CAP_SYS_RESOURCE");
}
