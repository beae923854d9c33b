// SPDX-License-Identifier: Apache-2.0
// UdpPortReader (daemon/collector/udp_port_reader.*): after its first read
// it reads only the ports pktlens_udp_ports_seen names, so the programs
// must mark every port they count, and counts it finds without a mark
// (maps pinned by an older pktlensd) must be marked by that first read.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <catch2/catch.hpp>
#include <cstdint>

#include "bpf/percpu.hpp"
#include "collector/udp_port_reader.hpp"
#include "dataplane.hpp"
#include "packet.hpp"
#include "pktlens_bpf.skel.h"

using namespace pktlens;
using namespace pktlens::test;

namespace {

Bytes udp_to(uint16_t dport) {
  return PacketBuilder().eth().ipv4().udp({.sport = 5353, .dport = dport}).payload(8).build();
}

uint64_t seen_word(const Dataplane& dp, uint32_t port) {
  const uint32_t w = port / 64;
  uint64_t v = 0;
  REQUIRE(bpf_map_lookup_elem(bpf_map__fd(dp.skel()->maps.pktlens_udp_ports_seen), &w, &v) == 0);
  return v;
}

}  // namespace

TEST_CASE("UDP port counters are read by the ports the programs marked", "[collector][udp_ports]") {
  Dataplane dp;
  dp.register_iface(1, 1, 1500);
  // A count from before the bitmap: no bit.
  const uint32_t old_port = 4000;
  bpf::PerCpuValue<uint64_t> old;
  for (int cpu = 0; cpu < old.cpus(); cpu++) old.set(cpu, 10 + static_cast<uint64_t>(cpu));
  REQUIRE(bpf_map_update_elem(bpf_map__fd(dp.skel()->maps.pktlens_udp_ports), &old_port,
                              old.data(), BPF_ANY) == 0);
  uint64_t old_sum = 0;
  for (int cpu = 0; cpu < old.cpus(); cpu++) old_sum += 10 + static_cast<uint64_t>(cpu);
  REQUIRE(seen_word(dp, old_port) == 0);

  collector::UdpPortReader r(dp.skel());
  auto ports = r.read();
  CHECK(r.last_read_whole());
  CHECK(ports.size() == 1);
  CHECK(ports[4000] == old_sum);
  CHECK(seen_word(dp, old_port) == uint64_t{1} << (old_port % 64));  // marked by that read

  dp.run(Hook::TcIngress, udp_to(53), {.repeat = 5});
  dp.run(Hook::TcIngress, udp_to(4000), {.repeat = 2});
  ports = r.read();
  CHECK_FALSE(r.last_read_whole());  // one lookup a marked port
  CHECK(ports.size() == 2);
  CHECK(ports[53] == 5);  // marked by the program
  CHECK(ports[4000] == old_sum + 2);

  dp.run(Hook::TcIngress, udp_to(53), {.repeat = 3});
  dp.run(Hook::TcIngress, udp_to(65535), {.repeat = 1});
  ports = r.read();
  CHECK_FALSE(r.last_read_whole());
  CHECK(ports.size() == 3);
  CHECK(ports[53] == 8);
  CHECK(ports[65535] == 1);
}

TEST_CASE("many marked UDP ports are read whole, with the same result", "[collector][udp_ports]") {
  Dataplane dp;
  dp.register_iface(1, 1, 1500);
  collector::UdpPortReader r(dp.skel());
  r.read();
  for (uint16_t p = 1000; p < 1010; p++) dp.run(Hook::TcIngress, udp_to(p), {.repeat = p - 990u});
  // 80 words of marks, 5120 ports, only ten of them counted.
  const int fd = bpf_map__fd(dp.skel()->maps.pktlens_udp_ports_seen);
  for (uint32_t w = 100; w < 180; w++) {
    const uint64_t all = ~uint64_t{0};
    REQUIRE(bpf_map_update_elem(fd, &w, &all, BPF_ANY) == 0);
  }
  const auto ports = r.read();
  CHECK(r.last_read_whole());
  REQUIRE(ports.size() == 10);
  for (uint16_t p = 1000; p < 1010; p++) CHECK(ports.at(p) == p - 990u);
}
