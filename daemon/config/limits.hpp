// SPDX-License-Identifier: Apache-2.0
// What a number or duration key accepts, as one value: the check and the
// "(expected ...)" text of its messages both come from it, so a range is
// written once.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "yaml_read.hpp"

namespace pktlens::config::detail {

// A whole number from min to max.
struct IntegerLimits {
  std::int64_t min = 0;
  std::int64_t max = 0;
  // 0 is valid too and means "no limit"; min and max apply to the rest.
  bool zero_means_no_limit = false;
  // A limit that involves another key, for the message only: it is checked
  // once the whole file is read (relations.hpp).
  std::string_view also = {};
};

// A duration (duration.hpp) from min to max.
struct DurationLimits {
  std::chrono::milliseconds min{0};
  std::chrono::milliseconds max{0};
  std::string_view example;  // a typical value, shown after "e.g."
  // The lower limit as messages name it when it is another key: checked
  // once the whole file is read (relations.hpp); `min` still applies here.
  std::string_view min_key = {};
  // An upper limit that involves another key, for the message only (as
  // IntegerLimits::also).
  std::string_view also = {};
};

// "an integer from 1024 to 16777216", "0 for no limit, or an integer from
// 10 to 100000000", "an integer from 1 to 100000, at most flows.max_entries".
std::string expected(const IntegerLimits& limits);
// "a duration from 100ms to 1h, e.g. 5s", "a duration from interval to 24h, e.g. 2m".
std::string expected(const DurationLimits& limits);

// read_integer and read_duration (yaml_read.hpp) within `limits`, with
// expected(limits) in their messages.
std::int64_t read_integer(const Source& src, const YAML::Node& node, std::string_view path,
                          const IntegerLimits& limits);
std::chrono::milliseconds read_duration(const Source& src, const YAML::Node& node,
                                        std::string_view path, const DurationLimits& limits);

}  // namespace pktlens::config::detail
