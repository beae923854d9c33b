// SPDX-License-Identifier: Apache-2.0
// The one way the collector walks a map: BPF_MAP_LOOKUP_BATCH a chunk at a
// time (BatchCursor), and key by key (walk_keys) where the kernel has no
// batch ops for a map. Used by the whole-map reads (map_reader) and by the
// flow table's parallel scan (flow_scan), which starts cursors at bucket
// ranges of its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

struct bpf_map;

namespace pktlens::collector {

// A map's geometry as user space sees it; `cpus` 1 for a map that is not
// per-CPU.
struct MapShape {
  int fd = -1;
  const char* name = "";
  size_t key_size = 0;
  size_t value_size = 0;  // one CPU's value
  uint32_t max_entries = 0;
  int cpus = 1;
  size_t stride() const;   // bytes between two CPUs' values
  size_t element() const;  // one element's values, every CPU
};
MapShape shape_of(const bpf_map* m, int cpus);

// Buffers a cursor fills; kept by the caller across cursors so a scan that
// reads many ranges allocates once.
struct BatchBuffers {
  std::vector<uint8_t> keys, values;
};

class BatchCursor {
 public:
  // from: the batch token to start at (a bucket index for hash maps);
  // nullopt: the start of the map.
  BatchCursor(const MapShape& m, BatchBuffers& buffers, std::optional<uint32_t> from = {});

  // Reads the next chunk of up to `want` elements; a hash bucket larger
  // than that is returned whole (the chunk grows). False when the kernel
  // has no batch ops for this map (nothing was read by this call); throws
  // std::system_error on other errors. After the chunk with end() true
  // there is nothing more to read.
  bool next(uint32_t want);

  uint32_t count() const { return count_; }
  bool end() const { return end_; }
  const uint8_t* key(uint32_t i) const { return buf_.keys.data() + i * m_.key_size; }
  const uint8_t* values(uint32_t i) const { return buf_.values.data() + i * m_.element(); }
  // The token after the last chunk: for hash maps the next bucket to read.
  uint32_t position() const;
  size_t calls() const { return calls_; }
  size_t grown() const { return grown_; }  // chunks enlarged for a large bucket

 private:
  MapShape m_;
  BatchBuffers& buf_;
  std::vector<uint8_t> in_, out_;
  bool first_;
  uint32_t count_ = 0;
  bool end_ = false;
  uint32_t grow_to_ = 0;
  size_t calls_ = 0;
  size_t grown_ = 0;
};

// Called per element: the key and `cpus` values, stride() bytes apart.
using ElementVisit = std::function<void(const uint8_t* key, const uint8_t* values)>;

// get_next_key + lookup over the whole map, for kernels without batch ops.
// An element deleted meanwhile (LRU eviction) is skipped; a deleted cursor
// restarts the walk from the first key, so an element can be visited
// twice (callers de-duplicate) and the walk is bounded.
void walk_keys(const MapShape& m, const ElementVisit& visit);

}  // namespace pktlens::collector
