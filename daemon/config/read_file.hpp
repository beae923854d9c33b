// SPDX-License-Identifier: Apache-2.0
// A config file's text, or a ConfigError "PATH: cannot open: <errno text>".
#pragma once

#include <string>

namespace pktlens::config::detail {

// Config files are small; anything over 1 MiB (say /dev/zero given by
// mistake) is refused instead of read until memory runs out.
inline constexpr std::size_t kMaxConfigFileSize = 1 << 20;

std::string read_file(const std::string& path);

}  // namespace pktlens::config::detail
