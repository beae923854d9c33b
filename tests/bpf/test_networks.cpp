// SPDX-License-Identifier: Apache-2.0
// Networks (bpf/lib/networks.h) through the real programs: longest prefix
// wins, both sides, IPv4 and IPv6, action drop only at ingress and only for
// the source, the ids install_networks keeps across a new config, and the
// networks a flow entry caches.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <sched.h>

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "bpf/networks.hpp"
#include "bpf/percpu.hpp"
#include "dataplane.hpp"
#include "packet.hpp"
#include "pinned_cpu.hpp"
#include "pktlens_bpf.skel.h"

using namespace pktlens::test;
using pktlens::bpf::NetPrefix;
using pktlens::bpf::NetworkSpec;

namespace {

constexpr uint32_t kSlot = 1;
constexpr uint32_t kRepeat = 7;
constexpr int kTcPass = -1;  // TC_ACT_UNSPEC
constexpr int kTcShot = 2;   // TC_ACT_SHOT
constexpr int kXdpPass = 2;  // XDP_PASS
constexpr int kXdpDrop = 1;  // XDP_DROP

NetPrefix prefix(const std::string& cidr) {
  const auto slash = cidr.find('/');
  const std::string addr = cidr.substr(0, slash);
  NetPrefix p;
  p.length = static_cast<uint8_t>(std::stoi(cidr.substr(slash + 1)));
  p.family = addr.find(':') == std::string::npos ? 4 : 6;
  if (inet_pton(p.family == 4 ? AF_INET : AF_INET6, addr.c_str(), p.addr.data()) != 1)
    throw std::invalid_argument(cidr);
  return p;
}

NetworkSpec network(const std::string& name, std::vector<std::string> cidrs, bool drop = false) {
  NetworkSpec n{name, drop, {}};
  for (const auto& c : cidrs) n.prefixes.push_back(prefix(c));
  return n;
}

Bytes udp4(const std::string& src, const std::string& dst) {
  return PacketBuilder().eth().ipv4({.src = ip4(src), .dst = ip4(dst)}).udp().payload(30).build();
}

Bytes udp6(const std::string& src, const std::string& dst) {
  return PacketBuilder().eth().ipv6({.src = ip6(src), .dst = ip6(dst)}).udp().payload(30).build();
}

int pass_of(Hook h) { return h == Hook::Xdp ? kXdpPass : kTcPass; }
int drop_of(Hook h) { return h == Hook::Xdp ? kXdpDrop : kTcShot; }

// Everything counted for network `id` in both directions and sides.
uint64_t all_packets(const Dataplane& dp, uint32_t id) {
  uint64_t n = 0;
  for (uint8_t dir = 0; dir < PKTLENS_DIR_MAX; dir++)
    for (uint8_t side = 0; side < PKTLENS_SIDE_MAX; side++)
      n += dp.net_count(id, dir, side).packets;
  return n;
}

void check_count(const Dataplane& dp, const std::string& name, uint8_t dir, uint8_t side,
                 uint64_t packets, uint64_t bytes) {
  INFO("network " << name << " dir " << int(dir) << " side " << int(side));
  const auto c = dp.net_count(dp.network_id(name), dir, side);
  CHECK(c.packets == packets);
  CHECK(c.bytes == bytes);
}

// Source in the /24, destination only in the /16: the /24 takes the source
// side, the /16 the destination side, nothing else moves.
void check_longest_prefix(const std::vector<NetworkSpec>& nets, const Bytes& frame) {
  for (Hook h : kHooks) {
    INFO(hook_name(h));
    Dataplane dp({.networks = nets});
    dp.register_iface(1, kSlot, 1500);
    CHECK(dp.run(h, frame, {.repeat = kRepeat}).retval == pass_of(h));
    const uint8_t dir = dir_of(h);
    const uint64_t bytes = kRepeat * frame.size();
    check_count(dp, "narrow", dir, PKTLENS_SIDE_SRC, kRepeat, bytes);
    check_count(dp, "wide", dir, PKTLENS_SIDE_DST, kRepeat, bytes);
    CHECK(all_packets(dp, dp.network_id("narrow")) == kRepeat);
    CHECK(all_packets(dp, dp.network_id("wide")) == kRepeat);
    CHECK(dp.net_blocked(dp.network_id("narrow")).packets == 0);
    CHECK(dp.net_blocked(dp.network_id("wide")).packets == 0);
    CHECK(total_packets(dp.stats(kSlot, dir)) == kRepeat);
  }
}

}  // namespace

TEST_CASE("networks, IPv4: a /24 inside a /16 takes its addresses, on every hook", "[networks]") {
  check_longest_prefix({network("wide", {"198.18.0.0/16"}), network("narrow", {"198.18.5.0/24"})},
                       udp4("198.18.5.7", "198.18.9.9"));
}

TEST_CASE("networks, IPv6: a /48 inside a /32 takes its addresses, on every hook", "[networks]") {
  check_longest_prefix({network("wide", {"fd00:1::/32"}), network("narrow", {"fd00:1:5::/48"})},
                       udp6("fd00:1:5::7", "fd00:1:9::9"));
}

TEST_CASE("networks: a network with prefixes of both families counts both", "[networks]") {
  Dataplane dp({.networks = {network("lab", {"198.18.0.0/15", "fd00::/8"})}});
  dp.register_iface(1, kSlot, 1500);
  const auto f4 = udp4("198.18.0.1", "192.0.2.1");
  const auto f6 = udp6("2001:db8::1", "fd00::2");
  dp.run(Hook::TcEgress, f4, {.repeat = 3});
  dp.run(Hook::TcEgress, f6, {.repeat = 5});
  check_count(dp, "lab", PKTLENS_DIR_EGRESS, PKTLENS_SIDE_SRC, 3, 3 * f4.size());
  check_count(dp, "lab", PKTLENS_DIR_EGRESS, PKTLENS_SIDE_DST, 5, 5 * f6.size());
  CHECK(all_packets(dp, dp.network_id("lab")) == 8);
}

TEST_CASE("networks: both addresses in one network count once per side", "[networks]") {
  Dataplane dp({.networks = {network("lab", {"198.18.0.0/15"})}});
  dp.register_iface(1, kSlot, 1500);
  const auto f = udp4("198.18.0.1", "198.18.0.2");
  dp.run(Hook::Xdp, f, {.repeat = 4});
  check_count(dp, "lab", PKTLENS_DIR_INGRESS, PKTLENS_SIDE_SRC, 4, 4 * f.size());
  check_count(dp, "lab", PKTLENS_DIR_INGRESS, PKTLENS_SIDE_DST, 4, 4 * f.size());
}

TEST_CASE("networks: addresses outside every prefix, and non-IP frames, count nowhere",
          "[networks]") {
  Dataplane dp({.networks = {network("lab", {"198.18.0.0/15", "fd00::/8"}, true)}});
  dp.register_iface(1, kSlot, 1500);
  for (Hook h : kHooks) {
    CHECK(dp.run(h, udp4("192.0.2.1", "203.0.113.9")).retval == pass_of(h));
    CHECK(dp.run(h, udp6("2001:db8::1", "2001:db8::2")).retval == pass_of(h));
    CHECK(dp.run(h, PacketBuilder().eth().arp().build()).retval == pass_of(h));
  }
  CHECK(all_packets(dp, dp.network_id("lab")) == 0);
  CHECK(dp.net_blocked(dp.network_id("lab")).packets == 0);
}

TEST_CASE("networks: action drop drops the source's packets at ingress, counted first",
          "[networks]") {
  const std::vector<NetworkSpec> nets = {
      network("office", {"198.18.0.0/16", "fd00:1::/32"}),
      network("blocklist", {"198.18.66.0/24", "fd00:1:66::/48"}, true),
  };
  for (const bool v6 : {false, true}) {
    const Bytes from_blocked =
        v6 ? udp6("fd00:1:66::1", "fd00:1:1::1") : udp4("198.18.66.1", "198.18.1.1");
    const Bytes to_blocked =
        v6 ? udp6("fd00:1:1::1", "fd00:1:66::1") : udp4("198.18.1.1", "198.18.66.1");
    for (Hook h : kHooks) {
      INFO(hook_name(h) << (v6 ? " IPv6" : " IPv4"));
      Dataplane dp({.networks = nets});
      dp.register_iface(1, kSlot, 1500);
      const uint8_t dir = dir_of(h);
      const uint32_t blocklist = dp.network_id("blocklist");
      const bool drops = h != Hook::TcEgress;

      CHECK(dp.run(h, from_blocked, {.repeat = kRepeat}).retval ==
            (drops ? drop_of(h) : pass_of(h)));
      // Counted as the hook saw it: interface totals and both networks.
      CHECK(total_packets(dp.stats(kSlot, dir)) == kRepeat);
      CHECK(total_bytes(dp.stats(kSlot, dir)) == kRepeat * from_blocked.size());
      check_count(dp, "blocklist", dir, PKTLENS_SIDE_SRC, kRepeat, kRepeat * from_blocked.size());
      check_count(dp, "office", dir, PKTLENS_SIDE_DST, kRepeat, kRepeat * from_blocked.size());
      const auto blocked = dp.net_blocked(blocklist);
      CHECK(blocked.packets == (drops ? kRepeat : 0));
      CHECK(blocked.bytes == (drops ? kRepeat * from_blocked.size() : 0));

      // Toward the drop network: it is the source that decides, so it passes.
      CHECK(dp.run(h, to_blocked, {.repeat = 3}).retval == pass_of(h));
      check_count(dp, "blocklist", dir, PKTLENS_SIDE_DST, 3, 3 * to_blocked.size());
      CHECK(dp.net_blocked(blocklist).packets == (drops ? kRepeat : 0));
      CHECK(dp.net_blocked(dp.network_id("office")).packets == 0);
    }
  }
}

TEST_CASE("networks: a count-only network never drops", "[networks]") {
  Dataplane dp({.networks = {network("office", {"198.18.0.0/16"})}});
  dp.register_iface(1, kSlot, 1500);
  for (Hook h : kHooks)
    CHECK(dp.run(h, udp4("198.18.1.1", "198.18.2.2"), {.repeat = 2}).retval == pass_of(h));
  CHECK(dp.net_blocked(dp.network_id("office")).packets == 0);
  check_count(dp, "office", PKTLENS_DIR_INGRESS, PKTLENS_SIDE_SRC, 4,
              4 * udp4("198.18.1.1", "198.18.2.2").size());
}

TEST_CASE("networks: a longer count prefix inside a drop network is let through", "[networks]") {
  Dataplane dp({.networks = {network("blocklist", {"198.18.66.0/24"}, true),
                             network("partner", {"198.18.66.16/28"})}});
  dp.register_iface(1, kSlot, 1500);
  for (Hook h : {Hook::TcIngress, Hook::Xdp}) {
    CHECK(dp.run(h, udp4("198.18.66.17", "198.18.1.1")).retval == pass_of(h));
    CHECK(dp.run(h, udp4("198.18.66.15", "198.18.1.1")).retval == drop_of(h));
  }
  CHECK(dp.net_blocked(dp.network_id("blocklist")).packets == 2);
  check_count(dp, "partner", PKTLENS_DIR_INGRESS, PKTLENS_SIDE_SRC, 2,
              2 * udp4("198.18.66.17", "198.18.1.1").size());
}

TEST_CASE("networks: the loader sets cfg_net from what is configured, 0 for none", "[networks]") {
  CHECK(Dataplane().skel()->rodata->cfg_net == 0);
  CHECK(Dataplane({.networks = {network("a", {"198.18.0.0/15"})}}).skel()->rodata->cfg_net ==
        PKTLENS_NET_CFG_V4);
  CHECK(Dataplane({.networks = {network("a", {"fd00::/8"}, true)}}).skel()->rodata->cfg_net ==
        (PKTLENS_NET_CFG_V6 | PKTLENS_NET_CFG_DROP));
  CHECK(Dataplane({.networks = {network("a", {"fd00::/8"}), network("b", {"192.0.2.0/24"}, true)}})
            .skel()
            ->rodata->cfg_net == (PKTLENS_NET_CFG_V4 | PKTLENS_NET_CFG_V6 | PKTLENS_NET_CFG_DROP));

  // Without networks nothing is counted, whatever the addresses.
  Dataplane dp;
  dp.register_iface(1, kSlot, 1500);
  for (Hook h : kHooks) CHECK(dp.run(h, udp4("198.18.66.1", "198.18.1.1")).retval == pass_of(h));
  for (uint32_t id = 0; id < PKTLENS_MAX_NETWORKS; id++) {
    for (uint8_t dir = 0; dir < PKTLENS_DIR_MAX; dir++)
      for (uint8_t side = 0; side < PKTLENS_SIDE_MAX; side++)
        REQUIRE(dp.net_count(id, dir, side).packets == 0);
    REQUIRE(dp.net_blocked(id).packets == 0);
  }
}

TEST_CASE("networks: a name keeps its id under a new config; a reused id starts from 0",
          "[networks]") {
  Dataplane dp({.networks = {network("a", {"198.18.1.0/24", "198.18.3.0/24"}),
                             network("b", {"198.18.2.0/24"})}});
  dp.register_iface(1, kSlot, 1500);
  const uint32_t a = dp.network_id("a"), b = dp.network_id("b");
  CHECK(a != b);
  dp.run(Hook::TcIngress, udp4("198.18.1.1", "192.0.2.1"), {.repeat = 2});
  dp.run(Hook::TcIngress, udp4("198.18.2.1", "192.0.2.1"), {.repeat = 3});

  // b stays, a goes, c is new: b keeps its id and counts, c takes a's id,
  // zeroed. (The daemon loads a fresh object, so the tries hold only the new
  // prefixes; here c re-labels one of a's, the tries are sized for three.)
  const auto names = pktlens::bpf::install_networks(
      dp.skel(), {network("c", {"198.18.3.0/24"}), network("b", {"198.18.2.0/24"})});
  CHECK(names.at(b) == "b");
  CHECK(names.at(a) == "c");
  CHECK(dp.net_count(b, PKTLENS_DIR_INGRESS, PKTLENS_SIDE_SRC).packets == 3);
  CHECK(dp.net_count(a, PKTLENS_DIR_INGRESS, PKTLENS_SIDE_SRC).packets == 0);
  size_t used = 0;
  for (const auto& n : names) used += !n.empty();
  CHECK(used == 2);

  dp.run(Hook::TcIngress, udp4("198.18.3.1", "192.0.2.1"), {.repeat = 4});
  CHECK(dp.net_count(a, PKTLENS_DIR_INGRESS, PKTLENS_SIDE_SRC).packets == 4);
}

namespace {

// The one flow of a Dataplane, as each CPU holds it.
pktlens::bpf::PerCpuValue<pktlens_flow_val> the_flow(const Dataplane& dp) {
  const auto flows = dp.flows();
  REQUIRE(flows.size() == 1);
  auto v = pktlens::bpf::lookup_percpu<pktlens_flow_val>(dp.flows_fd(), flows[0].key);
  REQUIRE(v);
  return *v;
}

// Rewrites what every CPU cached of the flow's networks.
void plant_networks(const Dataplane& dp, uint32_t gen, uint16_t src, uint16_t dst) {
  auto v = the_flow(dp);
  for (int c = 0; c < v.cpus(); c++) {
    pktlens_flow_val x = v.at(c);
    x.net_gen = gen;
    x.net_src = src;
    x.net_dst = dst;
    v.set(c, x);
  }
  REQUIRE(bpf_map_update_elem(dp.flows_fd(), &dp.flows()[0].key, v.data(), BPF_EXIST) == 0);
}

}  // namespace

TEST_CASE("networks: a flow entry caches its networks for the program load that looked them up",
          "[networks]") {
  PinnedToOneCpu pinned;
  Dataplane dp({.networks = {network("a", {"198.18.1.0/24"}), network("b", {"198.18.2.0/24"})}});
  dp.register_iface(1, kSlot, 1500);
  const uint32_t gen = dp.skel()->rodata->cfg_net_gen;
  REQUIRE(gen != 0);
  const uint16_t a = static_cast<uint16_t>(dp.network_id("a"));
  const uint16_t b = static_cast<uint16_t>(dp.network_id("b"));
  const Bytes frame = udp4("198.18.1.1", "198.18.2.2");
  const uint8_t in = PKTLENS_DIR_INGRESS;

  // The first packet creates the flow, the second finds it and caches.
  dp.run(Hook::TcIngress, frame, {.repeat = 2});
  const auto v = the_flow(dp);
  const int cpu = sched_getcpu();
  CHECK(v.at(cpu).net_gen == gen);
  CHECK(v.at(cpu).net_src == a);
  CHECK(v.at(cpu).net_dst == b);
  check_count(dp, "a", in, PKTLENS_SIDE_SRC, 2, 2 * frame.size());
  check_count(dp, "b", in, PKTLENS_SIDE_DST, 2, 2 * frame.size());

  // What this load cached is what counts (planted the other way round).
  plant_networks(dp, gen, b, a);
  dp.run(Hook::TcIngress, frame);
  check_count(dp, "b", in, PKTLENS_SIDE_SRC, 1, frame.size());
  check_count(dp, "a", in, PKTLENS_SIDE_DST, 1, frame.size());

  // What another load cached (a reload with other networks) is looked up
  // again, and the entry takes this load's networks.
  plant_networks(dp, gen + 1, b, a);
  dp.run(Hook::TcIngress, frame);
  check_count(dp, "a", in, PKTLENS_SIDE_SRC, 3, 3 * frame.size());
  check_count(dp, "b", in, PKTLENS_SIDE_DST, 3, 3 * frame.size());
  CHECK(the_flow(dp).at(cpu).net_gen == gen);
  CHECK(the_flow(dp).at(cpu).net_src == a);
}

TEST_CASE("networks: a flow key without the source address caches nothing", "[networks]") {
  PinnedToOneCpu pinned;
  Dataplane dp({.flow_key = PKTLENS_FK_ALL & ~PKTLENS_FK_SRC,
                .networks = {network("a", {"198.18.1.0/24"}), network("b", {"198.18.2.0/24"}),
                             network("c", {"198.18.3.0/24"})}});
  dp.register_iface(1, kSlot, 1500);
  // Two sources in two networks share one flow entry: each is looked up.
  const Bytes from_a = udp4("198.18.1.1", "198.18.3.3"), from_b = udp4("198.18.2.2", "198.18.3.3");
  for (int i = 0; i < 3; i++) {
    dp.run(Hook::TcIngress, from_a);
    dp.run(Hook::TcIngress, from_b);
  }
  REQUIRE(dp.flows().size() == 1);
  check_count(dp, "a", PKTLENS_DIR_INGRESS, PKTLENS_SIDE_SRC, 3, 3 * from_a.size());
  check_count(dp, "b", PKTLENS_DIR_INGRESS, PKTLENS_SIDE_SRC, 3, 3 * from_b.size());
  check_count(dp, "c", PKTLENS_DIR_INGRESS, PKTLENS_SIDE_DST, 6,
              3 * from_a.size() + 3 * from_b.size());
}
