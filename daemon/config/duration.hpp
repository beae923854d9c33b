// SPDX-License-Identifier: Apache-2.0
// Durations as config files write them: one unsigned integer and one unit,
// ms, s, m or h ("500ms", "5s", "2m", "1h"). No fractions, signs, spaces or
// compound forms: each has an exact, unsurprising value in milliseconds.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "parsed.hpp"

namespace pktlens::config::detail {

// Any duration that fits in int64 milliseconds; the caller checks its range.
Parsed<std::chrono::milliseconds> parse_duration(std::string_view text);

// The largest unit that divides exactly: 120000ms -> "2m", 1500ms -> "1500ms".
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace pktlens::config::detail
