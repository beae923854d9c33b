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
namespace {

// Adds `v` to `into` word by word: for structs made of 64-bit counters only.
template <typename T>
void add_counters(T& into, const T& v) {
  static_assert(sizeof(T) % 8 == 0);
  uint64_t a[sizeof(T) / 8], b[sizeof(T) / 8];
  std::memcpy(a, &into, sizeof a);
  std::memcpy(b, &v, sizeof b);
  for (size_t i = 0; i < sizeof a / 8; i++) a[i] += b[i];
  std::memcpy(&into, a, sizeof a);
}

}  // namespace

void add_stats(pktlens_if_stats& into, const pktlens_if_stats& v) { add_counters(into, v); }

void add_tcp_lat(pktlens_tcp_lat& into, const pktlens_tcp_lat& v) { add_counters(into, v); }

}  // namespace pktlens::collector
