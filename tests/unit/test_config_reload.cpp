// SPDX-License-Identifier: Apache-2.0
// Which sections a reload cannot apply (daemon/config/reload.*): every
// section that sizes maps, selects programs or binds the endpoint needs a
// restart; interval, log_level, alerts, interfaces, attach and the slots'
// retention do not.
#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

#include "config/reload.hpp"

using namespace pktlens::config;
using namespace std::chrono_literals;
using Sections = std::vector<std::string>;

TEST_CASE("an unchanged config needs no restart", "[config][reload]") {
  CHECK(sections_needing_restart(Config{}, Config{}).empty());
}

TEST_CASE("each section that sizes maps, selects programs or binds needs a restart",
          "[config][reload]") {
  const std::vector<std::pair<std::string, std::function<void(Config&)>>> changes = {
      {"interface_slots.max_entries", [](Config& c) { c.interface_slots.max_entries = 64; }},
      {"listen", [](Config& c) { c.listen.port = 9100; }},
      {"vlans", [](Config& c) { c.vlans.max_entries = 64; }},
      {"flows", [](Config& c) { c.flows.top_k = 7; }},
      {"latency", [](Config& c) { c.latency.srtt = false; }},
      {"loss", [](Config& c) { c.loss.drops = false; }},
      {"networks", [](Config& c) { c.networks.push_back({.name = "lab"}); }},
      {"threats", [](Config& c) { c.threats.port_scan.threshold = 2; }},
  };
  Config all;
  Sections every;
  for (const auto& [section, change] : changes) {
    Config next;
    change(next);
    CAPTURE(section);
    CHECK(sections_needing_restart(Config{}, next) == Sections{section});
    // The other direction too: the running config is the changed one.
    CHECK(sections_needing_restart(next, Config{}) == Sections{section});
    change(all);
    every.push_back(section);
  }
  // All at once: each named once, in this fixed order.
  CHECK(sections_needing_restart(Config{}, all) == every);
}

TEST_CASE("interval, log_level, alerts, interfaces, attach and retention apply without a restart",
          "[config][reload]") {
  Config next;
  next.interval = 1s;
  next.log_level = LogLevel::debug;
  next.alerts.clear();
  next.interfaces = {.all = false, .names = {}, .include = {"veth*"}, .exclude = {}};
  next.attach = AttachMode::xdp;
  next.interface_slots.retention = 10s;
  CHECK(sections_needing_restart(Config{}, next).empty());
}
