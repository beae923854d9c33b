// SPDX-License-Identifier: Apache-2.0
#include "exporter/render_networks.hpp"

#include <string>
#include <utility>

#include "collector/labels.hpp"
#include "exporter/family_builder.hpp"

namespace pktlens::exporter {

using detail::add_counter;
using detail::make_family;
using prometheus::MetricFamily;
using prometheus::MetricType;

std::vector<MetricFamily> render_networks(const std::vector<collector::NetworkCounters>& networks,
                                          bool egress_hooked) {
  auto packets = make_family("pktlens_network_packets_total",
                             "Packets whose source (side=src) or destination (side=dst) address "
                             "is in the configured network, longest prefix match.",
                             MetricType::Counter);
  auto bytes = make_family("pktlens_network_bytes_total",
                           "Bytes of the packets counted in pktlens_network_packets_total, "
                           "counted as in pktlens_bytes_total.",
                           MetricType::Counter);
  auto blocked_packets = make_family("pktlens_blocked_packets_total",
                                     "Packets dropped at ingress because their source address "
                                     "is in a network with action drop.",
                                     MetricType::Counter);
  auto blocked_bytes = make_family("pktlens_blocked_bytes_total",
                                   "Bytes of the packets counted in pktlens_blocked_packets_total.",
                                   MetricType::Counter);
  for (const auto& n : networks) {
    for (size_t dir = 0; dir < PKTLENS_DIR_MAX; dir++) {
      if (dir == PKTLENS_DIR_EGRESS && !egress_hooked) continue;
      for (size_t side = 0; side < PKTLENS_SIDE_MAX; side++) {
        const detail::Labels labels{{"network", n.name},
                                    {"dir", std::string(collector::kDirNames[dir])},
                                    {"side", std::string(collector::kSideNames[side])}};
        add_counter(packets, labels, n.counts[dir][side].packets);
        add_counter(bytes, labels, n.counts[dir][side].bytes);
      }
    }
    if (n.drop) {
      add_counter(blocked_packets, {{"network", n.name}}, n.blocked.packets);
      add_counter(blocked_bytes, {{"network", n.name}}, n.blocked.bytes);
    }
  }
  return detail::families({&packets, &bytes, &blocked_packets, &blocked_bytes});
}

}  // namespace pktlens::exporter
