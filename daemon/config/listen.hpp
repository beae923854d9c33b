// SPDX-License-Identifier: Apache-2.0
// The `listen` address: HOST:PORT where HOST is an IPv4 literal, an IPv6
// literal in brackets, or empty for every address. Names are not accepted:
// resolving them would make the bound address depend on DNS at start-up.
#pragma once

#include <string_view>

#include "config.hpp"
#include "parsed.hpp"

namespace pktlens::config::detail {

// The host comes back in canonical form (inet_ntop), IPv6 without brackets.
Parsed<ListenAddress> parse_listen(std::string_view text);

}  // namespace pktlens::config::detail
