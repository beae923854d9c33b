// SPDX-License-Identifier: Apache-2.0
#include "service/preflight.hpp"

#include <linux/capability.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace pktlens::service {

// Older uapi headers lack the split-out BPF capabilities (Linux 5.8).
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

Capabilities current_capabilities() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("CapEff:", 0) == 0)
      return Capabilities{std::stoull(line.substr(7), nullptr, 16)};
  return Capabilities{};
}

std::string missing_privileges(const Capabilities& caps) {
  // CAP_SYS_ADMIN covers CAP_BPF and CAP_PERFMON (the kernel accepts either);
  // CAP_PERFMON keeps the verifier from rejecting pointer arithmetic that
  // Spectre hardening forbids for CAP_BPF alone.
  std::vector<std::string> missing;
  const bool admin = caps.has(CAP_SYS_ADMIN);
  if (!admin && !caps.has(CAP_BPF)) missing.push_back("CAP_BPF");
  if (!admin && !caps.has(CAP_PERFMON)) missing.push_back("CAP_PERFMON");
  if (!caps.has(CAP_NET_ADMIN)) missing.push_back("CAP_NET_ADMIN");
  if (missing.empty()) return "";
  std::string list;
  for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
  return "pktlensd lacks " + list +
         ": run it as root, or through pktlens.service, which grants CAP_BPF, CAP_PERFMON and "
         "CAP_NET_ADMIN";
}

void preflight(const std::string& btf_path) {
  if (auto why = missing_privileges(current_capabilities()); !why.empty())
    throw std::runtime_error(why);
  std::error_code ec;
  if (!std::filesystem::exists(btf_path, ec))
    throw std::runtime_error("this kernel exposes no BTF (" + btf_path +
                             " is missing): pktlens needs a kernel built with "
                             "CONFIG_DEBUG_INFO_BTF=y, as Debian's are (Linux >= 5.11)");
}

}  // namespace pktlens::service
