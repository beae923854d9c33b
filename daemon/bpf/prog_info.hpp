// SPDX-License-Identifier: Apache-2.0
// Names of programs found attached to an interface, to tell our own stale
// attachments (left by a killed pktlensd) from somebody else's.
#pragma once

#include <cstdint>
#include <string>

namespace pktlens::bpf {

// The kernel's name of program `id` ("" when it is gone).
std::string prog_name_by_id(uint32_t id);

// Interface name for messages; "ifindex N" when it has none (any more).
std::string ifname(int ifindex);

}  // namespace pktlens::bpf
