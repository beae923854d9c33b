// SPDX-License-Identifier: Apache-2.0
// The Prometheus text exposition format (version 0.0.4), read: samples as
// `name{label="value",...} value [timestamp]`, comments and blank lines
// skipped. What `pktlensd top` needs of a scrape, and nothing more (no
// metadata, no OpenMetrics), so it is written here rather than pulled in:
// prometheus-cpp only writes the format, and Debian has no C++ reader.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pktlens::top {

using Labels = std::vector<std::pair<std::string, std::string>>;

struct Sample {
  std::string name;
  Labels labels;  // in the order of the text
  double value = 0;

  // The value of label `key`, "" if absent (Prometheus' own convention).
  [[nodiscard]] std::string_view label(std::string_view key) const;
};

class ParseError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Every sample of `text`; throws ParseError naming the line of the first
// malformed one. Label values are unescaped (\\, \", \n); values are
// floats, also NaN, +Inf and -Inf; a trailing timestamp is accepted and
// ignored.
std::vector<Sample> parse_exposition(std::string_view text);

}  // namespace pktlens::top
