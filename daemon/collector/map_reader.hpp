// SPDX-License-Identifier: Apache-2.0
// Reads the pktlens maps into a Snapshot: batch lookups first, key-by-key
// iteration as the fallback where the kernel has no batch ops for a map
// (collector/map_batch.hpp). Values are summed over CPUs; nothing is deleted from the maps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "collector/snapshot.hpp"

struct pktlens_bpf;
struct bpf_map;

namespace pktlens::collector {

struct ReadOptions {
  // Skip the batch ops and iterate with get_next_key (tests; old kernels
  // are detected without it).
  bool force_iteration = false;
  // Entries requested per batch call; grown when a hash bucket does not fit.
  uint32_t batch_chunk = 4096;
  // Read pktlens_flows into Snapshot::flows. The daemon reads flows through
  // collector::FlowTable (flow_table.hpp) instead, and skips them here.
  bool flows = true;
  // Read pktlens_stats, pktlens_vlans and the TCP latency maps (off: flows
  // only, for tests).
  bool counters = true;
  // The interface slots to read of the per-slot maps (pktlens_stats,
  // pktlens_tcp_lat), one lookup each; nullopt: every slot. The tables have
  // room for interface_slots.max_entries (1024) and usually hold a few: a
  // whole-table read copied 13 MB a cycle on 2 CPUs.
  std::optional<std::vector<uint32_t>> slots;
};

// How the maps were read, for tests and a debug log line.
struct ReadInfo {
  int maps_batched = 0;
  int maps_iterated = 0;
  int maps_by_key = 0;  // per-slot maps read slot by slot (ReadOptions::slots)
  size_t batch_calls = 0;
  size_t chunk_grown = 0;  // ENOSPC retries with a bigger chunk
};

// Every element of a per-CPU map, batch-read (key-by-key where the kernel
// has no batch ops): `visit` gets the key and `cpus` values, each `stride`
// bytes apart; `reset` is called when a failed batch read must be
// discarded before the walk starts over.
using PerCpuVisit =
    std::function<void(const uint8_t* key, const uint8_t* values, size_t stride, int cpus)>;
void read_percpu_map(const bpf_map* map, const std::function<void()>& reset,
                     const PerCpuVisit& visit);
// The same for the entries `keys` of a per-CPU array only, one lookup each.
void read_percpu_keys(const bpf_map* map, const std::vector<uint32_t>& keys,
                      const PerCpuVisit& visit);

// Throws std::system_error on map errors other than "no batch ops".
Snapshot read_snapshot(pktlens_bpf* skel, const ReadOptions& o = {}, ReadInfo* info = nullptr);

}  // namespace pktlens::collector
