// SPDX-License-Identifier: Apache-2.0
// Decisions (see also render.hpp):
// - packets/bytes by l3 x l4, tcp flags and anomaly kinds are emitted for
//   every possible combination, zeros included, for each rendered
//   (interface, dir): a series that exists from the start lets
//   rate()/increase() see its first increment, and the set is bounded
//   (10 + 10 + 8 + 14 per interface and direction). Pairs no frame can
//   have (arp/tcp, ipv4/icmpv6, ...) are not series: collector/labels.hpp,
//   exported_l4. DSCP is emitted only for code points with a
//   non-zero count (64 mostly-empty series per interface would dominate);
//   a counter never goes back to zero, so such a series does not vanish.
// - Histograms: the map holds non-cumulative buckets; they are summed into
//   cumulative ones, and _count is the +Inf bucket (the sum of all map
//   buckets), so the histogram stays consistent even when the read races
//   the data plane between its packets[][] and size_hist[] increments (in a
//   quiet read it equals the packet total).
// - pktlens_packet_ttl: the TTL / hop limit is a count of hops, unitless,
//   so no unit suffix; _sum is the data plane's ttl_sum.
// - Packets are wire packets: at TC a GSO/GRO aggregate counts as its
//   segments (bpf/lib/hooks.h, wire_sizes); pktlens_skbs_total counts what
//   the hook saw.
#include "exporter/render.hpp"

#include <array>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "collector/labels.hpp"
#include "exporter/family_builder.hpp"

namespace pktlens::exporter {

namespace {

using detail::add_counter;
using detail::add_gauge;
using detail::Labels;
using detail::make_family;
using detail::with;
using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// counts[i] is the non-cumulative count of bucket i, whose upper bound is
// bounds[i]; a bound of 0 in the last place stands for +Inf.
template <typename T, size_t N>
void add_histogram(MetricFamily& f, Labels labels, const T (&counts)[N],
                   const std::array<unsigned, N>& bounds, double sum) {
  ClientMetric m;
  m.label = std::move(labels);
  uint64_t cumulative = 0;
  for (size_t i = 0; i < N; ++i) {
    cumulative += counts[i];
    if (i + 1 == N && bounds[i] == 0) break;  // the +Inf bucket, added below
    m.histogram.bucket.push_back({cumulative, static_cast<double>(bounds[i])});
  }
  m.histogram.bucket.push_back({cumulative, std::numeric_limits<double>::infinity()});
  m.histogram.sample_count = cumulative;
  m.histogram.sample_sum = sum;
  f.metric.push_back(std::move(m));
}

uint64_t total_packets(const pktlens_if_stats& st) {
  uint64_t n = 0;
  for (const auto& row : st.packets)
    for (uint64_t v : row) n += v;
  return n;
}

std::string vlan_label(const collector::VlanRecord& v) {
  std::string out = std::to_string(v.vlan);
  // tags, not vlan_inner != 0: a double tag with inner id 0 (priority tag)
  // is its own key in the map and must stay its own series.
  if (v.tags >= 2) out += "." + std::to_string(v.vlan_inner);
  return out;
}

}  // namespace

std::vector<MetricFamily> render_interfaces(const collector::Snapshot& s) {
  auto packets = make_family("pktlens_packets_total",
                             "Packets on the wire, by L3 and L4 protocol (a GSO/GRO aggregate "
                             "at TC counts as its segments).",
                             MetricType::Counter);
  auto bytes = make_family("pktlens_bytes_total",
                           "Bytes of the packets on the wire (Ethernet header included, every "
                           "segment's headers of an aggregate), by L3 and L4 protocol.",
                           MetricType::Counter);
  auto skbs = make_family("pktlens_skbs_total",
                          "Buffers the hook saw: at TC a GSO/GRO aggregate counts once, at XDP "
                          "each frame.",
                          MetricType::Counter);
  auto size = make_family("pktlens_packet_size_bytes",
                          "Length of the packets on the wire, Ethernet header included.",
                          MetricType::Histogram);
  auto tcp_flags =
      make_family("pktlens_tcp_flags_total",
                  "TCP headers with the flag set (syn: SYN without ACK, synack: SYN with ACK).",
                  MetricType::Counter);
  auto dscp =
      make_family("pktlens_dscp_packets_total",
                  "IP packets by DSCP code point (only code points seen).", MetricType::Counter);
  auto ecn_ce = make_family("pktlens_ecn_ce_packets_total",
                            "IP packets marked ECN Congestion Experienced.", MetricType::Counter);
  auto ttl =
      make_family("pktlens_packet_ttl", "IPv4 TTL / IPv6 hop limit of IP packets (hops, unitless).",
                  MetricType::Histogram);
  auto anomalies = make_family("pktlens_anomalies_total",
                               "Frames showing the anomaly (a frame counts once per kind it "
                               "shows; see docs/architecture.md).",
                               MetricType::Counter);
  auto untracked_packets = make_family(
      "pktlens_flow_untracked_packets_total",
      "Frames without a flow key (not IP, IP header incomplete) or with flows switched off.",
      MetricType::Counter);
  auto untracked_bytes = make_family("pktlens_flow_untracked_bytes_total",
                                     "Bytes of the frames counted in "
                                     "pktlens_flow_untracked_packets_total.",
                                     MetricType::Counter);
  auto unadmitted_packets =
      make_family("pktlens_flow_unadmitted_packets_total",
                  "Frames of new flows refused by the insert budget or by the flow table.",
                  MetricType::Counter);
  auto unadmitted_bytes = make_family("pktlens_flow_unadmitted_bytes_total",
                                      "Bytes of the frames counted in "
                                      "pktlens_flow_unadmitted_packets_total.",
                                      MetricType::Counter);
  auto inserts = make_family("pktlens_flow_inserts_total", "New flows created in the flow table.",
                             MetricType::Counter);
  auto expired_packets =
      make_family("pktlens_flow_expired_packets_total",
                  "Packets of the flows removed from the flow table after flows.idle_timeout "
                  "without a packet (their final counters).",
                  MetricType::Counter);
  auto expired_bytes = make_family("pktlens_flow_expired_bytes_total",
                                   "Bytes of the flows counted in "
                                   "pktlens_flow_expired_packets_total.",
                                   MetricType::Counter);
  auto evicted_packets =
      make_family("pktlens_flow_evicted_packets_total",
                  "Packets of the least recently seen flows removed from a nearly full flow "
                  "table to make room (their final counters).",
                  MetricType::Counter);
  auto evicted_bytes = make_family("pktlens_flow_evicted_bytes_total",
                                   "Bytes of the flows counted in "
                                   "pktlens_flow_evicted_packets_total.",
                                   MetricType::Counter);
  auto table_packets = make_family("pktlens_flow_table_packets",
                                   "Packets of the flows in the flow table, summed, after the "
                                   "collection (goes down as flows are removed).",
                                   MetricType::Gauge);
  auto table_bytes =
      make_family("pktlens_flow_table_bytes",
                  "Bytes of the flows counted in pktlens_flow_table_packets.", MetricType::Gauge);
  auto vlan_overflow_packets =
      make_family("pktlens_vlan_overflow_packets_total",
                  "VLAN-tagged frames the per-VLAN table had no room for.", MetricType::Counter);
  auto vlan_overflow_bytes = make_family("pktlens_vlan_overflow_bytes_total",
                                         "Bytes of the frames counted in "
                                         "pktlens_vlan_overflow_packets_total.",
                                         MetricType::Counter);
  auto vlan_packets =
      make_family("pktlens_vlan_packets_total",
                  "VLAN-tagged frames by tag (vlan: outer id, or outer.inner for a double tag).",
                  MetricType::Counter);
  auto vlan_bytes = make_family("pktlens_vlan_bytes_total",
                                "Bytes of VLAN-tagged frames by tag (vlan: outer id, or "
                                "outer.inner for a double tag).",
                                MetricType::Counter);
  auto table_entries =
      make_family("pktlens_flow_table_entries",
                  "Entries in the flow table when the maps were read.", MetricType::Gauge);
  auto table_capacity = make_family("pktlens_flow_table_capacity",
                                    "Maximum entries of the flow table.", MetricType::Gauge);

  // Slot 0 is named "unregistered" (unless it has a name) when any of its
  // directions counted a frame, so both directions render together.
  bool unregistered_seen = false;
  for (const auto& [key, c] : s.ifaces)
    if (key.first == PKTLENS_SLOT_UNREGISTERED && total_packets(c.stats) != 0)
      unregistered_seen = true;

  for (const auto& [key, c] : s.ifaces) {
    const auto [slot, dir] = key;
    if (!collector::direction_exported(s, dir)) continue;
    const std::string* name = collector::interface_of_slot(s, slot, unregistered_seen);
    if (name == nullptr) continue;

    const pktlens_if_stats& st = c.stats;
    const Labels base{{"interface", *name}, {"dir", std::string(collector::kDirNames[dir])}};

    // Cells of impossible pairs fold into the exported ones
    // (collector::exported_l4), so the label sets sum to every count.
    uint64_t pk[PKTLENS_L3_MAX][PKTLENS_L4_MAX] = {};
    uint64_t by[PKTLENS_L3_MAX][PKTLENS_L4_MAX] = {};
    uint64_t total_bytes = 0;
    for (size_t l3 = 0; l3 < PKTLENS_L3_MAX; ++l3) {
      for (size_t l4 = 0; l4 < PKTLENS_L4_MAX; ++l4) {
        pk[l3][collector::exported_l4(l3, l4)] += st.packets[l3][l4];
        by[l3][collector::exported_l4(l3, l4)] += st.bytes[l3][l4];
        total_bytes += st.bytes[l3][l4];
      }
    }
    for (size_t l3 = 0; l3 < PKTLENS_L3_MAX; ++l3) {
      for (size_t l4 = 0; l4 < PKTLENS_L4_MAX; ++l4) {
        if (!collector::l4_exported(l3, l4)) continue;
        auto labels = with(with(base, "l3", std::string(collector::kL3Names[l3])), "l4",
                           std::string(collector::kL4Names[l4]));
        add_counter(packets, labels, pk[l3][l4]);
        add_counter(bytes, std::move(labels), by[l3][l4]);
      }
    }
    add_counter(skbs, base, st.skbs);
    add_histogram(size, base, st.size_hist, collector::kSizeBounds,
                  static_cast<double>(total_bytes));
    for (size_t i = 0; i < PKTLENS_TCPF_MAX; ++i)
      add_counter(tcp_flags, with(base, "flag", std::string(collector::kTcpFlagNames[i])),
                  st.tcp_flags[i]);
    for (size_t i = 0; i < PKTLENS_DSCP_VALUES; ++i)
      if (st.dscp[i] != 0) add_counter(dscp, with(base, "dscp", std::to_string(i)), st.dscp[i]);
    add_counter(ecn_ce, base, st.ecn[PKTLENS_ECN_CE]);
    add_histogram(ttl, base, st.ttl_hist, collector::kTtlBounds, static_cast<double>(st.ttl_sum));
    for (size_t i = 0; i < PKTLENS_ANOM_MAX; ++i)
      add_counter(anomalies, with(base, "kind", std::string(collector::kAnomalyNames[i])),
                  st.anomalies[i]);
    add_counter(untracked_packets, base, st.flow_untracked_packets);
    add_counter(untracked_bytes, base, st.flow_untracked_bytes);
    add_counter(unadmitted_packets, base, st.flow_unadmitted_packets);
    add_counter(unadmitted_bytes, base, st.flow_unadmitted_bytes);
    add_counter(inserts, base, st.flow_inserts);
    add_counter(expired_packets, base, c.flows_ended.expired_packets);
    add_counter(expired_bytes, base, c.flows_ended.expired_bytes);
    add_counter(evicted_packets, base, c.flows_ended.evicted_packets);
    add_counter(evicted_bytes, base, c.flows_ended.evicted_bytes);
    add_gauge(table_packets, base, static_cast<double>(c.flow_table_packets));
    add_gauge(table_bytes, base, static_cast<double>(c.flow_table_bytes));
    add_counter(vlan_overflow_packets, base, st.vlan_overflow_packets);
    add_counter(vlan_overflow_bytes, base, st.vlan_overflow_bytes);
  }

  for (const auto& v : s.vlans) {
    const std::string* name = collector::interface_of_ifindex(s, v.ifindex);
    if (name == nullptr || v.dir >= PKTLENS_DIR_MAX) continue;
    const Labels labels{{"interface", *name},
                        {"dir", std::string(collector::kDirNames[v.dir])},
                        {"vlan", vlan_label(v)}};
    add_counter(vlan_packets, labels, v.packets);
    add_counter(vlan_bytes, labels, v.bytes);
  }
  for (const auto& r : s.vlan_rest) {
    const std::string* name = collector::interface_of_ifindex(s, r.ifindex);
    if (name == nullptr || r.dir >= PKTLENS_DIR_MAX) continue;
    const Labels labels{
        {"interface", *name}, {"dir", std::string(collector::kDirNames[r.dir])}, {"vlan", "other"}};
    add_counter(vlan_packets, labels, r.packets);
    add_counter(vlan_bytes, labels, r.bytes);
  }

  add_gauge(table_entries, {}, static_cast<double>(s.flow_table_entries));
  add_gauge(table_capacity, {}, static_cast<double>(s.flow_table_capacity));

  return detail::families({&packets,
                           &bytes,
                           &skbs,
                           &size,
                           &tcp_flags,
                           &dscp,
                           &ecn_ce,
                           &ttl,
                           &anomalies,
                           &untracked_packets,
                           &untracked_bytes,
                           &unadmitted_packets,
                           &unadmitted_bytes,
                           &inserts,
                           &expired_packets,
                           &expired_bytes,
                           &evicted_packets,
                           &evicted_bytes,
                           &table_packets,
                           &table_bytes,
                           &vlan_overflow_packets,
                           &vlan_overflow_bytes,
                           &vlan_packets,
                           &vlan_bytes,
                           &table_entries,
                           &table_capacity});
}

}  // namespace pktlens::exporter
