// SPDX-License-Identifier: Apache-2.0
// Decisions (see also render_flows.hpp):
// - Only the top-K flows are rendered: the flow table holds up to
//   flows.max_entries keys, far too many series for Prometheus. A flow that
//   leaves the top-K simply disappears from the next scrape; its counters
//   are cumulative, so when it comes back rate() continues where it left.
// - Unknown protocols keep their number rather than a catch-all "other",
//   so two different protocols between the same hosts stay two series.
#include "exporter/render_flows.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <string>
#include <utility>

#include "collector/labels.hpp"
#include "exporter/family_builder.hpp"

namespace pktlens::exporter {

namespace {

using detail::add_counter;
using detail::add_gauge;
using detail::address_label;
using detail::Labels;
using detail::make_family;
using prometheus::MetricFamily;
using prometheus::MetricType;

}  // namespace

std::string flow_proto_label(uint8_t proto) {
  switch (proto) {
    case IPPROTO_TCP:
      return "tcp";
    case IPPROTO_UDP:
      return "udp";
    case IPPROTO_ICMP:
      return "icmp";
    case IPPROTO_ICMPV6:
      return "icmpv6";
    default:
      return std::to_string(proto);
  }
}

std::string flow_vlan_label(uint16_t vlan, uint16_t vlan_inner) {
  std::string out = std::to_string(vlan);
  if (vlan_inner != 0) out += "." + std::to_string(vlan_inner);
  return out;
}

std::vector<MetricFamily> render_flows(const collector::Snapshot& s) {
  auto packets = make_family("pktlens_flow_packets_total",
                             "Frames of the flow (top-K flows of the last interval only).",
                             MetricType::Counter);
  auto bytes = make_family("pktlens_flow_bytes_total",
                           "Bytes of the frames of the flow, Ethernet header included (top-K "
                           "flows of the last interval only).",
                           MetricType::Counter);
  auto retx = make_family("pktlens_flow_retransmits_total",
                          "TCP segments of the connection the kernel retransmitted (top-K TCP "
                          "egress flows of the last interval only).",
                          MetricType::Counter);

  const auto* retransmits = s.tcp_events.retransmits_on ? &s.tcp_events.flow_retransmits : nullptr;
  for (const auto& ranked : s.top_flows) {
    const auto& k = ranked.flow.key;
    const std::string* name = collector::interface_of_ifindex(s, k.ifindex);
    if (name == nullptr || k.dir >= PKTLENS_DIR_MAX) continue;
    std::string src, dst;
    if (!address_label(k.family, k.src, src) || !address_label(k.family, k.dst, dst)) continue;
    const Labels labels{{"interface", *name},
                        {"dir", std::string(collector::kDirNames[k.dir])},
                        {"proto", flow_proto_label(k.proto)},
                        {"src", std::move(src)},
                        {"dst", std::move(dst)},
                        {"sport", std::to_string(k.sport)},
                        {"dport", std::to_string(k.dport)},
                        {"vlan", flow_vlan_label(k.vlan, k.vlan_inner)}};
    add_counter(packets, labels, ranked.flow.packets);
    add_counter(bytes, labels, ranked.flow.bytes);
    if (retransmits)
      if (auto it = retransmits->find(k); it != retransmits->end())
        add_counter(retx, labels, it->second);
  }

  return detail::families({&packets, &bytes, &retx});
}

std::vector<MetricFamily> render_flow_gauges(const collector::Snapshot& s) {
  auto active = make_family("pktlens_flows_active",
                            "Flows that saw at least one frame in the last collection interval.",
                            MetricType::Gauge);
  add_gauge(active, {}, static_cast<double>(s.flows_active));
  return detail::families({&active});
}

}  // namespace pktlens::exporter
