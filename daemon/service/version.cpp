// SPDX-License-Identifier: Apache-2.0
#include "service/version.hpp"

#include <bpf/libbpf.h>
#include <pktlens_abi.h>

namespace pktlens::service {

std::string version_text(std::string_view version) {
  std::string_view libbpf = libbpf_version_string();  // "v1.1"
  if (!libbpf.empty() && libbpf.front() == 'v') libbpf.remove_prefix(1);
  return "pktlensd " + std::string(version) + "\n  abi: " + std::to_string(PKTLENS_ABI_VERSION) +
         "\n  libbpf: " + std::string(libbpf);
}

}  // namespace pktlens::service
