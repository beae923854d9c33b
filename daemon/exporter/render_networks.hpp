// SPDX-License-Identifier: Apache-2.0
// Families of the configured networks (Snapshot::networks). Pure, like
// render.hpp: same input, same families in the same order.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

#include "collector/snapshot.hpp"

namespace pktlens::exporter {

//   pktlens_network_packets_total{network,dir,side},
//   pktlens_network_bytes_total{network,dir,side}: every network, both
//     sides and every direction a hook counts (egress only when
//     `egress_hooked`, Snapshot::egress_hooked), zeros included;
//   pktlens_blocked_packets_total{network}, pktlens_blocked_bytes_total{network}:
//     every network with action drop, zeros included.
// Networks in Snapshot order (the config's). With none configured the
// families are declared without a series.
std::vector<prometheus::MetricFamily> render_networks(
    const std::vector<collector::NetworkCounters>& networks, bool egress_hooked);

}  // namespace pktlens::exporter
