// SPDX-License-Identifier: Apache-2.0
#include "collector/map_batch.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "bpf/percpu.hpp"
#include "collector/bpf_call.hpp"

namespace pktlens::collector {

size_t MapShape::stride() const { return bpf::percpu_stride(value_size); }
size_t MapShape::element() const { return stride() * static_cast<size_t>(cpus); }

MapShape shape_of(const bpf_map* m, int cpus) {
  return MapShape{bpf_map__fd(m),         bpf_map__name(m),        bpf_map__key_size(m),
                  bpf_map__value_size(m), bpf_map__max_entries(m), cpus};
}

BatchCursor::BatchCursor(const MapShape& m, BatchBuffers& buffers, std::optional<uint32_t> from)
    // The token: a u32 bucket for hash maps, a u32 index for arrays.
    : m_(m), buf_(buffers), in_(8), out_(8), first_(!from || *from == 0) {
  if (from) std::memcpy(in_.data(), &*from, sizeof *from);
}

uint32_t BatchCursor::position() const {
  uint32_t p;
  std::memcpy(&p, out_.data(), sizeof p);
  return p;
}

bool BatchCursor::next(uint32_t want) {
  count_ = 0;
  if (end_) return true;
  uint32_t chunk = std::max<uint32_t>({1, want, grow_to_});
  for (;;) {
    if (buf_.keys.size() < size_t{chunk} * m_.key_size)
      buf_.keys.resize(size_t{chunk} * m_.key_size);
    if (buf_.values.size() < size_t{chunk} * m_.element())
      buf_.values.resize(size_t{chunk} * m_.element());
    __u32 count = chunk;
    LIBBPF_OPTS(bpf_map_batch_opts, opts);
    calls_++;
    const int rc = bpf_map_lookup_batch(m_.fd, first_ ? nullptr : in_.data(), out_.data(),
                                        buf_.keys.data(), buf_.values.data(), &count, &opts);
    const int err = rc == 0 ? 0 : error_of(rc);
    if (err != 0 && err != ENOENT) {
      if (no_batch_ops(err)) return false;
      if (err == ENOSPC && count == 0) {
        // A hash bucket holds more entries than fit: retry with room for it.
        if (chunk >= m_.max_entries)
          fail(err, std::string("batch-reading ") + m_.name + ": bucket larger than the map");
        chunk = static_cast<uint32_t>(std::min<uint64_t>(uint64_t{chunk} * 2, m_.max_entries));
        grow_to_ = chunk;
        grown_++;
        continue;
      }
      fail(err, std::string("batch-reading ") + m_.name);
    }
    count_ = count;
    // ENOENT after the last element (with a partial count); a zero count
    // with success would never advance, so stop rather than spin.
    end_ = err == ENOENT || count == 0;
    in_ = out_;
    first_ = false;
    return true;
  }
}

void walk_keys(const MapShape& m, const ElementVisit& visit) {
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

}  // namespace pktlens::collector
