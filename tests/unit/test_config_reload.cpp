// SPDX-License-Identifier: Apache-2.0
// How a reload applies each changed key (daemon/config/reload.*): user-space
// keys at once, .rodata switches and networks by a new program load, map
// sizes by a new program load with that map created anew, the tracepoint
// switches by re-creating that object; interfaces and attach by the loader at
// once; only the interface slot table's size needs a restart.
#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

#include "config/reload.hpp"

using namespace pktlens::config;
using namespace std::chrono_literals;
using Keys = std::vector<std::string>;

namespace {

struct Change {
  std::string key;
  std::function<void(Config&)> apply;
};

// The plan from the defaults to the defaults with `c` made.
ReloadPlan plan_of(const Change& c) {
  Config next;
  c.apply(next);
  return plan_reload(Config{}, next);
}

// Runs every change alone, in both directions, and all of them together;
// `list` picks the plan's list they must land in (and only there).
void check_sorted_into(const std::vector<Change>& changes,
                       const std::function<const Keys&(const ReloadPlan&)>& list) {
  Config all;
  Keys every;
  for (const auto& [key, change] : changes) {
    Config next;
    change(next);
    CAPTURE(key);
    for (const auto& [from, to] : {std::pair{Config{}, next}, std::pair{next, Config{}}}) {
      const ReloadPlan p = plan_reload(from, to);
      CHECK(list(p) == Keys{key});
      const size_t total = p.at_once.size() + p.programs.size() + p.resized.size() +
                           p.tracepoints.size() + p.restart.size();
      CHECK(total == 1);
    }
    change(all);
    every.push_back(key);
  }
  // All at once: each named once, in this fixed order.
  CHECK(list(plan_reload(Config{}, all)) == every);
}

}  // namespace

TEST_CASE("an unchanged config changes nothing", "[config][reload]") {
  const ReloadPlan p = plan_reload(Config{}, Config{});
  CHECK(p.at_once.empty());
  CHECK(p.programs.empty());
  CHECK(p.resized.empty());
  CHECK(p.tracepoints.empty());
  CHECK(p.restart.empty());
  CHECK_FALSE(p.collector);
  CHECK_FALSE(p.load_programs());
}

TEST_CASE("user-space keys apply at once; the collector's are rebuilt into it",
          "[config][reload]") {
  const std::vector<Change> collector = {
      {"flows.top_k", [](Config& c) { c.flows.top_k = 7; }},
      {"flows.top_k_window", [](Config& c) { c.flows.top_k_window = 5s; }},
      {"flows.idle_timeout", [](Config& c) { c.flows.idle_timeout = 9s; }},
      {"threats.syn_flood.top_k", [](Config& c) { c.threats.syn_flood.top_k = 3; }},
      {"threats.icmp_echo.top_k", [](Config& c) { c.threats.icmp_echo.top_k = 3; }},
      {"threats.udp_ports.top_k", [](Config& c) { c.threats.udp_ports.top_k = 3; }},
      {"threats.port_scan.top_k", [](Config& c) { c.threats.port_scan.top_k = 3; }},
      {"threats.port_scan.threshold", [](Config& c) { c.threats.port_scan.threshold = 2; }},
  };
  check_sorted_into(collector, [](const ReloadPlan& p) -> const Keys& { return p.at_once; });
  for (const auto& c : collector) {
    CAPTURE(c.key);
    CHECK(plan_of(c).collector);
    CHECK_FALSE(plan_of(c).load_programs());
  }

  const std::vector<Change> others = {
      {"listen", [](Config& c) { c.listen.port = 9100; }},
      {"interval", [](Config& c) { c.interval = 1s; }},
      {"log_level", [](Config& c) { c.log_level = LogLevel::debug; }},
      {"web_config_file", [](Config& c) { c.web_config_file = "web.yml"; }},
      {"alerts", [](Config& c) { c.alerts.clear(); }},
      {"interfaces", [](Config& c) { c.interfaces = {.all = false, .names = {"eth0"}}; }},
      {"attach", [](Config& c) { c.attach = AttachMode::xdp; }},
      {"interface_slots.retention", [](Config& c) { c.interface_slots.retention = 10s; }},
  };
  check_sorted_into(others, [](const ReloadPlan& p) -> const Keys& { return p.at_once; });
  for (const auto& c : others) {
    CAPTURE(c.key);
    CHECK_FALSE(plan_of(c).collector);
  }
}

TEST_CASE(".rodata switches and networks load the programs anew", "[config][reload]") {
  const std::vector<Change> changes = {
      {"flows.enabled", [](Config& c) { c.flows.enabled = false; }},
      {"flows.key", [](Config& c) { c.flows.key = {FlowKeyField::src}; }},
      {"flows.max_new_per_second", [](Config& c) { c.flows.max_new_per_second = 0; }},
      {"vlans.enabled", [](Config& c) { c.vlans.enabled = false; }},
      {"latency.handshake", [](Config& c) { c.latency.handshake = false; }},
      {"latency.rtt", [](Config& c) { c.latency.rtt = false; }},
      {"networks", [](Config& c) { c.networks.push_back({.name = "lab"}); }},
      {"threats.syn_flood.enabled", [](Config& c) { c.threats.syn_flood.enabled = false; }},
      {"threats.icmp_echo.enabled", [](Config& c) { c.threats.icmp_echo.enabled = false; }},
      {"threats.udp_ports.enabled", [](Config& c) { c.threats.udp_ports.enabled = false; }},
      {"threats.port_scan.enabled", [](Config& c) { c.threats.port_scan.enabled = false; }},
      {"threats.port_scan.window", [](Config& c) { c.threats.port_scan.window = 10s; }},
      {"threats.port_scan.max_new_per_second",
       [](Config& c) { c.threats.port_scan.max_new_per_second = 5; }},
  };
  check_sorted_into(changes, [](const ReloadPlan& p) -> const Keys& { return p.programs; });
  Config next;
  next.latency.rtt = false;
  const ReloadPlan p = plan_reload(Config{}, next);
  CHECK(p.load_programs());
  CHECK(p.collector);  // it reads the new object's maps
}

TEST_CASE("map sizes load the programs anew with that map created anew", "[config][reload]") {
  const std::vector<Change> changes = {
      {"flows.max_entries", [](Config& c) { c.flows.max_entries = 1024; }},
      {"vlans.max_entries", [](Config& c) { c.vlans.max_entries = 64; }},
      {"threats.syn_flood.max_entries", [](Config& c) { c.threats.syn_flood.max_entries = 64; }},
      {"threats.icmp_echo.max_entries", [](Config& c) { c.threats.icmp_echo.max_entries = 64; }},
      {"threats.port_scan.max_sources", [](Config& c) { c.threats.port_scan.max_sources = 64; }},
  };
  check_sorted_into(changes, [](const ReloadPlan& p) -> const Keys& { return p.resized; });
  Config next;
  next.vlans.max_entries = 64;
  CHECK(plan_reload(Config{}, next).load_programs());
}

TEST_CASE("the tracepoint switches re-create the tracepoint object", "[config][reload]") {
  const std::vector<Change> changes = {
      {"loss.retransmits", [](Config& c) { c.loss.retransmits = false; }},
      {"loss.drops", [](Config& c) { c.loss.drops = false; }},
      {"latency.srtt", [](Config& c) { c.latency.srtt = false; }},
  };
  check_sorted_into(changes, [](const ReloadPlan& p) -> const Keys& { return p.tracepoints; });
  Config next;
  next.loss.drops = false;
  const ReloadPlan p = plan_reload(Config{}, next);
  CHECK_FALSE(p.load_programs());
  CHECK(p.collector);  // it reads the new object
}

TEST_CASE("only the interface slot table's size needs a restart", "[config][reload]") {
  const std::vector<Change> changes = {
      {"interface_slots.max_entries", [](Config& c) { c.interface_slots.max_entries = 64; }},
  };
  check_sorted_into(changes, [](const ReloadPlan& p) -> const Keys& { return p.restart; });
  Config next;
  next.interface_slots.max_entries = 64;
  CHECK(sections_needing_restart(Config{}, next) == Keys{"interface_slots.max_entries"});
  next = Config{};
  next.interfaces = {.all = false, .names = {}, .include = {"veth*"}, .exclude = {}};
  next.attach = AttachMode::xdp;
  CHECK(sections_needing_restart(Config{}, next).empty());
}
