// SPDX-License-Identifier: Apache-2.0
// How a value the user wrote appears in an error message.
#pragma once

#include <string>
#include <string_view>

namespace pktlens::config::detail {

// 'value' as written, in single quotes; control characters escaped so a
// message stays on one line, and values longer than 64 bytes cut with "...".
std::string quote(std::string_view value);

}  // namespace pktlens::config::detail
