// SPDX-License-Identifier: Apache-2.0
#include "collector/network_reader.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pktlens_bpf.skel.h>  // generated in the build tree

#include <cerrno>
#include <system_error>

#include "bpf/percpu.hpp"

namespace pktlens::collector {
namespace {

pktlens_net_count sum(int fd, uint32_t idx) {
  const auto v = bpf::lookup_percpu<pktlens_net_count>(fd, idx);
  if (!v) throw std::system_error(ENOENT, std::generic_category(), "reading network counters");
  pktlens_net_count total{};
  for (int c = 0; c < v->cpus(); c++) {
    total.packets += v->at(c).packets;
    total.bytes += v->at(c).bytes;
  }
  return total;
}

}  // namespace

std::vector<NetworkId> network_ids(const std::vector<bpf::NetworkSpec>& networks,
                                   const std::vector<std::string>& names_by_id) {
  std::vector<NetworkId> out;
  for (const auto& n : networks)
    for (uint32_t id = 0; id < names_by_id.size(); id++)
      if (names_by_id[id] == n.name) out.push_back({n.name, id, n.drop});
  return out;
}

void read_networks(pktlens_bpf* skel, const std::vector<NetworkId>& networks, Snapshot& snap) {
  const int counts = bpf_map__fd(skel->maps.pktlens_net_counts);
  const int blocked = bpf_map__fd(skel->maps.pktlens_net_blocked);
  for (const auto& n : networks) {
    NetworkCounters c;
    c.name = n.name;
    c.drop = n.drop;
    for (uint32_t dir = 0; dir < PKTLENS_DIR_MAX; dir++)
      for (uint32_t side = 0; side < PKTLENS_SIDE_MAX; side++)
        c.counts[dir][side] = sum(counts, (n.id * PKTLENS_DIR_MAX + dir) * PKTLENS_SIDE_MAX + side);
    c.blocked = sum(blocked, n.id);
    snap.networks.push_back(std::move(c));
  }
}

}  // namespace pktlens::collector
