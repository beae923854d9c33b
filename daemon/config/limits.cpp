// SPDX-License-Identifier: Apache-2.0
#include "limits.hpp"

#include "duration.hpp"
#include "quote.hpp"

namespace pktlens::config::detail {

std::string expected(const IntegerLimits& limits) {
  std::string out = limits.zero_means_no_limit ? "0 for no limit, or " : "";
  out += "an integer from " + std::to_string(limits.min) + " to " + std::to_string(limits.max);
  if (!limits.also.empty()) out += ", " + std::string(limits.also);
  return out;
}

std::string expected(const DurationLimits& limits) {
  const std::string min =
      limits.min_key.empty() ? format_duration(limits.min) : std::string(limits.min_key);
  return "a duration from " + min + " to " + format_duration(limits.max) +
         (limits.also.empty() ? "" : ", " + std::string(limits.also)) + ", e.g. " +
         std::string(limits.example);
}

std::int64_t read_integer(const Source& src, const YAML::Node& node, std::string_view path,
                          const IntegerLimits& limits) {
  const std::string what = expected(limits);
  const std::int64_t value =
      read_integer(src, node, path, what, limits.zero_means_no_limit ? 0 : limits.min, limits.max);
  if (value != 0 && value < limits.min) {
    src.fail(node.Mark(), path, quote(node.Scalar()) + " is out of range", what);
  }
  return value;
}

std::chrono::milliseconds read_duration(const Source& src, const YAML::Node& node,
                                        std::string_view path, const DurationLimits& limits) {
  return read_duration(src, node, path, expected(limits), limits.min, limits.max);
}

}  // namespace pktlens::config::detail
