// SPDX-License-Identifier: Apache-2.0
// Networks -> pktlens_network_packets_total / _bytes_total {network,dir,side}
// and pktlens_blocked_packets_total / _bytes_total {network}: exact
// exposition text, zeros present, blocked only for drop networks, no
// series without networks, no egress with XDP, promtool clean.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "exporter/render_networks.hpp"
#include "exposition.hpp"

using namespace pktlens;
using collector::NetworkCounters;
using test::serialize;

namespace {

std::vector<NetworkCounters> sample() {
  NetworkCounters office{.name = "office", .drop = false, .counts = {}, .blocked = {}};
  office.counts[PKTLENS_DIR_INGRESS][PKTLENS_SIDE_SRC] = {10, 1000};
  office.counts[PKTLENS_DIR_EGRESS][PKTLENS_SIDE_DST] = {12, 1500};
  NetworkCounters blocklist{.name = "blocklist", .drop = true, .counts = {}, .blocked = {7, 420}};
  blocklist.counts[PKTLENS_DIR_INGRESS][PKTLENS_SIDE_SRC] = {7, 420};
  return {office, blocklist};
}

}  // namespace

TEST_CASE("render_networks: every network, dir and side; blocked for drop networks") {
  const std::string text = serialize(exporter::render_networks(sample(), true));
  const std::string golden =
      R"golden(# HELP pktlens_network_packets_total Packets whose source (side=src) or destination (side=dst) address is in the configured network, longest prefix match.
# TYPE pktlens_network_packets_total counter
pktlens_network_packets_total{network="office",dir="ingress",side="src"} 10
pktlens_network_packets_total{network="office",dir="ingress",side="dst"} 0
pktlens_network_packets_total{network="office",dir="egress",side="src"} 0
pktlens_network_packets_total{network="office",dir="egress",side="dst"} 12
pktlens_network_packets_total{network="blocklist",dir="ingress",side="src"} 7
pktlens_network_packets_total{network="blocklist",dir="ingress",side="dst"} 0
pktlens_network_packets_total{network="blocklist",dir="egress",side="src"} 0
pktlens_network_packets_total{network="blocklist",dir="egress",side="dst"} 0
# HELP pktlens_network_bytes_total Bytes of the packets counted in pktlens_network_packets_total, counted as in pktlens_bytes_total.
# TYPE pktlens_network_bytes_total counter
pktlens_network_bytes_total{network="office",dir="ingress",side="src"} 1000
pktlens_network_bytes_total{network="office",dir="ingress",side="dst"} 0
pktlens_network_bytes_total{network="office",dir="egress",side="src"} 0
pktlens_network_bytes_total{network="office",dir="egress",side="dst"} 1500
pktlens_network_bytes_total{network="blocklist",dir="ingress",side="src"} 420
pktlens_network_bytes_total{network="blocklist",dir="ingress",side="dst"} 0
pktlens_network_bytes_total{network="blocklist",dir="egress",side="src"} 0
pktlens_network_bytes_total{network="blocklist",dir="egress",side="dst"} 0
# HELP pktlens_blocked_packets_total Packets dropped at ingress because their source address is in a network with action drop.
# TYPE pktlens_blocked_packets_total counter
pktlens_blocked_packets_total{network="blocklist"} 7
# HELP pktlens_blocked_bytes_total Bytes of the packets counted in pktlens_blocked_packets_total.
# TYPE pktlens_blocked_bytes_total counter
pktlens_blocked_bytes_total{network="blocklist"} 420
)golden";
  CHECK(text == golden);
  const auto [status, output] = test::promtool_check(text);
  INFO(output);
  CHECK(status == 0);
}

TEST_CASE("render_networks: no networks, or no drop network: families without series") {
  const std::string none = serialize(exporter::render_networks({}, true));
  for (const char* name : {"pktlens_network_packets_total", "pktlens_network_bytes_total",
                           "pktlens_blocked_packets_total", "pktlens_blocked_bytes_total"}) {
    INFO(name);
    CHECK(test::declared_without_series(none, name));
  }
  auto only_count = sample();
  only_count.pop_back();
  const auto families = exporter::render_networks(only_count, true);
  REQUIRE(families.size() == 4);
  CHECK(families[0].metric.size() == 4);
  CHECK(families[1].metric.size() == 4);
  CHECK(families[2].name == "pktlens_blocked_packets_total");
  CHECK(families[2].metric.empty());
  CHECK(families[3].name == "pktlens_blocked_bytes_total");
  CHECK(families[3].metric.empty());
}

TEST_CASE("render_networks: with XDP (no egress hook) only dir=ingress") {
  const std::string text = serialize(exporter::render_networks(sample(), false));
  CHECK(test::samples_of(text, "pktlens_network_packets_total") ==
        std::vector<std::string>{
            "pktlens_network_packets_total{network=\"office\",dir=\"ingress\",side=\"src\"} 10",
            "pktlens_network_packets_total{network=\"office\",dir=\"ingress\",side=\"dst\"} 0",
            "pktlens_network_packets_total{network=\"blocklist\",dir=\"ingress\",side=\"src\"} 7",
            "pktlens_network_packets_total{network=\"blocklist\",dir=\"ingress\",side=\"dst\"} "
            "0"});
  CHECK(text.find("egress") == std::string::npos);
  CHECK(test::samples_of(text, "pktlens_blocked_packets_total") ==
        std::vector<std::string>{"pktlens_blocked_packets_total{network=\"blocklist\"} 7"});
}
