// SPDX-License-Identifier: Apache-2.0
// Reads pktlens_udp_ports (65536 per-CPU counters) by the ports
// pktlens_udp_ports_seen names, one lookup each, instead of every port of
// every CPU each cycle: a whole-map read was most of an idle pktlensd's CPU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>

#include "collector/mapped_words.hpp"

struct pktlens_bpf;

namespace pktlens::collector {

class UdpPortReader {
 public:
  explicit UdpPortReader(pktlens_bpf* skel);

  // The ports with a non-zero total, summed over CPUs. The first read (and
  // every read when the bitmap cannot be mapped, or names many ports) reads
  // the whole map; the first also sets the bits of counts found without one
  // (maps pinned by an older pktlensd). Throws std::system_error.
  std::map<uint16_t, uint64_t> read();

  // How the last read went, for tests.
  bool last_read_whole() const { return last_whole_; }

 private:
  std::map<uint16_t, uint64_t> read_whole();

  pktlens_bpf* skel_;
  MappedWords seen_;
  bool repaired_ = false;
  bool last_whole_ = false;
};

}  // namespace pktlens::collector
