// SPDX-License-Identifier: Apache-2.0
// Result of parsing one scalar: the value, or why the text is not one. The
// caller knows the key and its position and turns `error` into a ConfigError.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace pktlens::config::detail {

template <typename T>
struct Parsed {
  std::optional<T> value;
  std::string error;  // set when !value, e.g. "'5' has no unit"

  static Parsed ok(T v) { return {std::move(v), {}}; }
  static Parsed fail(std::string why) { return {std::nullopt, std::move(why)}; }
};

}  // namespace pktlens::config::detail
