// SPDX-License-Identifier: Apache-2.0
// pktlens_feature_enabled: every feature has its series, 1 or 0, read from
// the switches a Snapshot carries; exact text; promtool clean.
#include <catch2/catch.hpp>
#include <string>
#include <utility>

#include "exporter/render_features.hpp"
#include "exposition.hpp"

using namespace pktlens;
using test::serialize;

TEST_CASE("features: every switch as 1 or 0, exact text", "[render][features]") {
  collector::Snapshot s;
  s.flows_on = true;
  s.handshake_on = true;
  s.tcp_events.drops_on = true;
  s.threats.syn_on = true;
  s.threats.udp_ports_on = true;
  s.networks.push_back({.name = "office"});
  const std::string text = serialize(exporter::render_features(s));
  CHECK(text ==
        "# HELP pktlens_feature_enabled 1 when the feature collects data, 0 when it is switched "
        "off (its families are then declared without series); see docs/metrics.md.\n"
        "# TYPE pktlens_feature_enabled gauge\n"
        "pktlens_feature_enabled{feature=\"flows\"} 1\n"
        "pktlens_feature_enabled{feature=\"vlans\"} 0\n"
        "pktlens_feature_enabled{feature=\"tcp_handshake\"} 1\n"
        "pktlens_feature_enabled{feature=\"tcp_rtt\"} 0\n"
        "pktlens_feature_enabled{feature=\"tcp_srtt\"} 0\n"
        "pktlens_feature_enabled{feature=\"drops\"} 1\n"
        "pktlens_feature_enabled{feature=\"retransmits\"} 0\n"
        "pktlens_feature_enabled{feature=\"syn_flood\"} 1\n"
        "pktlens_feature_enabled{feature=\"syn_flood_handshakes\"} 0\n"
        "pktlens_feature_enabled{feature=\"icmp_echo\"} 0\n"
        "pktlens_feature_enabled{feature=\"udp_ports\"} 1\n"
        "pktlens_feature_enabled{feature=\"port_scan\"} 0\n"
        "pktlens_feature_enabled{feature=\"networks\"} 1\n");
  CHECK(test::promtool_check(text) == std::pair<int, std::string>{0, ""});
}

TEST_CASE("features: each switch moves its own series only", "[render][features]") {
  using collector::Snapshot;
  const std::pair<const char*, void (*)(Snapshot&)> switches[] = {
      {"vlans", [](Snapshot& s) { s.vlans_on = true; }},
      {"tcp_rtt", [](Snapshot& s) { s.rtt_on = true; }},
      {"tcp_srtt", [](Snapshot& s) { s.tcp_events.srtt_on = true; }},
      {"retransmits", [](Snapshot& s) { s.tcp_events.retransmits_on = true; }},
      {"syn_flood_handshakes", [](Snapshot& s) { s.threats.handshakes_on = true; }},
      {"icmp_echo", [](Snapshot& s) { s.threats.icmp_echo_on = true; }},
      {"port_scan", [](Snapshot& s) { s.threats.scan_on = true; }},
  };
  for (const auto& [feature, turn_on] : switches) {
    INFO(feature);
    Snapshot s;
    turn_on(s);
    const std::string text = serialize(exporter::render_features(s));
    const auto samples = test::samples_of(text, "pktlens_feature_enabled");
    CHECK(samples.size() == 13);
    for (const auto& line : samples) {
      INFO(line);
      const bool this_one =
          line.find("{feature=\"" + std::string(feature) + "\"}") != std::string::npos;
      CHECK(line.ends_with(this_one ? " 1" : " 0"));
    }
  }
}

TEST_CASE("features: TCP latency is off with XDP, whatever its switches", "[render][features]") {
  collector::Snapshot s;
  s.handshake_on = s.rtt_on = true;
  s.egress_hooked = false;  // attach: xdp
  const std::string text = serialize(exporter::render_features(s));
  CHECK(text.find("pktlens_feature_enabled{feature=\"tcp_handshake\"} 0\n") != std::string::npos);
  CHECK(text.find("pktlens_feature_enabled{feature=\"tcp_rtt\"} 0\n") != std::string::npos);
}
