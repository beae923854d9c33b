// SPDX-License-Identifier: Apache-2.0
#include "relations.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "duration.hpp"
#include "keys.hpp"
#include "quote.hpp"

namespace pktlens::config::detail {

void follow_defaults(Config& config, const GivenNodes& given) {
  // The window's default, 60s, moves into [interval, idle_timeout] when the
  // file sets those and not the window: a long interval or a short
  // idle timeout alone is no mistake.
  if (!given.contains("flows.top_k_window")) {
    config.flows.top_k_window = std::clamp(config.flows.top_k_window, config.interval,
                                           std::max(config.interval, config.flows.idle_timeout));
  }
  // A gone interface's final values must be there for one scrape at least.
  if (!given.contains("interface_slots.retention"))
    config.interface_slots.retention = std::max(config.interface_slots.retention, config.interval);
  // A VLAN entry is idle after one interval at the least.
  if (!given.contains("vlans.idle_timeout"))
    config.vlans.idle_timeout = std::max(config.vlans.idle_timeout, config.interval);
}

namespace {

// An alert's `match` on a network or interface the config does not count
// could never match.
void check_match_names(const Source& src, const Config& config, const YAML::Node& alerts) {
  std::vector<std::string> networks;
  for (const Network& n : config.networks) networks.push_back(n.name);
  std::size_t i = 0;
  for (const YAML::Node& item : alerts) {
    const std::string path = "alerts[" + std::to_string(++i) + "].match";
    const YAML::Node match = item["match"];
    if (!match || !match.IsMap()) continue;
    for (const auto& pair : match) {
      const std::string& label = pair.first.Scalar();
      const std::string& value = pair.second.Scalar();
      const std::vector<std::string>* known = nullptr;
      if (label == "network") known = &networks;
      // Frames of an interface pktlens does not name count as "unregistered".
      if (label == "interface" && !config.interfaces.all && value != "unregistered")
        known = &config.interfaces.names;
      if (known == nullptr || std::ranges::find(*known, value) != known->end()) continue;
      src.fail(pair.second.Mark(), path + "." + label,
               quote(value) + " is not among the configured " + label +
                   "s, so the alert could never match",
               label == "network" ? "a name under networks" : "a name under interfaces");
    }
  }
}

void fail_shorter_than_interval(const Source& src, const Config& config, const YAML::Node& node,
                                const char* key) {
  src.fail(node.Mark(), key,
           quote(node.Scalar()) + " is shorter than interval " + format_duration(config.interval),
           expected(config_key(key)));
}

}  // namespace

void check_relations(const Source& src, const Config& config, const GivenNodes& given) {
  if (const auto alerts = given.find("alerts"); alerts != given.end())
    check_match_names(src, config, alerts->second);
  const auto interval = given.find("interval");
  const auto idle_timeout = given.find("flows.idle_timeout");
  const auto top_k = given.find("flows.top_k");
  if (config.flows.idle_timeout < config.interval) {
    if (idle_timeout != given.end())
      fail_shorter_than_interval(src, config, idle_timeout->second, "flows.idle_timeout");
    // The defaults satisfy the rule, so here the file sets interval.
    if (interval != given.end()) {
      src.fail(interval->second.Mark(), "interval",
               quote(interval->second.Scalar()) + " is longer than flows.idle_timeout, " +
                   format_duration(config.flows.idle_timeout) + " by default",
               "at most flows.idle_timeout; raise flows.idle_timeout too");
    }
  }
  // Durations that follow the interval when not given must not be shorter
  // when given.
  for (const char* key : {"interface_slots.retention", "vlans.idle_timeout"}) {
    const auto node = given.find(key);
    const auto value = std::string_view(key) == "vlans.idle_timeout"
                           ? config.vlans.idle_timeout
                           : config.interface_slots.retention;
    if (node != given.end() && value < config.interval)
      fail_shorter_than_interval(src, config, node->second, key);
  }
  // The window: at least one interval (a flow's bytes of one interval
  // must fit), at most idle_timeout (its flows must still be in the table).
  const auto window = given.find("flows.top_k_window");
  if (window != given.end() && config.flows.top_k_window < config.interval)
    fail_shorter_than_interval(src, config, window->second, "flows.top_k_window");
  if (window != given.end() && config.flows.top_k_window > config.flows.idle_timeout) {
    src.fail(window->second.Mark(), "flows.top_k_window",
             quote(window->second.Scalar()) + " is longer than flows.idle_timeout " +
                 format_duration(config.flows.idle_timeout),
             "at most flows.idle_timeout; raise flows.idle_timeout too");
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
