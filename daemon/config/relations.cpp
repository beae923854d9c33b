// SPDX-License-Identifier: Apache-2.0
#include "relations.hpp"

#include <string>

#include "duration.hpp"
#include "keys.hpp"
#include "quote.hpp"

namespace pktlens::config::detail {

void check_relations(const Source& src, const Config& config, const GivenNodes& given) {
  const auto interval = given.find("interval");
  const auto idle_timeout = given.find("flows.idle_timeout");
  const auto top_k = given.find("flows.top_k");
  if (config.flows.idle_timeout < config.interval) {
    if (idle_timeout != given.end()) {
      src.fail(idle_timeout->second.Mark(), "flows.idle_timeout",
               quote(idle_timeout->second.Scalar()) + " is shorter than interval " +
                   format_duration(config.interval),
               expected(config_key("flows.idle_timeout")));
    }
    // The defaults satisfy the rule, so here the file sets interval.
    if (interval != given.end()) {
      src.fail(interval->second.Mark(), "interval",
               quote(interval->second.Scalar()) + " is longer than flows.idle_timeout, " +
                   format_duration(config.flows.idle_timeout) + " by default",
               "at most flows.idle_timeout; raise flows.idle_timeout too");
    }
  }
  // Only a top_k the file sets can get here (see the static_assert in keys.cpp).
  if (config.flows.top_k > config.flows.max_entries && top_k != given.end()) {
    src.fail(top_k->second.Mark(), "flows.top_k",
             quote(top_k->second.Scalar()) + " is more than flows.max_entries " +
                 std::to_string(config.flows.max_entries),
             expected(config_key("flows.top_k")));
  }
}

}  // namespace pktlens::config::detail
