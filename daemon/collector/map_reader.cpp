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

namespace pktlens::collector {
namespace {

// A per-CPU map's geometry as user space sees it.
struct MapShape {
  int fd;
  const char* name;
  size_t key_size;
  size_t value_size;  // one CPU's value
  uint32_t max_entries;
  int cpus;
  size_t stride() const { return (value_size + 7) / 8 * 8; }
  size_t element() const { return stride() * static_cast<size_t>(cpus); }
};

MapShape shape_of(const bpf_map* m, int cpus) {
  return MapShape{bpf_map__fd(m),         bpf_map__name(m),        bpf_map__key_size(m),
                  bpf_map__value_size(m), bpf_map__max_entries(m), cpus};
}

// Called per element: the key and `cpus` values, each `stride` bytes apart.
using Visit = std::function<void(const uint8_t* key, const uint8_t* values)>;

// Reads the whole map with BPF_MAP_LOOKUP_BATCH. Returns false (having
// visited nothing, or with `restart` telling the caller to discard what it
// got) when the kernel has no batch ops for this map.
bool read_batch(const MapShape& m, uint32_t chunk, const Visit& visit, ReadInfo& info,
                bool& restart) {
  restart = false;
  // At most the map, and a few MiB of buffer however many CPUs there are
  // (a bucket that needs more still gets it, below).
  constexpr size_t kMaxBatchBytes = 4 << 20;
  const auto by_bytes = static_cast<uint32_t>(
      std::min<size_t>(UINT32_MAX, kMaxBatchBytes / (m.key_size + m.element())));
  chunk = std::max<uint32_t>(1, std::min({chunk, m.max_entries, by_bytes}));
  std::vector<uint8_t> keys, values;
  // The batch token: a u32 bucket for hash maps, a key for arrays.
  std::vector<uint8_t> in(std::max<size_t>(m.key_size, 8)), out(in.size());
  bool first = true;
  bool visited = false;
  for (;;) {
    keys.resize(static_cast<size_t>(chunk) * m.key_size);
    values.resize(static_cast<size_t>(chunk) * m.element());
    __u32 count = chunk;
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    info.batch_calls++;
    const int rc = bpf_map_lookup_batch(m.fd, first ? nullptr : in.data(), out.data(), keys.data(),
                                        values.data(), &count, &opts);
    const int err = rc == 0 ? 0 : error_of(rc);
    if (err != 0 && err != ENOENT) {
      if (no_batch_ops(err)) {
        restart = visited;
        return false;
      }
      if (err == ENOSPC && count == 0) {
        // A hash bucket holds more entries than fit: retry with room for it.
        if (chunk >= m.max_entries)
          fail(err, std::string("batch-reading ") + m.name + ": bucket larger than the map");
        chunk = static_cast<uint32_t>(std::min<uint64_t>(uint64_t{chunk} * 2, m.max_entries));
        info.chunk_grown++;
        continue;
      }
      fail(err, std::string("batch-reading ") + m.name);
    }
    for (__u32 i = 0; i < count; i++) {
      visit(keys.data() + i * m.key_size, values.data() + i * m.element());
      visited = true;
    }
    if (err == ENOENT) return true;  // the end; `count` may be partial
    // The kernel returns ENOENT after the last element; a zero count with
    // success would never advance, so stop rather than spin.
    if (count == 0) return true;
    in = out;
    first = false;
  }
}

// get_next_key + lookup. An element deleted meanwhile (LRU eviction) is
// skipped; a deleted cursor restarts the walk from the first key, so the
// caller de-duplicates, and the walk is bounded.
void read_iterate(const MapShape& m, const Visit& visit) {
  std::vector<uint8_t> key(m.key_size), next(m.key_size), value(m.element());
  const void* prev = nullptr;
  const uint64_t limit = uint64_t{m.max_entries} * 4 + 16;
  for (uint64_t n = 0; n < limit; n++) {
    if (bpf_map_get_next_key(m.fd, prev, next.data()) != 0) {
      const int err = errno;
      if (err == ENOENT) return;
      fail(err, std::string("iterating ") + m.name);
    }
    if (bpf_map_lookup_elem(m.fd, next.data(), value.data()) == 0) {
      visit(next.data(), value.data());
    } else if (errno != ENOENT) {
      fail(errno, std::string("reading an element of ") + m.name);
    }
    key.swap(next);
    prev = key.data();
  }
}

void read_map(const MapShape& m, const ReadOptions& o, const std::function<void()>& reset,
              const Visit& visit, ReadInfo& info) {
  if (!o.force_iteration) {
    bool restart = false;
    if (read_batch(m, o.batch_chunk, visit, info, restart)) {
      info.maps_batched++;
      return;
    }
    if (restart) reset();
  }
  read_iterate(m, visit);
  info.maps_iterated++;
}

template <typename T>
T value_at(const uint8_t* values, size_t stride, int cpu) {
  T v;
  std::memcpy(&v, values + static_cast<size_t>(cpu) * stride, sizeof v);
  return v;
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

Snapshot read_snapshot(pktlens_bpf* skel, const ReadOptions& o, ReadInfo* info_out) {
  ReadInfo info;
  Snapshot s;
  s.taken_ns = clock_ns(CLOCK_MONOTONIC);
  const int cpus = bpf::possible_cpus();

  if (o.counters) {
    const MapShape m = shape_of(skel->maps.pktlens_stats, cpus);
    read_map(
        m, o, [&] { s.ifaces.clear(); },
        [&](const uint8_t* key, const uint8_t* values) {
          uint32_t idx;
          std::memcpy(&idx, key, sizeof idx);
          IfaceCounters c;
          for (int cpu = 0; cpu < cpus; cpu++)
            add_stats(c.stats, value_at<pktlens_if_stats>(values, m.stride(), cpu));
          s.ifaces[{idx / PKTLENS_DIR_MAX, static_cast<uint8_t>(idx % PKTLENS_DIR_MAX)}] = c;
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
          for (int cpu = 0; cpu < cpus; cpu++) {
            const auto v = value_at<pktlens_vlan_val>(values, m.stride(), cpu);
            r.packets += v.packets;
            r.bytes += v.bytes;
          }
          s.vlans.push_back(r);
        },
        info);
    sort_unique(s.vlans, [](const VlanRecord& r) {
      return std::tuple(r.ifindex, r.dir, r.vlan, r.vlan_inner, r.tags);
    });
  }
  // .rodata is mapped read-only after the load: the switches as loaded.
  s.handshake_on = skel->rodata->cfg_handshake != 0;
  s.rtt_on = skel->rodata->cfg_rtt != 0;
  if (o.counters && (s.handshake_on || s.rtt_on)) {
    const MapShape m = shape_of(skel->maps.pktlens_tcp_lat, cpus);
    read_map(
        m, o, [&] { s.tcp_latency.clear(); },
        [&](const uint8_t* key, const uint8_t* values) {
          uint32_t slot;
          std::memcpy(&slot, key, sizeof slot);
          pktlens_tcp_lat sum{};
          for (int cpu = 0; cpu < cpus; cpu++)
            add_tcp_lat(sum, value_at<pktlens_tcp_lat>(values, m.stride(), cpu));
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
          pktlens_flow_key k;
          std::memcpy(&k, key, sizeof k);
          FlowRecord r{.key = decode_flow_key(k)};
          for (int cpu = 0; cpu < cpus; cpu++) {
            const auto v = value_at<pktlens_flow_val>(values, m.stride(), cpu);
            r.packets += v.packets;
            r.bytes += v.bytes;
            if (v.first_seen_ns && (!r.first_seen_ns || v.first_seen_ns < r.first_seen_ns))
              r.first_seen_ns = v.first_seen_ns;
            r.last_seen_ns = std::max<uint64_t>(r.last_seen_ns, v.last_seen_ns);
            r.tcp_flags |= v.tcp_flags;
          }
          s.flows.push_back(r);
        },
        info);
    sort_unique(s.flows, [](const FlowRecord& r) -> const FlowKey& { return r.key; });
    s.flow_table_entries = s.flows.size();
  }
  if (info_out) *info_out = info;
  return s;
}

}  // namespace pktlens::collector
