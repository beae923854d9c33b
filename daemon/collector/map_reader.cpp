// SPDX-License-Identifier: Apache-2.0
#include "collector/map_reader.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pktlens_bpf.skel.h>  // generated in the build tree
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <system_error>
#include <tuple>
#include <vector>

#include "bpf/percpu.hpp"
#include "collector/abi_codec.hpp"
#include "collector/bpf_call.hpp"
#include "collector/map_batch.hpp"
#include "collector/percpu_sum.hpp"

namespace pktlens::collector {
namespace {

// Reads the whole map with BPF_MAP_LOOKUP_BATCH. Returns false (having
// visited nothing, or with `restart` telling the caller to discard what it
// got) when the kernel has no batch ops for this map.
bool read_batch(const MapShape& m, uint32_t chunk, const ElementVisit& visit, ReadInfo& info,
                bool& restart) {
  restart = false;
  // At most the map, and a few MiB of buffer however many CPUs there are
  // (a bucket that needs more still gets it: the cursor grows the chunk).
  constexpr size_t kMaxBatchBytes = 4 << 20;
  const auto by_bytes = static_cast<uint32_t>(
      std::min<size_t>(UINT32_MAX, kMaxBatchBytes / (m.key_size + m.element())));
  chunk = std::max<uint32_t>(1, std::min({chunk, m.max_entries, by_bytes}));
  BatchBuffers buffers;
  BatchCursor cursor(m, buffers);
  bool visited = false;
  do {
    if (!cursor.next(chunk)) {
      restart = visited;
      return false;
    }
    for (uint32_t i = 0; i < cursor.count(); i++) {
      visit(cursor.key(i), cursor.values(i));
      visited = true;
    }
  } while (!cursor.end());
  info.batch_calls += cursor.calls();
  info.chunk_grown += cursor.grown();
  return true;
}

void read_map(const MapShape& m, const ReadOptions& o, const std::function<void()>& reset,
              const ElementVisit& visit, ReadInfo& info) {
  if (!o.force_iteration) {
    bool restart = false;
    if (read_batch(m, o.batch_chunk, visit, info, restart)) {
      info.maps_batched++;
      return;
    }
    if (restart) reset();
  }
  walk_keys(m, visit);
  info.maps_iterated++;
}

// Reads the entries `keys` of an array map, one lookup each.
void read_keys(const MapShape& m, const std::vector<uint32_t>& keys, const ElementVisit& visit,
               ReadInfo& info) {
  std::vector<uint8_t> value(m.element());
  for (uint32_t k : keys) {
    if (k >= m.max_entries) continue;
    if (bpf_map_lookup_elem(m.fd, &k, value.data()) != 0)
      fail(errno, std::string("reading an element of ") + m.name);
    visit(reinterpret_cast<const uint8_t*>(&k), value.data());
  }
  info.maps_by_key++;
}

// A per-slot map (ReadOptions::slots): its keys are slot * per_slot + i.
void read_slots(const MapShape& m, const ReadOptions& o, uint32_t per_slot,
                const std::function<void()>& reset, const ElementVisit& visit, ReadInfo& info) {
  if (!o.slots) return read_map(m, o, reset, visit, info);
  std::vector<uint32_t> keys;
  keys.reserve(o.slots->size() * per_slot);
  for (uint32_t slot : *o.slots)
    for (uint32_t i = 0; i < per_slot; i++) keys.push_back(slot * per_slot + i);
  read_keys(m, keys, visit, info);
}

// Sorted by key, one record per key (the last read wins).
template <typename T, typename Key>
void sort_unique(std::vector<T>& v, Key key) {
  std::stable_sort(v.begin(), v.end(), [&](const T& a, const T& b) { return key(a) < key(b); });
  std::vector<T> out;
  out.reserve(v.size());
  for (auto& x : v) {
    if (!out.empty() && key(out.back()) == key(x))
      out.back() = x;
    else
      out.push_back(x);
  }
  v.swap(out);
}

}  // namespace

void read_percpu_map(const bpf_map* map, const std::function<void()>& reset,
                     const PerCpuVisit& visit) {
  ReadInfo info;
  const MapShape m = shape_of(map, bpf::possible_cpus());
  read_map(
      m, ReadOptions{}, reset,
      [&](const uint8_t* key, const uint8_t* values) { visit(key, values, m.stride(), m.cpus); },
      info);
}

void read_percpu_keys(const bpf_map* map, const std::vector<uint32_t>& keys,
                      const PerCpuVisit& visit) {
  ReadInfo info;
  const MapShape m = shape_of(map, bpf::possible_cpus());
  read_keys(
      m, keys,
      [&](const uint8_t* key, const uint8_t* values) { visit(key, values, m.stride(), m.cpus); },
      info);
}

Snapshot read_snapshot(pktlens_bpf* skel, const ReadOptions& o, ReadInfo* info_out) {
  ReadInfo info;
  Snapshot s;
  s.taken_ns = clock_ns(CLOCK_MONOTONIC);
  const int cpus = bpf::possible_cpus();

  if (o.counters) {
    const MapShape m = shape_of(skel->maps.pktlens_stats, cpus);
    read_slots(
        m, o, PKTLENS_DIR_MAX, [&] { s.ifaces.clear(); },
        [&](const uint8_t* key, const uint8_t* values) {
          uint32_t idx;
          std::memcpy(&idx, key, sizeof idx);
          s.ifaces[{idx / PKTLENS_DIR_MAX, static_cast<uint8_t>(idx % PKTLENS_DIR_MAX)}] =
              IfaceCounters{sum_percpu<pktlens_if_stats>(values, m.stride(), cpus, add_stats)};
        },
        info);
  }
  s.vlan_table_capacity = bpf_map__max_entries(skel->maps.pktlens_vlans);
  if (o.counters) {
    const MapShape m = shape_of(skel->maps.pktlens_vlans, cpus);
    read_map(
        m, o, [&] { s.vlans.clear(); },
        [&](const uint8_t* key, const uint8_t* values) {
          pktlens_vlan_key k;
          std::memcpy(&k, key, sizeof k);
          VlanRecord r{.ifindex = k.ifindex,
                       .dir = k.dir,
                       .vlan = k.vlan,
                       .vlan_inner = k.vlan_inner,
                       .tags = k.tags};
          const auto sum = sum_percpu<pktlens_vlan_val>(
              values, m.stride(), cpus, [](pktlens_vlan_val& a, const pktlens_vlan_val& v) {
                a.packets += v.packets;
                a.bytes += v.bytes;
              });
          r.packets = sum.packets;
          r.bytes = sum.bytes;
          s.vlans.push_back(r);
        },
        info);
    sort_unique(s.vlans, [](const VlanRecord& r) {
      return std::tuple(r.ifindex, r.dir, r.vlan, r.vlan_inner, r.tags);
    });
  }
  // .rodata is mapped read-only after the load: the switches as loaded.
  s.flows_on = skel->rodata->cfg_flows != 0;
  s.vlans_on = skel->rodata->cfg_vlans != 0;
  s.handshake_on = skel->rodata->cfg_handshake != 0;
  s.flow_key_fields = skel->rodata->cfg_flow_key;
  s.rtt_on = skel->rodata->cfg_rtt != 0;
  if (o.counters && (s.handshake_on || s.rtt_on)) {
    const MapShape m = shape_of(skel->maps.pktlens_tcp_lat, cpus);
    read_slots(
        m, o, 1, [&] { s.tcp_latency.clear(); },
        [&](const uint8_t* key, const uint8_t* values) {
          uint32_t slot;
          std::memcpy(&slot, key, sizeof slot);
          const auto sum = sum_percpu<pktlens_tcp_lat>(values, m.stride(), cpus, add_tcp_lat);
          auto& t = s.tcp_latency[slot];
          for (size_t r = 0; r < PKTLENS_HS_ROLES; r++) t.handshake[r] = sum.handshake[r];
          t.rtt = sum.rtt;
          t.syn_retransmits = sum.syn_retransmits;
          t.rtt_unsampled_packets = sum.rtt_unsampled_packets;
        },
        info);
    // Written by user space only (sweep_handshakes): a plain array.
    const MapShape tm = shape_of(skel->maps.pktlens_hs_timeouts, 1);
    read_map(
        tm, o, [] {},
        [&](const uint8_t* key, const uint8_t* value) {
          uint32_t idx;
          uint64_t n;
          std::memcpy(&idx, key, sizeof idx);
          std::memcpy(&n, value, sizeof n);
          const uint32_t slot = idx / PKTLENS_HS_ROLES;
          if (n == 0 && !s.tcp_latency.contains(slot)) return;
          s.tcp_latency[slot].handshake_timeouts[idx % PKTLENS_HS_ROLES] = n;
        },
        info);
  }
  s.flow_table_capacity = bpf_map__max_entries(skel->maps.pktlens_flows);
  if (o.flows) {
    const MapShape m = shape_of(skel->maps.pktlens_flows, cpus);
    read_map(
        m, o, [&] { s.flows.clear(); },
        [&](const uint8_t* key, const uint8_t* values) {
          const pktlens_flow_rec sum = sum_flow(key, values, m.stride(), cpus);
          s.flows.push_back(FlowRecord{.key = decode_flow_key(sum.key),
                                       .packets = sum.packets,
                                       .bytes = sum.bytes,
                                       .first_seen_ns = sum.first_seen_ns,
                                       .last_seen_ns = sum.last_seen_ns,
                                       .tcp_flags = sum.tcp_flags,
                                       .tos = sum.tos});
        },
        info);
    sort_unique(s.flows, [](const FlowRecord& r) -> const FlowKey& { return r.key; });
    s.flow_table_entries = s.flows.size();
  }
  if (info_out) *info_out = info;
  return s;
}

}  // namespace pktlens::collector
