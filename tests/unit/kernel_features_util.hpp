// SPDX-License-Identifier: Apache-2.0
// Made-up probe results for the kernel-free tests of bpf::KernelFeatures
// and `pktlensd doctor`.
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <string_view>

#include "bpf/kernel_features.hpp"

namespace pktlens::test {

inline bpf::FeatureCheck check(std::string_view name, bool ok) {
  return bpf::FeatureCheck{std::string(name), ok, "detail of " + std::string(name),
                           "meaning of " + std::string(name), ok ? "" : "fix it"};
}

// A machine pktlensd runs on: root, BTF, bpffs mounted, every feature.
inline bpf::KernelFeatures good() {
  bpf::KernelFeatures f;
  f.btf = f.bpffs = f.tracing = f.mmapable = f.batch_ops = f.lookup_and_delete = f.tcx = true;
  f.lockdown = "none";
  for (auto n :
       {bpf::kCheckBtf, bpf::kCheckBpffs, bpf::kCheckTracing, bpf::kCheckMmap, bpf::kCheckBatch,
        bpf::kCheckLookupDelete, bpf::kCheckTcx, bpf::kCheckLockdown, bpf::kCheckCapBpf, bpf::kCheckCapPerfmon,
        bpf::kCheckCapNetAdmin, bpf::kCheckCapSysAdmin, bpf::kCheckCapSysResource, bpf::kCheckXdp})
    f.checks.push_back(check(n, true));
  return f;
}

inline bpf::FeatureCheck& at(bpf::KernelFeatures& f, std::string_view name) {
  for (auto& c : f.checks)
    if (c.name == name) return c;
  FAIL("no check " << name);
  throw;
}

}  // namespace pktlens::test
