// SPDX-License-Identifier: Apache-2.0
#include "collector/udp_port_reader.hpp"

#include <bpf/libbpf.h>
#include <pktlens_bpf.skel.h>  // generated in the build tree

#include <bit>
#include <cstring>
#include <vector>

#include "collector/map_reader.hpp"
#include "collector/percpu_sum.hpp"

namespace pktlens::collector {
namespace {

// Above this many ports one lookup each costs more than the whole map.
constexpr size_t kByKeyMax = 4096;

// A visit that puts a port's non-zero total into `cur`.
PerCpuVisit add_to(std::map<uint16_t, uint64_t>& cur) {
  return [&cur](const uint8_t* key, const uint8_t* values, size_t stride, int cpus) {
    uint32_t port;
    std::memcpy(&port, key, sizeof port);
    if (const uint64_t n = sum_u64(values, stride, cpus); n != 0 && port < PKTLENS_UDP_PORTS)
      cur[static_cast<uint16_t>(port)] = n;
  };
}

}  // namespace

UdpPortReader::UdpPortReader(pktlens_bpf* skel)
    : skel_(skel), seen_(skel->maps.pktlens_udp_ports_seen) {}

std::map<uint16_t, uint64_t> UdpPortReader::read_whole() {
  std::map<uint16_t, uint64_t> cur;
  read_percpu_map(skel_->maps.pktlens_udp_ports, [&] { cur.clear(); }, add_to(cur));
  last_whole_ = true;
  return cur;
}

std::map<uint16_t, uint64_t> UdpPortReader::read() {
  const bool marks = seen_.mapped() && seen_.size() >= PKTLENS_UDP_PORT_WORDS;
  if (!marks || !repaired_) {
    auto cur = read_whole();
    if (marks) {
      // Atomic: a program may set a bit of the same word meanwhile.
      for (const auto& [port, n] : cur) seen_.fetch_or(port / 64, uint64_t{1} << (port % 64));
      repaired_ = true;
    }
    return cur;
  }
  std::vector<uint32_t> ports;
  for (uint32_t w = 0; w < PKTLENS_UDP_PORT_WORDS; w++) {
    uint64_t bits = seen_.load(w);
    while (bits) {
      ports.push_back(w * 64 + static_cast<uint32_t>(std::countr_zero(bits)));
      bits &= bits - 1;
    }
    if (ports.size() > kByKeyMax) return read_whole();
  }
  last_whole_ = false;
  std::map<uint16_t, uint64_t> cur;
  read_percpu_keys(skel_->maps.pktlens_udp_ports, ports, add_to(cur));
  return cur;
}

}  // namespace pktlens::collector
