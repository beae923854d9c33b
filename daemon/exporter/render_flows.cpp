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
  if (vlan_inner != 0) {
    out += '.';
    out += std::to_string(vlan_inner);
  }
  return out;
}

std::vector<MetricFamily> render_flows(const collector::Snapshot& s) {
  auto packets = make_family("pktlens_flow_packets_total",
                             "Packets of the flow (the top-K flows by bytes in the last "
                             "flows.top_k_window only).",
                             MetricType::Counter);
  auto bytes = make_family("pktlens_flow_bytes_total",
                           "Bytes of the packets of the flow, Ethernet header included (the "
                           "top-K flows by bytes in the last flows.top_k_window only).",
                           MetricType::Counter);
  auto retx = make_family("pktlens_flow_retransmits_total",
                          "TCP segments of the connection the kernel retransmitted (top-K TCP "
                          "egress flows, keyed by every field, only).",
                          MetricType::Counter);

  // Retransmits are counted per connection: a flow keyed by fewer fields
  // is several connections, and has none of its own.
  const auto* retransmits = s.tcp_events.retransmits_on && s.flow_key_fields == PKTLENS_FK_ALL
                                ? &s.tcp_events.flow_retransmits
                                : nullptr;
  // A field flows are not keyed by is an empty label (no label, to PromQL).
  const uint32_t fk = s.flow_key_fields;
  const auto port = [](bool keyed, uint16_t p) {
    return keyed ? std::to_string(p) : std::string();
  };
  const bool sport_keyed = (fk & (PKTLENS_FK_SPORT | PKTLENS_FK_SERVICE_PORT)) != 0;
  const bool dport_keyed = (fk & (PKTLENS_FK_DPORT | PKTLENS_FK_SERVICE_PORT)) != 0;
  for (const auto& ranked : s.top_flows) {
    const auto& k = ranked.flow.key;
    const std::string* name = collector::interface_of_ifindex(s, k.ifindex);
    if (name == nullptr || k.dir >= PKTLENS_DIR_MAX) continue;
    std::string src, dst;
    if (!address_label(k.family, k.src, src) || !address_label(k.family, k.dst, dst)) continue;
    if (!(fk & PKTLENS_FK_SRC)) src.clear();
    if (!(fk & PKTLENS_FK_DST)) dst.clear();
    // With the service port kept, the other one is 0: no label either.
    const bool service = fk & PKTLENS_FK_SERVICE_PORT;
    const Labels labels{
        {"interface", *name},
        {"dir", std::string(collector::kDirNames[k.dir])},
        {"proto", fk & PKTLENS_FK_PROTO ? flow_proto_label(k.proto) : std::string()},
        {"src", std::move(src)},
        {"dst", std::move(dst)},
        {"sport", port(sport_keyed && !(service && k.sport == 0 && k.dport != 0), k.sport)},
        {"dport", port(dport_keyed && !(service && k.dport == 0 && k.sport != 0), k.dport)},
        {"vlan", fk & PKTLENS_FK_VLAN ? flow_vlan_label(k.vlan, k.vlan_inner) : std::string()}};
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
