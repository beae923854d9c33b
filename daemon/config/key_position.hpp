// SPDX-License-Identifier: Apache-2.0
// Where a key's value is written in a config file, for the checks that
// run after the Config was read (check-config and the start refusing a
// value this host cannot use) and must still name FILE:LINE:COL.
#pragma once

#include <string>
#include <string_view>

#include "config.hpp"
#include "web_config.hpp"

namespace pktlens::config {

// The value of `key` (a top-level key, e.g. "listen") in the config file
// `path`, 1-based; {0, 0} when the file does not set it or cannot be read.
Position key_position(const std::string& path, std::string_view key);

// A ConfigError at `key`'s value in `path` (no position when unset):
// "PATH:LINE:COL: KEY: problem (expected ...)".
[[noreturn]] void fail_at_key(const std::string& path, std::string_view key,
                              const std::string& problem, const std::string& expected);

}  // namespace pktlens::config
