// SPDX-License-Identifier: Apache-2.0
#include "bpf/networks.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pktlens_bpf.skel.h>  // generated in the build tree

#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <stdexcept>
#include <system_error>

#include "bpf/abi.hpp"
#include "bpf/percpu.hpp"

namespace pktlens::bpf {
namespace {

void check(int rc, const std::string& what) {
  if (rc != 0) throw std::system_error(errno, std::generic_category(), what);
}

std::vector<std::string> read_names(int fd) {
  std::vector<std::string> names(PKTLENS_MAX_NETWORKS);
  for (uint32_t id = 0; id < PKTLENS_MAX_NETWORKS; id++) {
    pktlens_net_name n{};
    check(bpf_map_lookup_elem(fd, &id, &n), "reading pktlens_net_names");
    n.name[sizeof n.name - 1] = '\0';
    names[id] = n.name;
  }
  return names;
}

// An id changes hands: its counters must not carry the old network's counts.
void zero_counters(pktlens_bpf* skel, uint32_t id) {
  PerCpuValue<pktlens_net_count> zero;
  const int counts = bpf_map__fd(skel->maps.pktlens_net_counts);
  for (uint32_t dir = 0; dir < PKTLENS_DIR_MAX; dir++)
    for (uint32_t side = 0; side < PKTLENS_SIDE_MAX; side++) {
      const uint32_t idx = (id * PKTLENS_DIR_MAX + dir) * PKTLENS_SIDE_MAX + side;
      check(bpf_map_update_elem(counts, &idx, zero.data(), BPF_ANY), "zeroing pktlens_net_counts");
    }
  check(bpf_map_update_elem(bpf_map__fd(skel->maps.pktlens_net_blocked), &id, zero.data(), BPF_ANY),
        "zeroing pktlens_net_blocked");
}

void add_prefix(pktlens_bpf* skel, const NetPrefix& p, const pktlens_net_match& match) {
  if (p.family == 4) {
    pktlens_lpm4_key k{};
    k.prefixlen = p.length;
    std::memcpy(k.addr, p.addr.data(), 4);
    check(bpf_map_update_elem(bpf_map__fd(skel->maps.pktlens_net4), &k, &match, BPF_ANY),
          "adding an IPv4 prefix to pktlens_net4");
  } else {
    pktlens_lpm6_key k{};
    k.prefixlen = p.length;
    std::memcpy(k.addr, p.addr.data(), 16);
    check(bpf_map_update_elem(bpf_map__fd(skel->maps.pktlens_net6), &k, &match, BPF_ANY),
          "adding an IPv6 prefix to pktlens_net6");
  }
}

}  // namespace

NetworkSizes network_sizes(const std::vector<NetworkSpec>& networks) {
  NetworkSizes s;
  for (const auto& n : networks) {
    s.drop = s.drop || (n.drop && !n.prefixes.empty());
    for (const auto& p : n.prefixes) (p.family == 4 ? s.v4 : s.v6)++;
  }
  return s;
}

std::vector<std::string> install_networks(pktlens_bpf* skel,
                                          const std::vector<NetworkSpec>& networks) {
  if (networks.size() > PKTLENS_MAX_NETWORKS)
    throw std::invalid_argument("more networks than PKTLENS_MAX_NETWORKS");
  const int names_fd = bpf_map__fd(skel->maps.pktlens_net_names);
  std::vector<std::string> names = read_names(names_fd);

  std::set<std::string> wanted;
  for (const auto& n : networks) {
    if (n.name.empty() || n.name.size() >= PKTLENS_NET_NAME_LEN)
      throw std::invalid_argument("network name '" + n.name + "' is empty or too long");
    wanted.insert(n.name);
  }
  std::map<std::string, uint32_t> kept;  // names that keep their id
  for (uint32_t id = 0; id < names.size(); id++)
    if (wanted.count(names[id]) && !kept.count(names[id])) kept[names[id]] = id;

  std::set<uint32_t> taken;
  for (const auto& [name, id] : kept) taken.insert(id);
  for (const auto& n : networks) {
    uint32_t id;
    if (auto it = kept.find(n.name); it != kept.end()) {
      id = it->second;
    } else {
      // Lowest id not taken and not some configured network's own.
      id = 0;
      while (taken.count(id) || (!names[id].empty() && kept.count(names[id]))) id++;
      zero_counters(skel, id);
      pktlens_net_name stored{};
      std::memcpy(stored.name, n.name.data(), n.name.size());
      check(bpf_map_update_elem(names_fd, &id, &stored, BPF_ANY), "writing pktlens_net_names");
      names[id] = n.name;
      taken.insert(id);
    }
    const pktlens_net_match match{id, n.drop ? uint32_t{PKTLENS_NET_DROP} : 0u};
    for (const auto& p : n.prefixes) add_prefix(skel, p, match);
  }
  // Ids of networks no longer configured are not exported.
  for (auto& name : names)
    if (!wanted.count(name)) name.clear();
  return names;
}

}  // namespace pktlens::bpf
