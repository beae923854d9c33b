// SPDX-License-Identifier: Apache-2.0
#include "collector/abi_codec.hpp"

#include <algorithm>
#include <cstring>

namespace pktlens::collector {

FlowKey decode_flow_key(const pktlens_flow_key& k) {
  FlowKey f;
  f.ifindex = k.ifindex;
  f.dir = k.dir;
  f.vlan = k.vlan;
  f.vlan_inner = k.vlan_inner;
  f.proto = k.proto;
  f.family = k.family;
  std::copy(std::begin(k.src), std::end(k.src), f.src.begin());
  std::copy(std::begin(k.dst), std::end(k.dst), f.dst.begin());
  f.sport = k.sport;
  f.dport = k.dport;
  return f;
}

pktlens_flow_key encode_flow_key(const FlowKey& k) {
  pktlens_flow_key e{};
  e.ifindex = k.ifindex;
  e.vlan = k.vlan;
  e.vlan_inner = k.vlan_inner;
  e.sport = k.sport;
  e.dport = k.dport;
  e.dir = k.dir;
  e.proto = k.proto;
  e.family = k.family;
  std::copy(k.src.begin(), k.src.end(), e.src);
  std::copy(k.dst.begin(), k.dst.end(), e.dst);
  return e;
}

static_assert(sizeof(pktlens_if_stats) % sizeof(uint64_t) == 0);
void add_stats(pktlens_if_stats& into, const pktlens_if_stats& v) {
  uint64_t a[sizeof(pktlens_if_stats) / 8], b[sizeof(pktlens_if_stats) / 8];
  std::memcpy(a, &into, sizeof a);
  std::memcpy(b, &v, sizeof b);
  for (size_t i = 0; i < sizeof a / 8; i++) a[i] += b[i];
  std::memcpy(&into, a, sizeof a);
}

}  // namespace pktlens::collector
