// SPDX-License-Identifier: Apache-2.0
// "did you mean ...?" for unknown keys.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace pktlens::config::detail {

// Edits (insert, delete, substitute, swap two neighbours) turning a into b.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to `word` if it is at most `max_distance` edits away;
// the first one listed on a tie.
std::optional<std::string_view> closest(std::string_view word,
                                        std::span<const std::string_view> candidates,
                                        std::size_t max_distance = 2);

}  // namespace pktlens::config::detail
