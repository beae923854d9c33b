// SPDX-License-Identifier: Apache-2.0
// SnapshotCollectable: what a scrape returns before and after a publish
// (every family, always), flows leaving the top-K, and scrapes racing
// publishes.
#include <arpa/inet.h>
#include <prometheus/text_serializer.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "exporter/snapshot_collectable.hpp"
#include "exposition.hpp"

using namespace pktlens;
using exporter::Published;
using exporter::SnapshotCollectable;

namespace {

std::string scrape(const SnapshotCollectable& c) {
  std::ostringstream out;
  prometheus::TextSerializer{}.Serialize(out, c.Collect());
  return out.str();
}

std::vector<std::string> family_names(const SnapshotCollectable& c) {
  std::vector<std::string> names;
  for (const auto& f : c.Collect()) names.push_back(f.name);
  return names;
}

collector::RankedFlow tcp_flow(const char* src, uint16_t sport, uint64_t bytes) {
  collector::RankedFlow r;
  r.flow.key.ifindex = 2;
  r.flow.key.dir = PKTLENS_DIR_INGRESS;
  r.flow.key.proto = 6;
  r.flow.key.family = 4;
  REQUIRE(inet_pton(AF_INET, src, r.flow.key.src.data()) == 1);
  REQUIRE(inet_pton(AF_INET, "10.0.0.254", r.flow.key.dst.data()) == 1);
  r.flow.key.sport = sport;
  r.flow.key.dport = 80;
  r.flow.packets = 1;
  r.flow.bytes = bytes;
  return r;
}

// A process as /proc might show it; fixed, so that two scrapes of the same
// state give the same text.
exporter::ProcessStats fixed_process() {
  return {.cpu_seconds = 2.5,
          .open_fds = 9,
          .max_fds = 1024,
          .virtual_bytes = 1 << 30,
          .resident_bytes = 1 << 24,
          .start_time_seconds = 1700000000};
}

std::shared_ptr<const Published> state(std::vector<collector::RankedFlow> top, bool ok = true) {
  auto s = std::make_shared<collector::Snapshot>();
  s->ifaces[{1, PKTLENS_DIR_INGRESS}].stats.packets[PKTLENS_L3_IPV4][PKTLENS_L4_TCP] = 5;
  s->top_flows = std::move(top);
  s->flows_active = s->top_flows.size();
  s->flow_table_capacity = 1024;
  s->interfaces = {.by_slot = {{1, "eth0"}}, .by_ifindex = {{2, "eth0"}}};
  auto p = std::make_shared<Published>();
  p->snapshot = std::move(s);
  p->self.last_collect_ok = ok;
  p->self.last_collect_seconds = 0.5;
  return p;
}

}  // namespace

// Every family pktlensd exports, in scrape order: the same list whether or
// not there is data (docs/metrics.md, "Families without series").
const std::vector<std::string> kAllFamilies{
    // render_interfaces
    "pktlens_packets_total", "pktlens_bytes_total", "pktlens_skbs_total",
    "pktlens_packet_size_bytes", "pktlens_tcp_flags_total", "pktlens_dscp_packets_total",
    "pktlens_ecn_ce_packets_total", "pktlens_packet_ttl", "pktlens_anomalies_total",
    "pktlens_flow_untracked_packets_total", "pktlens_flow_untracked_bytes_total",
    "pktlens_flow_unadmitted_packets_total", "pktlens_flow_unadmitted_bytes_total",
    "pktlens_flow_inserts_total", "pktlens_flow_expired_packets_total",
    "pktlens_flow_expired_bytes_total", "pktlens_flow_evicted_packets_total",
    "pktlens_flow_evicted_bytes_total", "pktlens_flow_table_packets", "pktlens_flow_table_bytes",
    "pktlens_vlan_overflow_packets_total", "pktlens_vlan_overflow_bytes_total",
    "pktlens_vlan_packets_total", "pktlens_vlan_bytes_total", "pktlens_flow_table_entries",
    "pktlens_flow_table_capacity",
    // render_flow_gauges, render_flows
    "pktlens_flows_active", "pktlens_flow_packets_total", "pktlens_flow_bytes_total",
    "pktlens_flow_retransmits_total",
    // render_tcp_events
    "pktlens_drops_total", "pktlens_tcp_retransmits_total", "pktlens_tcp_srtt_seconds",
    // render_tcp_latency
    "pktlens_tcp_handshake_seconds", "pktlens_tcp_handshake_timeouts_total",
    "pktlens_tcp_syn_retransmits_total", "pktlens_tcp_rtt_seconds",
    "pktlens_tcp_rtt_unsampled_packets_total", "pktlens_tcp_resets_total",
    // render_alerts
    "pktlens_alert_firing", "pktlens_alert_value",
    // render_networks
    "pktlens_network_packets_total", "pktlens_network_bytes_total", "pktlens_blocked_packets_total",
    "pktlens_blocked_bytes_total",
    // render_threats
    "pktlens_tcp_syn_received_total", "pktlens_tcp_handshakes_completed_total",
    "pktlens_syn_half_open", "pktlens_icmp_echo_requests_total", "pktlens_udp_dport_packets_total",
    "pktlens_scan_ports", "pktlens_scan_suspects",
    // render_features
    "pktlens_feature_enabled",
    // render_slots (render_monitoring has no family without interfaces)
    "pktlens_interface_slots", "pktlens_interface_slots_waiting",
    // render_process
    "process_cpu_seconds_total", "process_open_fds", "process_max_fds",
    "process_virtual_memory_bytes", "process_resident_memory_bytes", "process_start_time_seconds",
    // render_flow_export (no series while export is off)
    "pktlens_ipfix_records_sent_total", "pktlens_ipfix_messages_sent_total",
    "pktlens_ipfix_records_dropped_total", "pktlens_ipfix_queued_records",
    // render_self
    "pktlens_build_info", "pktlens_collect_duration_seconds", "pktlens_up",
    "pktlens_collect_errors_total", "pktlens_flow_cache_cpus"};

// The families of `c` that have at least one series.
std::vector<std::string> families_with_series(const SnapshotCollectable& c) {
  std::vector<std::string> names;
  for (const auto& f : c.Collect())
    if (!f.metric.empty()) names.push_back(f.name);
  return names;
}

// What has series without a Snapshot: the process and pktlensd itself.
const std::vector<std::string> kSelfFamilies{"process_cpu_seconds_total",
                                             "process_open_fds",
                                             "process_max_fds",
                                             "process_virtual_memory_bytes",
                                             "process_resident_memory_bytes",
                                             "process_start_time_seconds",
                                             "pktlens_build_info",
                                             "pktlens_collect_duration_seconds",
                                             "pktlens_up",
                                             "pktlens_collect_errors_total"};

TEST_CASE("collectable: before the first publish every family declared, series of self only") {
  const SnapshotCollectable c("9.9.9", fixed_process);
  CHECK(family_names(c) == kAllFamilies);
  CHECK(families_with_series(c) == kSelfFamilies);
  const std::string text = scrape(c);
  CHECK(text.find("\npktlens_up 0\n") != std::string::npos);
  CHECK(text.find("pktlens_build_info{version=\"9.9.9\",") != std::string::npos);
  CHECK(text.find("\n# TYPE pktlens_packets_total counter\n") != std::string::npos);
  CHECK(text.find("\npktlens_flow_table_capacity ") == std::string::npos);
  CHECK(test::promtool_check(text) == std::pair<int, std::string>{0, ""});
}

TEST_CASE("collectable: after a publish every family, in order") {
  SnapshotCollectable c("9.9.9", fixed_process);
  c.publish(state({tcp_flow("10.0.0.1", 1000, 64)}));
  CHECK(family_names(c) == kAllFamilies);
  const std::string text = scrape(c);
  CHECK(text.find("\npktlens_up 1\n") != std::string::npos);
  CHECK(text.find("\npktlens_flows_active 1\n") != std::string::npos);
  CHECK(test::promtool_check(text) == std::pair<int, std::string>{0, ""});

  SECTION("a null publish is ignored") {
    c.publish(nullptr);
    CHECK(scrape(c) == text);
  }
  SECTION("a state without a Snapshot: every family declared, series only of self") {
    auto failed = std::make_shared<Published>();
    failed->self.collect_errors = 1;
    c.publish(failed);
    CHECK(family_names(c) == kAllFamilies);
    CHECK(families_with_series(c) == kSelfFamilies);
    CHECK(scrape(c).find("\npktlens_collect_errors_total 1\n") != std::string::npos);
  }
}

TEST_CASE("collectable: process_* are read at every scrape") {
  int reads = 0;
  SnapshotCollectable c("dev", [&reads] {
    ++reads;
    exporter::ProcessStats p;
    p.open_fds = 10 + reads;
    return p;
  });
  c.publish(state({}));
  CHECK(reads == 0);
  CHECK(scrape(c).find("\nprocess_open_fds 11\n") != std::string::npos);
  CHECK(scrape(c).find("\nprocess_open_fds 12\n") != std::string::npos);
  CHECK(reads == 2);
}

TEST_CASE("collectable: a flow that left the top-K is gone at the next scrape") {
  SnapshotCollectable c("dev", fixed_process);
  const std::string a = "src=\"10.0.0.1\",dst=\"10.0.0.254\",sport=\"1000\"";
  const std::string b = "src=\"10.0.0.2\",dst=\"10.0.0.254\",sport=\"2000\"";
  c.publish(state({tcp_flow("10.0.0.1", 1000, 64), tcp_flow("10.0.0.2", 2000, 128)}));
  std::string text = scrape(c);
  CHECK(text.find(a) != std::string::npos);
  CHECK(text.find(b) != std::string::npos);

  c.publish(state({tcp_flow("10.0.0.2", 2000, 256)}));
  text = scrape(c);
  CHECK(text.find(a) == std::string::npos);
  CHECK(text.find("pktlens_flow_bytes_total{interface=\"eth0\",dir=\"ingress\",proto=\"tcp\"," + b +
                  ",dport=\"80\",vlan=\"0\"} 256\n") != std::string::npos);

  c.publish(state({}));
  text = scrape(c);
  CHECK(test::declared_without_series(text, "pktlens_flow_packets_total"));
  CHECK(text.find("\npktlens_flows_active 0\n") != std::string::npos);
}

TEST_CASE("collectable: scrapes race publishes safely") {
  SnapshotCollectable c("dev", fixed_process);
  std::atomic<bool> stop{false};
  std::atomic<int> scrapes{0};
  std::atomic<int> torn{0};  // Catch2 v2 assertions are not thread-safe
  std::vector<std::thread> scrapers;
  for (int i = 0; i < 2; ++i)
    scrapers.emplace_back([&] {
      while (!stop) {
        const auto names = family_names(c);
        // Every scrape is one whole state: self metrics are always last.
        if (names.back() != "pktlens_flow_cache_cpus") ++torn;
        ++scrapes;
      }
    });
  for (uint16_t i = 0; i < 500; ++i) c.publish(state({tcp_flow("10.0.0.1", i, i)}, i % 2 == 0));
  while (scrapes < 20) std::this_thread::yield();
  stop = true;
  for (auto& t : scrapers) t.join();
  CHECK(torn == 0);
}
