// SPDX-License-Identifier: Apache-2.0
// What --version prints: pktlensd's version, the data-plane ABI it speaks
// (PKTLENS_ABI_VERSION, the pin directory's abiN) and the libbpf it runs
// with, the three things a bug report needs.
#pragma once

#include <string>
#include <string_view>

namespace pktlens::service {

// "pktlensd 0.1.0\n  abi: 1\n  libbpf: 1.1" (the libbpf loaded at run time).
std::string version_text(std::string_view version);

}  // namespace pktlens::service
