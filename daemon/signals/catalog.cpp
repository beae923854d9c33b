// SPDX-License-Identifier: Apache-2.0
#include "signals/catalog.hpp"

#include <algorithm>
#include <vector>

namespace pktlens::signals {

std::span<const SignalInfo> signal_catalog() {
  using enum SignalKind;
  using enum Aggregation;
  // Metric names and labels are the metrics contract (docs/metrics.md and
  // issue #5's agreed names); the labels are exactly the metric's, minus the
  // ones a signal sums away (l3, l4 of pktlens_packets_total).
  static const std::vector<SignalInfo> kCatalog{
      {"packet_rate",
       {"interface", "dir"},
       "packets/s",
       "frames seen by the hook per second, all protocols",
       counter_rate,
       sum,
       "pktlens_packets_total",
       ""},
      {"byte_rate",
       {"interface", "dir"},
       "bytes/s",
       "bytes of the frames seen by the hook per second (Ethernet header included)",
       counter_rate,
       sum,
       "pktlens_bytes_total",
       ""},
      {"tcp_half_open",
       {"dst", "dport"},
       "half-open/s",
       "SYNs received minus handshakes completed, per second (top-K destinations)",
       counter_rate_difference,
       sum,
       "pktlens_tcp_syn_received_total",
       "pktlens_tcp_handshakes_completed_total"},
      {"syn_rate",
       {"dst", "dport"},
       "SYNs/s",
       "TCP SYNs received per second (top-K destinations)",
       counter_rate,
       sum,
       "pktlens_tcp_syn_received_total",
       ""},
      {"scan_ports",
       {"src"},
       "ports",
       "distinct destination ports a source probed in the scan window (top-K suspects)",
       gauge,
       max,
       "pktlens_scan_ports",
       ""},
      {"icmp_echo_rate",
       {"dst"},
       "requests/s",
       "ICMP echo requests per second (top-K destinations)",
       counter_rate,
       sum,
       "pktlens_icmp_echo_requests_total",
       ""},
      {"udp_rate",
       {"dport"},
       "packets/s",
       "UDP packets per second (top-K destination ports)",
       counter_rate,
       sum,
       "pktlens_udp_dport_packets_total",
       ""},
      {"anomaly_rate",
       {"interface", "dir", "kind"},
       "frames/s",
       "frames showing an anomaly per second (kinds: docs/metrics.md)",
       counter_rate,
       sum,
       "pktlens_anomalies_total",
       ""},
      {"blocked_rate",
       {"network"},
       "packets/s",
       "packets of an `action: drop` network dropped per second",
       counter_rate,
       sum,
       "pktlens_blocked_packets_total",
       ""},
      {"network_byte_rate",
       {"network", "dir", "side"},
       "bytes/s",
       "bytes per second from (side src) or to (side dst) a configured network",
       counter_rate,
       sum,
       "pktlens_network_bytes_total",
       ""},
      {"retransmit_rate",
       {"interface"},
       "segments/s",
       "TCP segments the kernel retransmitted per second",
       counter_rate,
       sum,
       "pktlens_tcp_retransmits_total",
       ""},
      {"drop_rate",
       {"reason"},
       "packets/s",
       "packets the kernel dropped per second, by skb drop reason",
       counter_rate,
       sum,
       "pktlens_drops_total",
       ""},
      {"flow_table_fill",
       {},
       "ratio",
       "flow table entries / capacity, 0 to 1",
       ratio,
       max,
       "pktlens_flow_table_entries",
       "pktlens_flow_table_capacity"},
  };
  return kCatalog;
}

const SignalInfo* find_signal(std::string_view name) {
  for (const SignalInfo& s : signal_catalog())
    if (s.name == name) return &s;
  return nullptr;
}

std::vector<std::string_view> signal_names() {
  std::vector<std::string_view> out;
  for (const SignalInfo& s : signal_catalog()) out.push_back(s.name);
  return out;
}

bool has_label(const SignalInfo& signal, std::string_view label) {
  return std::find(signal.labels.begin(), signal.labels.end(), label) != signal.labels.end();
}

}  // namespace pktlens::signals
