// SPDX-License-Identifier: Apache-2.0
#include "collector/udp_port_reader.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pktlens_bpf.skel.h>  // generated in the build tree
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <bit>
#include <cstring>
#include <cerrno>
#include <string>
#include <vector>

#include "bpf/percpu.hpp"
#include "collector/bpf_call.hpp"
#include "collector/map_reader.hpp"
#include "collector/percpu_sum.hpp"

namespace pktlens::collector {
namespace {

// Above this many ports one lookup each costs more than the whole map.
constexpr size_t kByKeyMax = 4096;

}  // namespace

void UdpPortsUnmap::operator()(uint64_t* p) const { munmap(p, len); }

UdpPortReader::UdpPortReader(pktlens_bpf* skel) : skel_(skel) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t len =
      (sizeof(uint64_t) * bpf_map__max_entries(skel->maps.pktlens_udp_ports_seen) + page - 1) /
      page * page;
  void* a = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED,
                 bpf_map__fd(skel->maps.pktlens_udp_ports_seen), 0);
  // Without the mapping every read is a whole one, as before the bitmap.
  if (a != MAP_FAILED) seen_ = {static_cast<uint64_t*>(a), UdpPortsUnmap{len}};
}

std::map<uint16_t, uint64_t> UdpPortReader::read_whole() {
  std::map<uint16_t, uint64_t> cur;
  read_percpu_map(
      skel_->maps.pktlens_udp_ports, [&] { cur.clear(); },
      [&](const uint8_t* key, const uint8_t* values, size_t stride, int cpus) {
        uint32_t port;
        std::memcpy(&port, key, sizeof port);
        if (const uint64_t n = sum_u64(values, stride, cpus); n != 0 && port < PKTLENS_UDP_PORTS)
          cur[static_cast<uint16_t>(port)] = n;
      });
  last_whole_ = true;
  return cur;
}

std::map<uint16_t, uint64_t> UdpPortReader::read() {
  if (!seen_ || !repaired_) {
    auto cur = read_whole();
    if (seen_) {
      // Atomic: a program may set a bit of the same word meanwhile.
      for (const auto& [port, n] : cur)
        std::atomic_ref<uint64_t>(seen_.get()[port / 64])
            .fetch_or(uint64_t{1} << (port % 64), std::memory_order_relaxed);
      repaired_ = true;
    }
    return cur;
  }
  std::vector<uint32_t> ports;
  for (uint32_t w = 0; w < PKTLENS_UDP_PORT_WORDS; w++) {
    uint64_t bits = std::atomic_ref<uint64_t>(seen_.get()[w]).load(std::memory_order_relaxed);
    while (bits) {
      ports.push_back(w * 64 + static_cast<uint32_t>(std::countr_zero(bits)));
      bits &= bits - 1;
    }
    if (ports.size() > kByKeyMax) return read_whole();
  }
  last_whole_ = false;
  const int cpus = bpf::possible_cpus();
  const int fd = bpf_map__fd(skel_->maps.pktlens_udp_ports);
  std::vector<uint64_t> values(static_cast<size_t>(cpus));
  std::map<uint16_t, uint64_t> cur;
  for (uint32_t port : ports) {
    if (bpf_map_lookup_elem(fd, &port, values.data()) != 0)
      fail(errno, "reading an element of pktlens_udp_ports");
    uint64_t n = 0;
    for (uint64_t v : values) n += v;
    if (n != 0) cur[static_cast<uint16_t>(port)] = n;
  }
  return cur;
}

}  // namespace pktlens::collector
