// SPDX-License-Identifier: Apache-2.0
// Reads the per-network counters (pktlens_net_counts, pktlens_net_blocked)
// of the configured networks into a Snapshot.
#pragma once

#include <string>
#include <vector>

#include "bpf/networks.hpp"
#include "collector/snapshot.hpp"

struct pktlens_bpf;

namespace pktlens::collector {

// A configured network and the id the object gave it (bpf::Object::network_names).
struct NetworkId {
  std::string name;
  uint32_t id = 0;
  bool drop = false;
};

// The configured networks with the ids the object gave them
// (bpf::install_networks returns the name of every id), in config order.
std::vector<NetworkId> network_ids(const std::vector<bpf::NetworkSpec>& networks,
                                   const std::vector<std::string>& names_by_id);

// Appends one NetworkCounters per network, in the order given. Throws
// std::system_error on map errors.
void read_networks(pktlens_bpf* skel, const std::vector<NetworkId>& networks, Snapshot& snap);

}  // namespace pktlens::collector
