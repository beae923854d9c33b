// SPDX-License-Identifier: Apache-2.0
// The signal catalog (daemon/signals/catalog.*) and the PromQL each signal
// means: exact labels, metric names of the metrics contract, exact
// expressions.
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "alerts/promql.hpp"
#include "signals/catalog.hpp"

using namespace pktlens::alerts;
using namespace pktlens::signals;
using namespace std::chrono_literals;

namespace {

std::vector<std::string> labels_of(std::string_view name) {
  const SignalInfo* s = find_signal(name);
  REQUIRE(s != nullptr);
  return {s->labels.begin(), s->labels.end()};
}

std::string promql(std::string_view name, std::vector<std::string> by = {},
                   std::map<std::string, std::string> match = {}) {
  const SignalInfo* s = find_signal(name);
  REQUIRE(s != nullptr);
  return signal_promql(*s, by, match, PromqlOptions{});
}

}  // namespace

TEST_CASE("the catalog has every signal of issue #5 with its labels", "[alerts][signals]") {
  using V = std::vector<std::string>;
  CHECK(labels_of("packet_rate") == V{"interface", "dir"});
  CHECK(labels_of("byte_rate") == V{"interface", "dir"});
  CHECK(labels_of("tcp_half_open") == V{"dst", "dport"});
  CHECK(labels_of("syn_rate") == V{"dst", "dport"});
  CHECK(labels_of("scan_ports") == V{"src"});
  CHECK(labels_of("icmp_echo_rate") == V{"dst"});
  CHECK(labels_of("udp_rate") == V{"dport"});
  CHECK(labels_of("anomaly_rate") == V{"interface", "dir", "kind"});
  CHECK(labels_of("blocked_rate") == V{"network"});
  CHECK(labels_of("network_byte_rate") == V{"network", "dir", "side"});
  CHECK(labels_of("retransmit_rate") == V{"interface"});
  CHECK(labels_of("drop_rate") == V{"reason"});
  CHECK(labels_of("flow_table_fill") == V{});
  CHECK(signal_catalog().size() == 13);
  CHECK(find_signal("nope") == nullptr);
}

TEST_CASE("catalog entries are well formed", "[alerts][signals]") {
  std::set<std::string_view> names;
  for (const SignalInfo& s : signal_catalog()) {
    CAPTURE(s.name);
    CHECK(names.insert(s.name).second);
    CHECK(std::set<std::string_view>(s.labels.begin(), s.labels.end()).size() == s.labels.size());
    CHECK_FALSE(s.unit.empty());
    CHECK_FALSE(s.description.empty());
    CHECK(s.metric.rfind("pktlens_", 0) == 0);
    // Counters (and only they) are rated; names say which is which. No
    // signal reads a gauge of the interval: its PromQL would depend on
    // pktlensd's `interval`.
    const bool counter = s.metric.ends_with("_total");
    const bool difference = s.kind == SignalKind::counter_rate_difference;
    CHECK(counter == (s.kind == SignalKind::counter_rate || difference));
    CHECK((s.kind == SignalKind::ratio || difference) == !s.other_metric.empty());
    if (difference) CHECK(s.other_metric.ends_with("_total"));
  }
}

TEST_CASE("each signal's PromQL over pktlens metrics", "[alerts][signals][promql]") {
  CHECK(promql("packet_rate", {"interface", "dir"}) ==
        "sum by (instance, interface, dir) (rate(pktlens_packets_total[1m]))");
  CHECK(promql("byte_rate") == "sum by (instance) (rate(pktlens_bytes_total[1m]))");
  CHECK(promql("tcp_half_open", {"dst", "dport"}) ==
        "sum by (instance, dst, dport) (clamp_min(rate(pktlens_tcp_syn_received_total[1m]) - "
        "rate(pktlens_tcp_handshakes_completed_total[1m]), 0))");
  CHECK(promql("syn_rate", {"dst"}) ==
        "sum by (instance, dst) (rate(pktlens_tcp_syn_received_total[1m]))");
  CHECK(promql("scan_ports", {"src"}) == "max by (instance, src) (pktlens_scan_ports)");
  CHECK(promql("icmp_echo_rate", {"dst"}) ==
        "sum by (instance, dst) (rate(pktlens_icmp_echo_requests_total[1m]))");
  CHECK(promql("udp_rate", {"dport"}) ==
        "sum by (instance, dport) (rate(pktlens_udp_dport_packets_total[1m]))");
  CHECK(promql("anomaly_rate", {"interface"}, {{"kind", "truncated"}}) ==
        "sum by (instance, interface) (rate(pktlens_anomalies_total{kind=\"truncated\"}[1m]))");
  CHECK(promql("blocked_rate", {"network"}) ==
        "sum by (instance, network) (rate(pktlens_blocked_packets_total[1m]))");
  CHECK(promql("network_byte_rate", {"network", "side"}, {{"dir", "ingress"}}) ==
        "sum by (instance, network, side) "
        "(rate(pktlens_network_bytes_total{dir=\"ingress\"}[1m]))");
  CHECK(promql("retransmit_rate", {"interface"}) ==
        "sum by (instance, interface) (rate(pktlens_tcp_retransmits_total[1m]))");
  CHECK(promql("drop_rate", {"reason"}) ==
        "sum by (instance, reason) (rate(pktlens_drops_total[1m]))");
  CHECK(promql("flow_table_fill") ==
        "max by (instance) (pktlens_flow_table_entries / (pktlens_flow_table_capacity > 0))");
}

TEST_CASE("PromQL options and quoting", "[alerts][promql]") {
  // Both counters of a difference get the window and the matchers.
  const SignalInfo& half_open = *find_signal("tcp_half_open");
  CHECK(signal_promql(half_open, {}, {{"dport", "80"}}, {.rate_window = 2min}) ==
        "sum by (instance) (clamp_min(rate(pktlens_tcp_syn_received_total{dport=\"80\"}[2m]) - "
        "rate(pktlens_tcp_handshakes_completed_total{dport=\"80\"}[2m]), 0))");
  CHECK(
      signal_promql(*find_signal("drop_rate"), {}, {{"reason", "a\"b\\c"}}, {.rate_window = 30s}) ==
      "sum by (instance) (rate(pktlens_drops_total{reason=\"a\\\"b\\\\c\"}[30s]))");
  CHECK(promql_duration(0ms) == "0s");
  CHECK(promql_duration(90s) == "90s");
  CHECK(promql_duration(2h) == "2h");
  CHECK(promql_duration(1500ms) == "1500ms");
}
