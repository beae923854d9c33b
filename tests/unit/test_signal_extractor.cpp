// SPDX-License-Identifier: Apache-2.0
// Signals from two Snapshots (daemon/alerts/signal_extractor.*): per-second
// rates over the real time between the reads, the exporter's labels,
// counters that went back, and the signals without data yet.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "alerts/signal_extractor.hpp"
#include "collector/labels.hpp"
#include "signals/catalog.hpp"
#include "signals/label_values.hpp"

using namespace pktlens;
using namespace pktlens::alerts;
using namespace pktlens::signals;
using collector::Snapshot;

namespace {

// taken at `seconds`; eth0 (slot 1, ifindex 2) ingress with `packets`
// TCP/IPv4 frames of 100 bytes and `truncated` truncated frames; slot 0
// with one frame.
Snapshot snap(double seconds, uint64_t packets, uint64_t truncated) {
  Snapshot s;
  s.taken_ns = static_cast<uint64_t>(seconds * 1e9);
  s.interfaces = {.by_slot = {{1, "eth0"}}, .by_ifindex = {{2, "eth0"}}};
  auto& eth0 = s.ifaces[{1, PKTLENS_DIR_INGRESS}].stats;
  eth0.packets[PKTLENS_L3_IPV4][PKTLENS_L4_TCP] = packets;
  eth0.bytes[PKTLENS_L3_IPV4][PKTLENS_L4_TCP] = packets * 100;
  eth0.anomalies[PKTLENS_ANOM_TRUNCATED] = truncated;
  s.ifaces[{1, PKTLENS_DIR_EGRESS}];
  s.ifaces[{0, PKTLENS_DIR_INGRESS}].stats.packets[PKTLENS_L3_OTHER][PKTLENS_L4_OTHER] = 1;
  s.ifaces[{7, PKTLENS_DIR_INGRESS}];  // a slot without a name: not exported, no sample
  return s;
}

std::vector<Sample> only(const std::vector<Sample>& all, std::string_view signal) {
  std::vector<Sample> out;
  for (const auto& s : all)
    if (s.signal == signal) out.push_back(s);
  return out;
}

}  // namespace

TEST_CASE("interface rates are per second over the real time between reads",
          "[alerts][extractor]") {
  // 2.5 s apart (a late cycle), 1000 frames, 50 of them truncated.
  const auto all = extract_signals(snap(10, 4000, 10), snap(12.5, 5000, 60));
  CHECK(only(all, "packet_rate") ==
        std::vector<Sample>{{"packet_rate", {{"interface", "unregistered"}, {"dir", "ingress"}}, 0},
                            {"packet_rate", {{"interface", "eth0"}, {"dir", "ingress"}}, 400},
                            {"packet_rate", {{"interface", "eth0"}, {"dir", "egress"}}, 0}});
  CHECK(only(all, "byte_rate")[1] ==
        Sample{"byte_rate", {{"interface", "eth0"}, {"dir", "ingress"}}, 40000});
  const auto anomalies = only(all, "anomaly_rate");
  REQUIRE(anomalies.size() == 3 * PKTLENS_ANOM_MAX);
  // eth0 ingress, kind truncated: 20/s; every other kind 0.
  const Sample truncated{
      "anomaly_rate", {{"interface", "eth0"}, {"dir", "ingress"}, {"kind", "truncated"}}, 20};
  int nonzero = 0;
  for (const auto& s : anomalies) nonzero += s.value != 0;
  CHECK(nonzero == 1);
  CHECK(std::find(anomalies.begin(), anomalies.end(), truncated) != anomalies.end());
}

TEST_CASE("a counter that went back counts from 0; no samples out of time order",
          "[alerts][extractor]") {
  CHECK(counter_rate(100, 150, 5) == 10);
  CHECK(counter_rate(1000, 50, 5) == 10);  // map recreated: 50 since
  CHECK(extract_signals(snap(10, 1, 0), snap(10, 2, 0)).empty());
  CHECK(extract_signals(snap(11, 1, 0), snap(10, 2, 0)).empty());
  // A (slot, dir) only in the newer snapshot has no rate yet.
  Snapshot a = snap(0, 0, 0);
  a.ifaces.erase({1, PKTLENS_DIR_EGRESS});
  CHECK(only(extract_signals(a, snap(1, 10, 0)), "packet_rate").size() == 2);
}

TEST_CASE("retransmits and drops per name, as the exporter labels them", "[alerts][extractor]") {
  Snapshot a = snap(0, 0, 0), b = snap(2, 0, 0);
  for (Snapshot* s : {&a, &b}) s->tcp_events.retransmits_on = s->tcp_events.drops_on = true;
  a.tcp_events.retransmits[2] = {.ifname = "x", .segments = 10, .synacks = 0};
  b.tcp_events.retransmits[2] = {.ifname = "x", .segments = 14, .synacks = 2};
  b.tcp_events.retransmits[0] = {.ifname = "", .segments = 4, .synacks = 0};  // new: from 0
  a.tcp_events.drops = {{.reason = 2, .label = "NOT_SPECIFIED", .count = 5}};
  b.tcp_events.drops = {{.reason = 2, .label = "NOT_SPECIFIED", .count = 9},
                        {.reason = 3, .label = "NO_SOCKET", .count = 8}};
  const auto all = extract_signals(a, b);
  CHECK(only(all, "retransmit_rate") ==
        std::vector<Sample>{{"retransmit_rate", {{"interface", "eth0"}}, 3},
                            {"retransmit_rate", {{"interface", "unknown"}}, 2}});
  CHECK(only(all, "drop_rate") ==
        std::vector<Sample>{{"drop_rate", {{"reason", "NOT_SPECIFIED"}}, 2},
                            {"drop_rate", {{"reason", "NO_SOCKET"}}, 4}});
  // Switched off: no samples at all (not zeros).
  b.tcp_events.retransmits_on = b.tcp_events.drops_on = false;
  const auto off = extract_signals(a, b);
  CHECK(only(off, "retransmit_rate").empty());
  CHECK(only(off, "drop_rate").empty());
}

TEST_CASE("flow_table_fill is entries / capacity, none without a table", "[alerts][extractor]") {
  Snapshot a = snap(0, 0, 0), b = snap(5, 0, 0);
  b.flow_table_entries = 1536;
  b.flow_table_capacity = 2048;
  CHECK(only(extract_signals(a, b), "flow_table_fill") ==
        std::vector<Sample>{{"flow_table_fill", {}, 0.75}});
  b.flow_table_capacity = 0;
  CHECK(only(extract_signals(a, b), "flow_table_fill").empty());
}

// A network named `name` whose ingress source-side counters are `bytes`
// and blocked packets `blocked`.
collector::NetworkCounters network(std::string name, bool drop, uint64_t bytes,
                                   uint64_t blocked) {
  collector::NetworkCounters n;
  n.name = std::move(name);
  n.drop = drop;
  n.counts[PKTLENS_DIR_INGRESS][PKTLENS_SIDE_SRC].bytes = bytes;
  n.blocked.packets = blocked;
  return n;
}

TEST_CASE("network byte and blocked rates by network name", "[alerts][extractor]") {
  Snapshot a = snap(0, 0, 0), b = snap(2, 0, 0);
  // Reordered between the reads (a restart with the list reordered keeps
  // counters by name); "gone" was removed, "new" added: no sample.
  a.networks = {network("office", false, 1000, 0), network("blocklist", true, 0, 10),
                network("gone", false, 5, 0)};
  b.networks = {network("blocklist", true, 0, 50), network("office", false, 5000, 0),
                network("new", true, 9, 9)};
  const auto all = extract_signals(a, b);
  CHECK(only(all, "blocked_rate") ==
        std::vector<Sample>{{"blocked_rate", {{"network", "blocklist"}}, 20}});
  const auto bytes = only(all, "network_byte_rate");
  REQUIRE(bytes.size() == 2 * PKTLENS_DIR_MAX * PKTLENS_SIDE_MAX);
  const Sample want{
      "network_byte_rate", {{"network", "office"}, {"dir", "ingress"}, {"side", "src"}}, 2000};
  CHECK(std::count(bytes.begin(), bytes.end(), want) == 1);
  double total = 0;
  for (const auto& s : bytes) total += s.value;
  CHECK(total == 2000);
}

// Threat signals as the collector hands them over: ranked, with deltas.
collector::ThreatSignals threats() {
  collector::ThreatSignals t;
  t.syn_on = t.handshakes_on = t.icmp_echo_on = t.udp_ports_on = t.scan_on = true;
  t.all_syn = {{.family = 4,
                .dst = {198, 18, 0, 1},
                .dport = 80,
                .syns = 9000,
                .handshakes = 40,
                .syns_delta = 5000,
                .handshakes_delta = 20},
               {.family = 6,
                .dst = {0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
                .dport = 443,
                .syns = 10,
                .handshakes = 10,
                .syns_delta = 4,
                .handshakes_delta = 6}};
  t.all_icmp_echo = {{.family = 4, .addr = {198, 18, 0, 2}, .packets = 300, .packets_delta = 100}};
  t.all_udp_ports = {{.port = 53, .packets = 70, .packets_delta = 30}};
  t.all_scan = {{.family = 4, .src = {198, 19, 7, 7}, .ports = 212}};
  t.scan_suspects = 1;
  return t;
}

TEST_CASE("threat signals: per-second rates of the interval, ports as estimated",
          "[alerts][extractor]") {
  Snapshot a = snap(0, 0, 0), b = snap(2, 0, 0);
  b.threats = threats();
  auto all = extract_signals(a, b);
  CHECK(only(all, "syn_rate") ==
        std::vector<Sample>{{"syn_rate", {{"dst", "198.18.0.1"}, {"dport", "80"}}, 2500},
                            {"syn_rate", {{"dst", "fd00::1"}, {"dport", "443"}}, 2}});
  // SYNs minus completed handshakes, floor 0.
  CHECK(only(all, "tcp_half_open") ==
        std::vector<Sample>{{"tcp_half_open", {{"dst", "198.18.0.1"}, {"dport", "80"}}, 2490},
                            {"tcp_half_open", {{"dst", "fd00::1"}, {"dport", "443"}}, 0}});
  CHECK(only(all, "icmp_echo_rate") ==
        std::vector<Sample>{{"icmp_echo_rate", {{"dst", "198.18.0.2"}}, 50}});
  CHECK(only(all, "udp_rate") == std::vector<Sample>{{"udp_rate", {{"dport", "53"}}, 15}});
  CHECK(only(all, "scan_ports") ==
        std::vector<Sample>{{"scan_ports", {{"src", "198.19.7.7"}}, 212}});

  // Without handshake counting every SYN would look half-open: none.
  b.threats.handshakes_on = false;
  all = extract_signals(a, b);
  CHECK(only(all, "tcp_half_open").empty());
  CHECK(only(all, "syn_rate").size() == 2);
  // Signals switched off give nothing.
  b.threats.syn_on = b.threats.icmp_echo_on = b.threats.udp_ports_on = b.threats.scan_on = false;
  all = extract_signals(a, b);
  for (const char* s : {"syn_rate", "icmp_echo_rate", "udp_rate", "scan_ports"}) {
    CAPTURE(s);
    CHECK(only(all, s).empty());
  }
}

TEST_CASE("only wanted signals are extracted", "[alerts][extractor]") {
  const std::set<std::string, std::less<>> wanted{"byte_rate"};
  const auto all = extract_signals(snap(0, 0, 0), snap(1, 5, 0), &wanted);
  CHECK(all.size() == 3);
  for (const auto& s : all) CHECK(s.signal == "byte_rate");
}

TEST_CASE("every source is a catalog signal with the catalog's labels", "[alerts][extractor]") {
  std::set<std::string_view> sourced;
  for (const auto& src : signal_sources()) {
    CAPTURE(src.signal);
    const SignalInfo* info = find_signal(src.signal);
    REQUIRE(info != nullptr);
    CHECK(sourced.insert(src.signal).second);
  }
  // Every sample's label names are exactly its signal's, in catalog order.
  Snapshot a = snap(0, 0, 0), b = snap(1, 5, 1);
  for (Snapshot* s : {&a, &b}) s->tcp_events.retransmits_on = s->tcp_events.drops_on = true;
  b.tcp_events.drops = {{.reason = 2, .label = "NOT_SPECIFIED", .count = 9}};
  b.tcp_events.retransmits[2] = {.ifname = "", .segments = 1, .synacks = 0};
  b.flow_table_capacity = 1024;
  a.networks = b.networks = {network("blocklist", true, 0, 1)};
  b.threats = threats();
  std::set<std::string> seen;
  for (const auto& s : extract_signals(a, b)) {
    const SignalInfo* info = find_signal(s.signal);
    REQUIRE(info != nullptr);
    std::vector<std::string_view> names;
    for (const auto& [k, v] : s.labels) names.push_back(k);
    CHECK(names == info->labels);
    seen.insert(s.signal);
  }
  CHECK(seen.size() == sourced.size());
}

TEST_CASE("the newer read's interface names label both reads", "[alerts][extractor]") {
  // eth0 was attached after the first read, which has no names: its slot
  // and its retransmits have a rate from the start, under the name
  // /metrics shows now.
  Snapshot a = snap(0, 0, 0), b = snap(2, 10, 0);
  a.interfaces = {};
  for (Snapshot* s : {&a, &b}) s->tcp_events.retransmits_on = true;
  a.tcp_events.retransmits[2] = {.ifname = "eth0-old", .segments = 10, .synacks = 0};
  b.tcp_events.retransmits[2] = {.ifname = "eth0-old", .segments = 14, .synacks = 0};
  const auto all = extract_signals(a, b);
  CHECK(only(all, "packet_rate")[1] ==
        Sample{"packet_rate", {{"interface", "eth0"}, {"dir", "ingress"}}, 5});
  CHECK(only(all, "retransmit_rate") ==
        std::vector<Sample>{{"retransmit_rate", {{"interface", "eth0"}}, 2}});
}

TEST_CASE("the vocabularies alerts are checked against are the collector's labels",
          "[alerts][extractor]") {
  const auto same = [](std::string_view label, const auto& names) {
    const auto v = pktlens::signals::label_vocabulary(label);
    return std::equal(v.begin(), v.end(), names.begin(), names.end());
  };
  CHECK(same("dir", collector::kDirNames));
  CHECK(same("side", collector::kSideNames));
  CHECK(same("kind", collector::kAnomalyNames));
}
