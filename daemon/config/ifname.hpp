// SPDX-License-Identifier: Apache-2.0
// Interface names as the kernel accepts them (dev_valid_name() in
// net/core/dev.c), so a typo is caught when the config is read rather than
// when the loader asks for an ifindex.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pktlens::config::detail {

// At most IFNAMSIZ - 1 bytes: the kernel's names are NUL-terminated in 16.
inline constexpr std::size_t kMaxInterfaceName = 15;

// Why `name` cannot be an interface name, or nothing when it can.
std::optional<std::string> interface_name_problem(std::string_view name);

}  // namespace pktlens::config::detail
