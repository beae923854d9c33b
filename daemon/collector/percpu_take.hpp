// SPDX-License-Identifier: Apache-2.0
// Taking an element out of a per-CPU hash with the counts it holds, for the
// tables the collector expires (flows, VLANs): BPF_MAP_LOOKUP_AND_DELETE_ELEM
// reads and deletes it under its bucket lock (per-CPU hashes: Linux 5.14),
// so a packet the data plane counts meanwhile is either in the values read
// or in a new element. Where the kernel refuses it (probed as
// bpf::KernelFeatures::lookup_and_delete, or refused at the first call), a
// lookup then a delete: a packet counted between the two leaves with the
// element (the interface totals keep it).
#pragma once

#include <cstdint>
#include <vector>

#include "collector/map_batch.hpp"

namespace pktlens::collector {

class PercpuTake {
 public:
  PercpuTake(const MapShape& m, bool lookup_and_delete);

  // The element's values of every CPU (shape().stride() apart), or null
  // when the key is no longer in the map; valid until the next take().
  // Throws std::system_error on any other error.
  const uint8_t* take(const void* key);

  bool atomic() const { return lookup_and_delete_; }
  const MapShape& shape() const { return m_; }

 private:
  MapShape m_;
  bool lookup_and_delete_;
  std::vector<uint8_t> values_;
};

}  // namespace pktlens::collector
