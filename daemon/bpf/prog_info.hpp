// SPDX-License-Identifier: Apache-2.0
// Programs found attached to an interface, for messages, and what tells a
// predecessor's program from somebody else's.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace pktlens::bpf {

// Whether program `id`, found at one of pktlens's places, was attached by a
// pktlensd of this pin directory (bpf/attach_record.hpp): only such a
// program is replaced; anything else is left alone.
using Recognise = std::function<bool(uint32_t id)>;

// The kernel's name of program `id`; "" when it is gone, or when reading it
// is not permitted (that needs CAP_SYS_ADMIN, which pktlens.service does
// not grant).
std::string prog_name_by_id(uint32_t id);

// "program 'NAME' (id N)", or "program id N" when the name is unreadable.
std::string describe_prog(uint32_t id);

// The id of a program we hold an fd to (no privilege needed).
uint32_t prog_id_of_fd(int fd);

// Interface name for messages; "ifindex N" when it has none (any more).
std::string ifname(int ifindex);

}  // namespace pktlens::bpf
