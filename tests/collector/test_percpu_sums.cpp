// SPDX-License-Identifier: Apache-2.0
// Every per-CPU map the collector folds over CPUs, with a distinct value
// written for each possible CPU from user space (bpf_map_update_elem with
// a value per CPU) into a loaded object's map, and the collector's result
// checked exactly: a fold that skips a CPU (the last one, the first one)
// or counts one twice gives another number. Maps: pktlens_stats,
// pktlens_vlans, pktlens_flows, pktlens_tcp_lat (read_snapshot);
// pktlens_net_counts, pktlens_net_blocked (read_networks); pktlens_syn,
// pktlens_icmp_echo, pktlens_udp_ports, pktlens_scan (ThreatCollector).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <time.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <functional>
#include <vector>

#include "bpf/percpu.hpp"
#include "collector/map_reader.hpp"
#include "collector/network_reader.hpp"
#include "collector/snapshot.hpp"
#include "collector/threat_rank.hpp"
#include "collector/threats.hpp"
#include "dataplane.hpp"
#include "pktlens_bpf.skel.h"

using namespace pktlens;
using namespace pktlens::collector;
using pktlens::test::Dataplane;

namespace {

// CPU `cpu`'s value of 64-bit word `field`: distinct for every CPU and word.
constexpr uint64_t word_value(int cpu, size_t field) {
  return 1000 * static_cast<uint64_t>(cpu + 1) + field;
}

// A struct of 64-bit counters with word i set to word_value(cpu, i).
template <typename V>
V counters_of(int cpu) {
  static_assert(sizeof(V) % 8 == 0);
  static_assert(sizeof(V) / 8 < 1000, "word_value must stay distinct per field");
  uint64_t w[sizeof(V) / 8];
  for (size_t i = 0; i < sizeof(V) / 8; i++) w[i] = word_value(cpu, i);
  V v;
  std::memcpy(&v, w, sizeof v);
  return v;
}

// The words of a struct of 64-bit counters.
template <typename V>
std::vector<uint64_t> words_of(const V& v) {
  static_assert(sizeof(V) % 8 == 0);
  std::vector<uint64_t> w(sizeof(V) / 8);
  std::memcpy(w.data(), &v, sizeof v);
  return w;
}

// Word i: the sum of word_value(cpu, i) over every possible CPU.
template <typename V>
std::vector<uint64_t> expected_sums() {
  std::vector<uint64_t> w(sizeof(V) / 8, 0);
  for (int cpu = 0; cpu < bpf::possible_cpus(); cpu++)
    for (size_t i = 0; i < w.size(); i++) w[i] += word_value(cpu, i);
  return w;
}

// Writes value_of(cpu) for each possible CPU into `map` at `key`.
template <typename V, typename K>
void write_percpu(const bpf_map* map, const K& key, const std::function<V(int)>& value_of) {
  REQUIRE(bpf_map__key_size(map) == sizeof(K));
  REQUIRE(bpf_map__value_size(map) == sizeof(V));
  bpf::PerCpuValue<V> v;
  for (int cpu = 0; cpu < v.cpus(); cpu++) v.set(cpu, value_of(cpu));
  REQUIRE(bpf_map_update_elem(bpf_map__fd(map), &key, v.data(), BPF_ANY) == 0);
}

template <typename V, typename K>
void write_counters(const bpf_map* map, const K& key) {
  write_percpu<V>(map, key, [](int cpu) { return counters_of<V>(cpu); });
}

uint64_t sum_over_cpus(size_t field) {
  uint64_t n = 0;
  for (int cpu = 0; cpu < bpf::possible_cpus(); cpu++) n += word_value(cpu, field);
  return n;
}

uint64_t coarse_now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

const std::array<uint8_t, 16> kAddr{198, 18, 0, 1};  // IPv4 in the first 4 bytes
const std::array<uint8_t, 16> kPeer{198, 18, 0, 2};

// Both read paths of read_snapshot: batch ops and key-by-key iteration.
const std::array<ReadOptions, 2> kReadPaths{ReadOptions{}, ReadOptions{.force_iteration = true}};

}  // namespace

TEST_CASE("per-CPU sums: pktlens_stats, every field of an interface's counters", "[collector][percpu]") {
  Dataplane dp;
  const uint32_t slot = 3;
  const uint32_t idx = slot * PKTLENS_DIR_MAX + PKTLENS_DIR_EGRESS;
  write_counters<pktlens_if_stats>(dp.skel()->maps.pktlens_stats, idx);
  for (const auto& o : kReadPaths) {
    INFO("force_iteration " << o.force_iteration);
    const Snapshot s = read_snapshot(dp.skel(), o);
    const auto it = s.ifaces.find({slot, PKTLENS_DIR_EGRESS});
    REQUIRE(it != s.ifaces.end());
    CHECK(words_of(it->second.stats) == expected_sums<pktlens_if_stats>());
    // The other entries stay 0.
    CHECK(words_of(s.ifaces.at({slot, PKTLENS_DIR_INGRESS}).stats) ==
          std::vector<uint64_t>(sizeof(pktlens_if_stats) / 8, 0));
  }
}

TEST_CASE("per-CPU sums: pktlens_vlans, packets and bytes of a tag pair", "[collector][percpu]") {
  Dataplane dp;
  pktlens_vlan_key k{};
  k.ifindex = 7;
  k.vlan = 100;
  k.vlan_inner = 200;
  k.dir = PKTLENS_DIR_INGRESS;
  k.tags = 2;
  write_counters<pktlens_vlan_val>(dp.skel()->maps.pktlens_vlans, k);
  for (const auto& o : kReadPaths) {
    INFO("force_iteration " << o.force_iteration);
    const Snapshot s = read_snapshot(dp.skel(), o);
    REQUIRE(s.vlans.size() == 1);
    const VlanRecord& r = s.vlans[0];
    CHECK(r.ifindex == 7);
    CHECK(r.vlan == 100);
    CHECK(r.vlan_inner == 200);
    CHECK(r.tags == 2);
    CHECK(r.packets == sum_over_cpus(0));
    CHECK(r.bytes == sum_over_cpus(1));
  }
}

TEST_CASE("per-CPU sums: pktlens_flows, sums, first/last seen and flags", "[collector][percpu]") {
  Dataplane dp;
  pktlens_flow_key k{};
  k.ifindex = 9;
  k.dir = PKTLENS_DIR_INGRESS;
  k.proto = 6;
  k.family = 4;
  k.sport = 40000;
  k.dport = 443;
  std::memcpy(k.src, kPeer.data(), 16);
  std::memcpy(k.dst, kAddr.data(), 16);
  const int cpus = bpf::possible_cpus();
  // first_seen falls and last_seen rises with the CPU, each CPU has a flag
  // bit of its own: the last CPU decides all three.
  write_percpu<pktlens_flow_val>(dp.skel()->maps.pktlens_flows, k, [](int cpu) {
    pktlens_flow_val v{};
    v.packets = word_value(cpu, 0);
    v.bytes = word_value(cpu, 1);
    v.first_seen_ns = 1'000'000 - word_value(cpu, 2);
    v.last_seen_ns = 1'000'000 + word_value(cpu, 3);
    v.tcp_flags = static_cast<uint8_t>(1U << (cpu % 8));
    v.log_epoch = 0;
    return v;
  });
  uint8_t flags = 0;
  for (int cpu = 0; cpu < cpus; cpu++) flags |= static_cast<uint8_t>(1U << (cpu % 8));
  for (const auto& o : kReadPaths) {
    INFO("force_iteration " << o.force_iteration);
    const Snapshot s = read_snapshot(dp.skel(), o);
    REQUIRE(s.flows.size() == 1);
    const FlowRecord& r = s.flows[0];
    CHECK(r.key.ifindex == 9);
    CHECK(r.key.sport == 40000);
    CHECK(r.key.dport == 443);
    CHECK(r.packets == sum_over_cpus(0));
    CHECK(r.bytes == sum_over_cpus(1));
    CHECK(r.first_seen_ns == 1'000'000 - word_value(cpus - 1, 2));
    CHECK(r.last_seen_ns == 1'000'000 + word_value(cpus - 1, 3));
    CHECK(r.tcp_flags == flags);
  }
}

TEST_CASE("per-CPU sums: pktlens_tcp_lat, every histogram bucket and counter", "[collector][percpu]") {
  Dataplane dp;  // handshake and rtt on: read_snapshot reads the map
  const uint32_t slot = 5;
  write_counters<pktlens_tcp_lat>(dp.skel()->maps.pktlens_tcp_lat, slot);
  for (const auto& o : kReadPaths) {
    INFO("force_iteration " << o.force_iteration);
    const Snapshot s = read_snapshot(dp.skel(), o);
    REQUIRE(s.tcp_latency.contains(slot));
    const TcpLatency& t = s.tcp_latency.at(slot);
    pktlens_tcp_lat got{};
    for (size_t r = 0; r < PKTLENS_HS_ROLES; r++) got.handshake[r] = t.handshake[r];
    got.rtt = t.rtt;
    got.syn_retransmits = t.syn_retransmits;
    got.rtt_unsampled_packets = t.rtt_unsampled_packets;
    CHECK(words_of(got) == expected_sums<pktlens_tcp_lat>());
  }
}

TEST_CASE("per-CPU sums: pktlens_net_counts and pktlens_net_blocked", "[collector][percpu]") {
  Dataplane dp;
  // read_networks reads the entries of the ids it is given; both maps have
  // room for every id (PKTLENS_MAX_NETWORKS) whatever is configured.
  const NetworkId net{.name = "lab", .id = 7, .drop = true};
  for (uint32_t dir = 0; dir < PKTLENS_DIR_MAX; dir++)
    for (uint32_t side = 0; side < PKTLENS_SIDE_MAX; side++) {
      const uint32_t idx = (net.id * PKTLENS_DIR_MAX + dir) * PKTLENS_SIDE_MAX + side;
      // Distinct per entry too: field 2 * (dir * SIDE_MAX + side) and the next.
      const size_t first = 2 * (dir * PKTLENS_SIDE_MAX + side);
      write_percpu<pktlens_net_count>(dp.skel()->maps.pktlens_net_counts, idx, [&](int cpu) {
        return pktlens_net_count{.packets = word_value(cpu, first), .bytes = word_value(cpu, first + 1)};
      });
    }
  write_percpu<pktlens_net_count>(dp.skel()->maps.pktlens_net_blocked, net.id, [](int cpu) {
    return pktlens_net_count{.packets = word_value(cpu, 100), .bytes = word_value(cpu, 101)};
  });
  Snapshot s;
  read_networks(dp.skel(), {net}, s);
  REQUIRE(s.networks.size() == 1);
  const NetworkCounters& c = s.networks[0];
  CHECK(c.name == "lab");
  for (uint32_t dir = 0; dir < PKTLENS_DIR_MAX; dir++)
    for (uint32_t side = 0; side < PKTLENS_SIDE_MAX; side++) {
      INFO("dir " << dir << " side " << side);
      const size_t first = 2 * (dir * PKTLENS_SIDE_MAX + side);
      CHECK(c.counts[dir][side].packets == sum_over_cpus(first));
      CHECK(c.counts[dir][side].bytes == sum_over_cpus(first + 1));
    }
  CHECK(c.blocked.packets == sum_over_cpus(100));
  CHECK(c.blocked.bytes == sum_over_cpus(101));
}

TEST_CASE("per-CPU sums: pktlens_syn, SYNs and completed handshakes", "[collector][percpu]") {
  Dataplane dp;
  pktlens_syn_key k{};
  k.family = 4;
  k.dport = 443;
  std::memcpy(k.dst, kAddr.data(), 16);
  write_counters<pktlens_syn_val>(dp.skel()->maps.pktlens_syn, k);
  ThreatCollector tc(dp.skel(), ThreatOptions{.tc_hooks = true});
  Snapshot s;
  tc.collect(s);
  REQUIRE(s.threats.top_syn.size() == 1);
  const SynDest& d = s.threats.top_syn[0];
  CHECK(d.dst == kAddr);
  CHECK(d.dport == 443);
  CHECK(d.syns == sum_over_cpus(0));
  CHECK(d.handshakes == sum_over_cpus(1));
}

TEST_CASE("per-CPU sums: pktlens_icmp_echo, echo requests per destination", "[collector][percpu]") {
  Dataplane dp;
  pktlens_addr_key k{};
  k.family = 4;
  std::memcpy(k.addr, kAddr.data(), 16);
  write_percpu<uint64_t>(dp.skel()->maps.pktlens_icmp_echo, k,
                         [](int cpu) { return word_value(cpu, 0); });
  ThreatCollector tc(dp.skel(), ThreatOptions{});
  Snapshot s;
  tc.collect(s);
  REQUIRE(s.threats.top_icmp_echo.size() == 1);
  CHECK(s.threats.top_icmp_echo[0].addr == kAddr);
  CHECK(s.threats.top_icmp_echo[0].packets == sum_over_cpus(0));
}

TEST_CASE("per-CPU sums: pktlens_udp_ports, datagrams per port", "[collector][percpu]") {
  Dataplane dp;
  const uint32_t port = 5353;
  write_percpu<uint64_t>(dp.skel()->maps.pktlens_udp_ports, port,
                         [](int cpu) { return word_value(cpu, 0); });
  ThreatCollector tc(dp.skel(), ThreatOptions{});
  Snapshot s;
  tc.collect(s);
  REQUIRE(s.threats.top_udp_ports.size() == 1);
  CHECK(s.threats.top_udp_ports[0].port == port);
  CHECK(s.threats.top_udp_ports[0].packets == sum_over_cpus(0));
}

TEST_CASE("per-CPU sums: pktlens_scan, the union of every CPU's port bitmap", "[collector][percpu]") {
  Dataplane dp;
  pktlens_addr_key k{};
  k.family = 4;
  std::memcpy(k.addr, kPeer.data(), 16);
  const int cpus = bpf::possible_cpus();
  // Each CPU's window started within the last second (distinct starts),
  // each CPU has 8 bits of its own: the estimate counts every CPU's.
  constexpr size_t kBitsPerCpu = 8;
  REQUIRE(static_cast<size_t>(cpus) * kBitsPerCpu <= PKTLENS_SCAN_BITS);
  const uint64_t now = coarse_now_ns();
  std::array<uint64_t, PKTLENS_SCAN_WORDS> all{};
  write_percpu<pktlens_scan_val>(dp.skel()->maps.pktlens_scan, k, [&](int cpu) {
    pktlens_scan_val v{};
    v.start_ns = now - 1'000'000 * static_cast<uint64_t>(cpu + 1);
    for (size_t b = cpu * kBitsPerCpu; b < (cpu + 1) * kBitsPerCpu; b++) {
      v.bits[b / 64] |= 1ULL << (b % 64);
      all[b / 64] |= 1ULL << (b % 64);
    }
    return v;
  });
  ThreatCollector tc(dp.skel(), ThreatOptions{.scan_threshold = 1});
  Snapshot s;
  tc.collect(s);
  REQUIRE(s.threats.top_scan.size() == 1);
  CHECK(s.threats.top_scan[0].src == kPeer);
  CHECK(s.threats.top_scan[0].ports == linear_count(all));
}
