// SPDX-License-Identifier: Apache-2.0
// Checks made before anything is loaded, so a missing privilege or a kernel
// without BTF is one line naming the cause and the fix instead of a verifier
// log or an EPERM from deep inside libbpf.
#pragma once

#include <cstdint>
#include <string>

namespace pktlens::service {

// Capabilities from a /proc/<pid>/status "CapEff:" value.
struct Capabilities {
  uint64_t effective = 0;
  bool has(int cap) const { return cap >= 0 && cap < 64 && (effective >> cap) & 1; }
};
Capabilities current_capabilities();

// "" when `caps` suffice to load and attach pktlens, else the message.
std::string missing_privileges(const Capabilities& caps);

// Throws std::runtime_error with the message when the process lacks
// privileges or the kernel lacks BTF.
void preflight(const std::string& btf_path = "/sys/kernel/btf/vmlinux");

}  // namespace pktlens::service
