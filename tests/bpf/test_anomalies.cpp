// SPDX-License-Identifier: Apache-2.0
// Every anomaly kind, one test each, with its exact definition
// (docs/architecture.md, "Anomaly kinds"), through all three entry points.
// Each frame's whole contribution to pktlens_if_stats is compared: the kind
// under test is 1, every other kind 0 unless the frame necessarily shows it
// too (then it is listed), and the frame is still classified and counted
// once. Frames that are clean raise none.
#include <algorithm>
#include <catch2/catch.hpp>
#include <system_error>
#include <vector>

#include "dataplane.hpp"
#include "frame_expect.hpp"
#include "packet.hpp"

using namespace pktlens::test;

namespace {

constexpr uint8_t FIN = PKTLENS_TCP_FIN, SYN = PKTLENS_TCP_SYN, RST = PKTLENS_TCP_RST,
                  PSH = PKTLENS_TCP_PSH, ACK = PKTLENS_TCP_ACK, URG = PKTLENS_TCP_URG;
constexpr uint16_t MF = 0x2000, DF = 0x4000;

constexpr auto TRUNCATED = PKTLENS_ANOM_TRUNCATED;
constexpr auto FRAGMENT = PKTLENS_ANOM_FRAGMENT;
constexpr auto TINY = PKTLENS_ANOM_TINY_FRAGMENT;

constexpr auto V4 = PKTLENS_L3_IPV4, V6 = PKTLENS_L3_IPV6, ARP = PKTLENS_L3_ARP,
               L3_OTHER = PKTLENS_L3_OTHER;
constexpr auto TCP = PKTLENS_L4_TCP, UDP = PKTLENS_L4_UDP, ICMP = PKTLENS_L4_ICMP,
               ICMPV6 = PKTLENS_L4_ICMPV6, L4_OTHER = PKTLENS_L4_OTHER;

const IpSeen kIp{};  // TOS 0, TTL 64: what the builder writes

struct Case {
  const char* what;
  Bytes frame;
  Expect expect;
  // BPF_PROG_TEST_RUN on TC refuses (EINVAL) an IPv4 frame shorter than
  // 14 + 20 bytes and an IPv6 frame shorter than 14 + 40: those run on XDP only.
  bool tc_refuses = false;
};

// Feeds every case through every entry point of one data plane.
void run_cases(const std::vector<Case>& cases, uint32_t mtu = 1500) {
  Probe p(mtu);
  for (Hook h : kHooks) {
    INFO("hook " << hook_name(h));
    for (const auto& c : cases) {
      INFO(c.what << " (" << c.frame.size() << " bytes)");
      if (c.tc_refuses && h != Hook::Xdp)
        CHECK_THROWS_AS(p.dp.run(h, c.frame), std::system_error);
      else
        p.expect(h, c.frame, c.expect);
    }
  }
}

// The first `keep` bytes of a TCP (or UDP, ICMP) header, to follow an IP
// header whose protocol is set explicitly.
Bytes tcp_head(uint8_t flags, size_t keep) {
  auto b = PacketBuilder().tcp({.flags = flags}).build();
  b.resize(keep);
  return b;
}
Bytes cut(Bytes b, size_t keep) {
  b.resize(keep);
  return b;
}

// An Ethernet frame of exactly `len` bytes: IPv4/UDP, or IPv6/UDP, after
// `tags` VLAN tags.
Bytes frame_of(size_t len, int tags, int family = 4) {
  PacketBuilder b;
  b.eth();
  if (tags >= 2) b.vlan(100, 0x88a8);
  if (tags >= 1) b.vlan(200);
  const size_t hdr = 14 + 4 * tags + (family == 4 ? 20 : 40) + 8;
  if (family == 4)
    b.ipv4().udp();
  else
    b.ipv6().udp();
  auto f = b.payload(len - hdr).build();
  REQUIRE(f.size() == len);
  return f;
}

}  // namespace

TEST_CASE("clean frames raise no anomaly", "[anomalies]") {
  const std::vector<Case> cases{
      {"IPv4/TCP SYN", PacketBuilder().eth().ipv4().tcp().build(), {V4, TCP, kIp, SYN}},
      {"IPv4/TCP SYN+ACK with MSS option (data offset 6)",
       PacketBuilder()
           .eth()
           .ipv4()
           .tcp({.flags = SYN | ACK, .options = {2, 4, 0x05, 0xb4}})
           .build(),
       {V4, TCP, kIp, SYN | ACK}},
      {"IPv4/TCP data offset 15, 40 option bytes",
       PacketBuilder().eth().ipv4().tcp({.flags = ACK, .options = Bytes(40, 1)}).build(),
       {V4, TCP, kIp, ACK}},
      {"IPv4/TCP FIN+PSH+ACK (not Xmas)",
       PacketBuilder().eth().ipv4().tcp({.flags = FIN | PSH | ACK}).payload(10).build(),
       {V4, TCP, kIp, FIN | PSH | ACK}},
      {"IPv4/UDP, DF set (not a fragment)",
       PacketBuilder().eth().ipv4({.frag = DF}).udp().payload(30).build(),
       {V4, UDP, kIp}},
      {"IPv4/UDP, total length equal to the bytes present",
       PacketBuilder().eth().ipv4({.tot_len = 28 + 30}).udp().payload(30).build(),
       {V4, UDP, kIp}},
      {"IPv4/ICMP, TTL 2",
       PacketBuilder().eth().ipv4({.ttl = 2}).icmp().build(),
       {V4, ICMP, IpSeen{0, 2}}},
      {"IPv4/UDP to 224.0.0.251, TTL 1 (link-local multicast)",
       PacketBuilder().eth().ipv4({.dst = ip4("224.0.0.251"), .ttl = 1}).udp().build(),
       {V4, UDP, IpSeen{0, 1}}},
      {"IPv4/UDP padded with Ethernet padding",
       [] {
         auto f = PacketBuilder().eth().ipv4().udp().build();
         f.resize(60, 0);
         return f;
       }(),
       {V4, UDP, kIp}},
      {"IPv6/TCP SYN", PacketBuilder().eth().ipv6().tcp().build(), {V6, TCP, kIp, SYN}},
      {"IPv6/UDP, payload length equal to the bytes present",
       PacketBuilder().eth().ipv6({.payload_len = 8 + 30}).udp().payload(30).build(),
       {V6, UDP, kIp}},
      {"IPv6/ICMPv6, extension chain",
       PacketBuilder().eth().ipv6().ipv6_ext(0).ipv6_ext(60).icmp6().build(),
       {V6, ICMPV6, kIp}},
      {"IPv6/ICMPv6 to ff02::1, hop limit 1",
       PacketBuilder().eth().ipv6({.dst = ip6("ff02::1"), .hop_limit = 1}).icmp6({134, 0}).build(),
       {V6, ICMPV6, IpSeen{0, 1}}},
      {"ARP", PacketBuilder().eth().arp().build(), {ARP, L4_OTHER}},
      {"unknown ethertype", PacketBuilder().eth().payload(46).build(), {L3_OTHER, L4_OTHER}},
      {"802.1Q + IPv4/UDP", PacketBuilder().eth().vlan(10).ipv4().udp().build(), {V4, UDP, kIp}},
      {"802.1ad + 802.1Q + IPv6/TCP",
       PacketBuilder().eth().vlan(10, 0x88a8).vlan(20).ipv6().tcp().build(),
       {V6, TCP, kIp, SYN}},
      {"1514 bytes: exactly MTU 1500 + Ethernet", frame_of(1514, 0), {V4, UDP, kIp}},
  };
  run_cases(cases);
}

TEST_CASE("anomaly truncated: a header the frame announces does not fit in it", "[anomalies]") {
  // An Ethernet header shorter than 14 bytes cannot be tested:
  // BPF_PROG_TEST_RUN rejects such frames (EINVAL).
  const std::vector<Case> cases{
      {"IPv4 ethertype, nothing after the Ethernet header",
       PacketBuilder().eth(0x0800).build(),
       {V4, L4_OTHER, {}, {}, {TRUNCATED}},
       true},
      {"IPv4 header cut at 19 bytes",
       cut(PacketBuilder().eth().ipv4().udp().build(), 14 + 19),
       {V4, L4_OTHER, {}, {}, {TRUNCATED}},
       true},
      // IHL > 5 but the options are not there: the header announces options
      // (ip_options) and is incomplete (truncated), so no L4 class.
      {"IPv4 IHL 6, only 20 header bytes",
       PacketBuilder().eth().ipv4({.version_ihl = 0x46}).build(),
       {V4, L4_OTHER, {}, {}, {TRUNCATED, PKTLENS_ANOM_IP_OPTIONS}}},
      {"IPv4 IHL 15, 30 bytes present",
       PacketBuilder().eth().ipv4({.version_ihl = 0x4f}).payload(10).build(),
       {V4, L4_OTHER, {}, {}, {TRUNCATED, PKTLENS_ANOM_IP_OPTIONS}}},
      {"802.1Q tag cut at 2 bytes",
       PacketBuilder().eth(0x8100).raw({0x00, 0x64}).build(),
       {L3_OTHER, L4_OTHER, {}, {}, {TRUNCATED}}},
      {"802.1ad tag, then an 802.1Q tag cut at 2 bytes",
       PacketBuilder().eth(0x88a8).raw({0x00, 0xc8, 0x81, 0x00, 0x01, 0x2c}).build(),
       {L3_OTHER, L4_OTHER, {}, {}, {TRUNCATED}}},
      {"IPv6 header cut at 39 bytes",
       cut(PacketBuilder().eth().ipv6().udp().build(), 14 + 39),
       {V6, L4_OTHER, {}, {}, {TRUNCATED}},
       true},
      {"IPv6 hop-by-hop header of 24 bytes, 8 present",
       PacketBuilder().eth().ipv6({.next = 0}).raw({59, 2, 1, 4, 0, 0, 0, 0}).build(),
       {V6, L4_OTHER, kIp, {}, {TRUNCATED}}},
      {"IPv6 routing header announced, no byte of it present",
       PacketBuilder().eth().ipv6({.next = 43}).build(),
       {V6, L4_OTHER, kIp, {}, {TRUNCATED}}},
      {"IPv6 destination options beyond the payload length (Ethernet padding behind)",
       PacketBuilder().eth().ipv6({.payload_len = 8}).ipv6_ext(0).ipv6_ext(60).udp().build(),
       {V6, L4_OTHER, kIp, {}, {TRUNCATED}}},
      {"IPv6 fragment header cut at 4 bytes (a fragment all the same)",
       PacketBuilder().eth().ipv6({.next = 44}).raw({17, 0, 0, 0}).build(),
       {V6, L4_OTHER, kIp, {}, {FRAGMENT, TRUNCATED}}},
      {"IPv4, TCP header cut at 19 bytes (flags present)",
       PacketBuilder().eth().ipv4({.proto = 6}).raw(tcp_head(ACK, 19)).build(),
       {V4, TCP, kIp, ACK, {TRUNCATED}}},
      {"IPv4, TCP header cut at 13 bytes (before its flags)",
       PacketBuilder().eth().ipv4({.proto = 6}).raw(tcp_head(SYN, 13)).build(),
       {V4, TCP, kIp, {}, {TRUNCATED}}},
      {"IPv6, TCP header cut at 16 bytes",
       PacketBuilder().eth().ipv6({.next = 6}).raw(tcp_head(SYN, 16)).build(),
       {V6, TCP, kIp, SYN, {TRUNCATED}}},
      {"IPv4, UDP header cut at 7 bytes",
       PacketBuilder().eth().ipv4({.proto = 17}).raw(cut(PacketBuilder().udp().build(), 7)).build(),
       {V4, UDP, kIp, {}, {TRUNCATED}}},
      {"IPv6, UDP header cut at 4 bytes",
       PacketBuilder().eth().ipv6({.next = 17}).raw(cut(PacketBuilder().udp().build(), 4)).build(),
       {V6, UDP, kIp, {}, {TRUNCATED}}},
      {"IPv4, ICMP header cut at 3 bytes",
       PacketBuilder().eth().ipv4({.proto = 1}).raw(cut(PacketBuilder().icmp().build(), 3)).build(),
       {V4, ICMP, kIp, {}, {TRUNCATED}}},
      {"IPv6, ICMPv6 header cut at 3 bytes",
       PacketBuilder()
           .eth()
           .ipv6({.next = 58})
           .raw(cut(PacketBuilder().icmp6().build(), 3))
           .build(),
       {V6, ICMPV6, kIp, {}, {TRUNCATED}}},
      {"IPv4 total length ends 2 bytes into the UDP header (Ethernet padding behind)",
       PacketBuilder().eth().ipv4({.tot_len = 22}).udp().build(),
       {V4, UDP, kIp, {}, {TRUNCATED}}},
      {"ARP cut at 6 bytes",
       PacketBuilder().eth(0x0806).raw({0, 1, 8, 0, 6, 4}).build(),
       {ARP, L4_OTHER, {}, {}, {TRUNCATED}}},
  };
  run_cases(cases);
}

TEST_CASE("anomaly bad_ip_header: IPv4 version != 4 or IHL < 5, IPv6 version != 6", "[anomalies]") {
  const std::vector<Case> cases{
      {"IPv4 ethertype, version 6",
       PacketBuilder().eth().ipv4({.version_ihl = 0x65}).udp().build(),
       {V4, L4_OTHER, {}, {}, {PKTLENS_ANOM_BAD_IP_HEADER}}},
      {"IPv4 ethertype, version 0",
       PacketBuilder().eth().ipv4({.version_ihl = 0x05}).udp().build(),
       {V4, L4_OTHER, {}, {}, {PKTLENS_ANOM_BAD_IP_HEADER}}},
      {"IPv4, IHL 4",
       PacketBuilder().eth().ipv4({.version_ihl = 0x44}).udp().build(),
       {V4, L4_OTHER, {}, {}, {PKTLENS_ANOM_BAD_IP_HEADER}}},
      {"IPv4, IHL 0",
       PacketBuilder().eth().ipv4({.version_ihl = 0x40}).udp().build(),
       {V4, L4_OTHER, {}, {}, {PKTLENS_ANOM_BAD_IP_HEADER}}},
      {"IPv6 ethertype, version 4",
       PacketBuilder().eth().ipv6({.version = 4}).udp().build(),
       {V6, L4_OTHER, {}, {}, {PKTLENS_ANOM_BAD_IP_HEADER}}},
      {"IPv6 ethertype, version 7",
       PacketBuilder().eth().ipv6({.version = 7}).tcp().build(),
       {V6, L4_OTHER, {}, {}, {PKTLENS_ANOM_BAD_IP_HEADER}}},
  };
  run_cases(cases);
}

TEST_CASE("anomaly bad_ip_length: IPv4 total length or IPv6 payload length wrong", "[anomalies]") {
  constexpr auto BAD_LEN = PKTLENS_ANOM_BAD_IP_LENGTH;
  const std::vector<Case> cases{
      {"IPv4 total length one byte more than present",
       PacketBuilder().eth().ipv4({.tot_len = 28 + 10 + 1}).udp().payload(10).build(),
       {V4, UDP, kIp, {}, {BAD_LEN}}},
      {"IPv4 total length 19, below the header length",
       PacketBuilder().eth().ipv4({.tot_len = 19}).udp().payload(10).build(),
       {V4, UDP, kIp, {}, {BAD_LEN}}},
      {"IPv4 total length 0 (not a GSO aggregate)",
       PacketBuilder().eth().ipv4({.tot_len = 0}).tcp({.flags = ACK}).payload(10).build(),
       {V4, TCP, kIp, ACK, {BAD_LEN}}},
      {"IPv4 with options, total length 23 below the 24-byte header",
       PacketBuilder().eth().ipv4({.tot_len = 23, .options = {1, 1, 1, 0}}).udp().build(),
       {V4, UDP, kIp, {}, {BAD_LEN, PKTLENS_ANOM_IP_OPTIONS}}},
      {"IPv6 payload length one byte more than present",
       PacketBuilder().eth().ipv6({.payload_len = 8 + 10 + 1}).udp().payload(10).build(),
       {V6, UDP, kIp, {}, {BAD_LEN}}},
      {"IPv6 payload length 65535",
       PacketBuilder().eth().ipv6({.payload_len = 0xffff}).tcp({.flags = ACK}).build(),
       {V6, TCP, kIp, ACK, {BAD_LEN}}},
      // 40 + 0 is never more than the bytes present. Payload length 0 with
      // data behind it is a jumbogram or a BIG TCP aggregate: the parser
      // reads the upper layer from the bytes present.
      {"IPv6 payload length 0 with a TCP segment behind it (not bad_ip_length)",
       PacketBuilder().eth().ipv6({.payload_len = 0}).tcp({.flags = ACK}).payload(100).build(),
       {V6, TCP, kIp, ACK}},
  };
  run_cases(cases);
}

TEST_CASE("IPv4 total length 0 of a GSO aggregate (BIG TCP) is not bad_ip_length", "[anomalies]") {
  Probe p;
  const auto frame =
      PacketBuilder().eth().ipv4({.tot_len = 0}).tcp({.flags = ACK}).payload(100).build();
  for (Hook h : {Hook::TcIngress, Hook::TcEgress}) {
    INFO("hook " << hook_name(h));
    // Ethernet 14 + IPv4 20 + TCP 20 bytes repeat in each segment.
    p.expect(h, frame, {V4, TCP, kIp, ACK, {}, 54}, {.gso_segs = 4});
  }
}

TEST_CASE("anomaly ttl_expired: TTL/hop limit <= 1 on ingress, except link-local multicast",
          "[anomalies]") {
  struct Row {
    const char* what;
    Bytes frame;
    pktlens_l3 l3;
    uint8_t ttl;
    bool expired;  // on ingress; never on egress
  };
  auto v4 = [](const char* dst, uint8_t ttl) {
    return PacketBuilder().eth().ipv4({.dst = ip4(dst), .ttl = ttl}).udp().build();
  };
  auto v6 = [](const char* dst, uint8_t hl) {
    return PacketBuilder().eth().ipv6({.dst = ip6(dst), .hop_limit = hl}).udp().build();
  };
  const std::vector<Row> rows{
      {"IPv4 TTL 1 to a unicast address", v4("198.18.0.2", 1), V4, 1, true},
      {"IPv4 TTL 0 to a unicast address", v4("198.18.0.2", 0), V4, 0, true},
      {"IPv4 TTL 2 to a unicast address", v4("198.18.0.2", 2), V4, 2, false},
      {"IPv4 TTL 1 to 224.0.0.251 (in 224.0.0.0/24)", v4("224.0.0.251", 1), V4, 1, false},
      {"IPv4 TTL 1 to 224.0.0.1", v4("224.0.0.1", 1), V4, 1, false},
      {"IPv4 TTL 0 to 224.0.0.255", v4("224.0.0.255", 0), V4, 0, false},
      {"IPv4 TTL 1 to 224.0.1.1 (outside 224.0.0.0/24)", v4("224.0.1.1", 1), V4, 1, true},
      {"IPv4 TTL 1 to 224.1.0.1", v4("224.1.0.1", 1), V4, 1, true},
      {"IPv4 TTL 1 to 239.255.255.250", v4("239.255.255.250", 1), V4, 1, true},
      {"IPv6 hop limit 1 to a unicast address", v6("fd00::2", 1), V6, 1, true},
      {"IPv6 hop limit 0 to a unicast address", v6("fd00::2", 0), V6, 0, true},
      {"IPv6 hop limit 2 to a unicast address", v6("fd00::2", 2), V6, 2, false},
      {"IPv6 hop limit 1 to fe80::1 (link-local unicast)", v6("fe80::1", 1), V6, 1, true},
      {"IPv6 hop limit 1 to ff02::1 (in ff02::/16)", v6("ff02::1", 1), V6, 1, false},
      {"IPv6 hop limit 1 to ff02::1:ff00:2", v6("ff02::1:ff00:2", 1), V6, 1, false},
      {"IPv6 hop limit 0 to ff02::fb", v6("ff02::fb", 0), V6, 0, false},
      {"IPv6 hop limit 1 to ff05::1:3 (site-local scope)", v6("ff05::1:3", 1), V6, 1, true},
      {"IPv6 hop limit 1 to ff12::1 (transient link-local)", v6("ff12::1", 1), V6, 1, true},
  };
  Probe p;
  for (Hook h : kHooks) {
    INFO("hook " << hook_name(h));
    const bool ingress = dir_of(h) == PKTLENS_DIR_INGRESS;
    for (const auto& r : rows) {
      INFO(r.what);
      Expect e{r.l3, UDP, IpSeen{0, r.ttl}};
      if (ingress && r.expired) e.anomalies = {PKTLENS_ANOM_TTL_EXPIRED};
      p.expect(h, r.frame, e);
    }
  }
  // In total: each expired row once per ingress hook, none on egress.
  const auto expired =
      std::count_if(rows.begin(), rows.end(), [](const Row& r) { return r.expired; });
  CHECK(expired == 10);
  CHECK(p.dp.stats(1, PKTLENS_DIR_INGRESS).anomalies[PKTLENS_ANOM_TTL_EXPIRED] == 2 * 10);
  CHECK(p.dp.stats(1, PKTLENS_DIR_EGRESS).anomalies[PKTLENS_ANOM_TTL_EXPIRED] == 0);
}

TEST_CASE("anomaly land: source address equals destination address", "[anomalies]") {
  constexpr auto LAND = PKTLENS_ANOM_LAND;
  const std::vector<Case> cases{
      {"IPv4/TCP SYN, same address and port (the LAND attack)",
       PacketBuilder()
           .eth()
           .ipv4({.src = ip4("198.18.0.7"), .dst = ip4("198.18.0.7")})
           .tcp({.sport = 139, .dport = 139})
           .build(),
       {V4, TCP, kIp, SYN, {LAND}}},
      {"IPv4/UDP, same address, other ports",
       PacketBuilder().eth().ipv4({.src = ip4("10.1.2.3"), .dst = ip4("10.1.2.3")}).udp().build(),
       {V4, UDP, kIp, {}, {LAND}}},
      {"IPv6/TCP SYN, same address",
       PacketBuilder()
           .eth()
           .ipv6({.src = ip6("2001:db8::5"), .dst = ip6("2001:db8::5")})
           .tcp()
           .build(),
       {V6, TCP, kIp, SYN, {LAND}}},
      {"IPv4, addresses differing in the last byte",
       PacketBuilder().eth().ipv4({.src = ip4("10.1.2.3"), .dst = ip4("10.1.2.4")}).udp().build(),
       {V4, UDP, kIp}},
      {"IPv4, addresses differing in the first byte",
       PacketBuilder().eth().ipv4({.src = ip4("10.1.2.3"), .dst = ip4("11.1.2.3")}).udp().build(),
       {V4, UDP, kIp}},
      {"IPv6, addresses differing in the last byte only",
       PacketBuilder()
           .eth()
           .ipv6({.src = ip6("2001:db8::5"), .dst = ip6("2001:db8::6")})
           .udp()
           .build(),
       {V6, UDP, kIp}},
      {"IPv6, addresses differing in the first half only",
       PacketBuilder()
           .eth()
           .ipv6({.src = ip6("2001:db8::5"), .dst = ip6("2001:db9::5")})
           .udp()
           .build(),
       {V6, UDP, kIp}},
  };
  run_cases(cases);
}

TEST_CASE("anomaly tcp_null: TCP with no flag set", "[anomalies]") {
  const std::vector<Case> cases{
      {"IPv4/TCP, flags 0",
       PacketBuilder().eth().ipv4().tcp({.flags = 0}).build(),
       {V4, TCP, kIp, 0, {PKTLENS_ANOM_TCP_NULL}}},
      {"IPv6/TCP, flags 0",
       PacketBuilder().eth().ipv6().tcp({.flags = 0}).payload(10).build(),
       {V6, TCP, kIp, 0, {PKTLENS_ANOM_TCP_NULL}}},
      {"IPv4/TCP, ACK only (not null)",
       PacketBuilder().eth().ipv4().tcp({.flags = ACK}).build(),
       {V4, TCP, kIp, ACK}},
  };
  run_cases(cases);
}

TEST_CASE("anomaly tcp_xmas: FIN, PSH and URG all set", "[anomalies]") {
  const std::vector<Case> cases{
      {"IPv4/TCP FIN+PSH+URG",
       PacketBuilder().eth().ipv4().tcp({.flags = FIN | PSH | URG}).build(),
       {V4, TCP, kIp, FIN | PSH | URG, {PKTLENS_ANOM_TCP_XMAS}}},
      {"IPv6/TCP FIN+PSH+URG+ACK",
       PacketBuilder().eth().ipv6().tcp({.flags = FIN | PSH | URG | ACK}).build(),
       {V6, TCP, kIp, FIN | PSH | URG | ACK, {PKTLENS_ANOM_TCP_XMAS}}},
      {"IPv4/TCP FIN+URG (not Xmas)",
       PacketBuilder().eth().ipv4().tcp({.flags = FIN | URG}).build(),
       {V4, TCP, kIp, FIN | URG}},
      {"IPv4/TCP PSH+URG (not Xmas)",
       PacketBuilder().eth().ipv4().tcp({.flags = PSH | URG}).build(),
       {V4, TCP, kIp, PSH | URG}},
  };
  run_cases(cases);
}

TEST_CASE("anomaly tcp_syn_fin: SYN and FIN both set", "[anomalies]") {
  const std::vector<Case> cases{
      {"IPv4/TCP SYN+FIN",
       PacketBuilder().eth().ipv4().tcp({.flags = SYN | FIN}).build(),
       {V4, TCP, kIp, SYN | FIN, {PKTLENS_ANOM_TCP_SYN_FIN}}},
      {"IPv6/TCP SYN+FIN+ACK",
       PacketBuilder().eth().ipv6().tcp({.flags = SYN | FIN | ACK}).build(),
       {V6, TCP, kIp, SYN | FIN | ACK, {PKTLENS_ANOM_TCP_SYN_FIN}}},
  };
  run_cases(cases);
}

TEST_CASE("anomaly tcp_syn_rst: SYN and RST both set", "[anomalies]") {
  const std::vector<Case> cases{
      {"IPv4/TCP SYN+RST",
       PacketBuilder().eth().ipv4().tcp({.flags = SYN | RST}).build(),
       {V4, TCP, kIp, SYN | RST, {PKTLENS_ANOM_TCP_SYN_RST}}},
      {"IPv6/TCP SYN+RST+ACK",
       PacketBuilder().eth().ipv6().tcp({.flags = SYN | RST | ACK}).build(),
       {V6, TCP, kIp, SYN | RST | ACK, {PKTLENS_ANOM_TCP_SYN_RST}}},
  };
  run_cases(cases);
}

TEST_CASE("anomaly bad_tcp_offset: data offset < 5 or beyond the datagram", "[anomalies]") {
  constexpr auto BAD_OFF = PKTLENS_ANOM_BAD_TCP_OFFSET;
  const std::vector<Case> cases{
      {"IPv4/TCP data offset 4",
       PacketBuilder().eth().ipv4().tcp({.flags = ACK, .doff = 4}).build(),
       {V4, TCP, kIp, ACK, {BAD_OFF}}},
      {"IPv4/TCP data offset 0, with payload",
       PacketBuilder().eth().ipv4().tcp({.flags = ACK, .doff = 0}).payload(20).build(),
       {V4, TCP, kIp, ACK, {BAD_OFF}}},
      {"IPv6/TCP data offset 4",
       PacketBuilder().eth().ipv6().tcp({.flags = SYN, .doff = 4}).build(),
       {V6, TCP, kIp, SYN, {BAD_OFF}}},
      {"IPv4/TCP data offset 15 (60 bytes), 20 present",
       PacketBuilder().eth().ipv4().tcp({.flags = ACK, .doff = 15}).build(),
       {V4, TCP, kIp, ACK, {BAD_OFF}}},
      {"IPv6/TCP data offset 6 (24 bytes), 23 present",
       PacketBuilder().eth().ipv6().tcp({.flags = ACK, .doff = 6}).payload(3).build(),
       {V6, TCP, kIp, ACK, {BAD_OFF}}},
      {"IPv4/TCP data offset 6, the options only in Ethernet padding beyond the total length",
       PacketBuilder()
           .eth()
           .ipv4({.tot_len = 40})
           .tcp({.flags = ACK, .doff = 6})
           .payload(4, 0)
           .build(),
       {V4, TCP, kIp, ACK, {BAD_OFF}}},
      {"IPv4/TCP data offset 6, exactly 24 bytes (clean)",
       PacketBuilder().eth().ipv4().tcp({.flags = ACK, .doff = 6}).payload(4, 0).build(),
       {V4, TCP, kIp, ACK}},
  };
  run_cases(cases);
}

TEST_CASE("anomaly fragment: any IPv4 fragment or IPv6 fragment header", "[anomalies]") {
  // Non-first fragments carry no L4 header but count under their protocol.
  const std::vector<Case> cases{
      {"IPv4 first fragment (MF, offset 0), UDP",
       PacketBuilder().eth().ipv4({.frag = MF}).udp().payload(64).build(),
       {V4, UDP, kIp, {}, {FRAGMENT}}},
      {"IPv4 first fragment, UDP, only 4 bytes of the UDP header (legitimate)",
       PacketBuilder()
           .eth()
           .ipv4({.proto = 17, .frag = MF})
           .raw(cut(PacketBuilder().udp().build(), 4))
           .build(),
       {V4, UDP, kIp, {}, {FRAGMENT}}},
      {"IPv4 first fragment, ICMP",
       PacketBuilder().eth().ipv4({.frag = MF}).icmp().payload(64).build(),
       {V4, ICMP, kIp, {}, {FRAGMENT}}},
      {"IPv4 first fragment, TCP with its full header",
       PacketBuilder().eth().ipv4({.frag = MF}).tcp({.flags = ACK}).payload(64).build(),
       {V4, TCP, kIp, ACK, {FRAGMENT}}},
      {"IPv4 middle fragment (MF, offset 185), UDP",
       PacketBuilder().eth().ipv4({.proto = 17, .frag = MF | 185}).payload(64).build(),
       {V4, UDP, kIp, {}, {FRAGMENT}}},
      {"IPv4 last fragment (offset 185), TCP: no flags read from payload",
       PacketBuilder().eth().ipv4({.proto = 6, .frag = 185}).payload(64, 0).build(),
       {V4, TCP, kIp, {}, {FRAGMENT}}},
      {"IPv4 last fragment (offset 8191, DF as well), ICMP",
       PacketBuilder().eth().ipv4({.proto = 1, .frag = DF | 0x1fff}).payload(8).build(),
       {V4, ICMP, kIp, {}, {FRAGMENT}}},
      {"IPv6 first fragment, UDP",
       PacketBuilder().eth().ipv6().ipv6_frag(0, true).udp().payload(64).build(),
       {V6, UDP, kIp, {}, {FRAGMENT}}},
      {"IPv6 middle fragment (offset 100), UDP",
       PacketBuilder().eth().ipv6().ipv6_frag(100, true, 1, 17).payload(64).build(),
       {V6, UDP, kIp, {}, {FRAGMENT}}},
      {"IPv6 last fragment (offset 100), ICMPv6",
       PacketBuilder().eth().ipv6().ipv6_frag(100, false, 1, 58).payload(56).build(),
       {V6, ICMPV6, kIp, {}, {FRAGMENT}}},
      {"IPv6 atomic fragment (offset 0, M clear), TCP",
       PacketBuilder().eth().ipv6().ipv6_frag(0, false).tcp({.flags = ACK}).build(),
       {V6, TCP, kIp, ACK, {FRAGMENT}}},
      {"IPv6 fragment after hop-by-hop, non-first, UDP",
       PacketBuilder().eth().ipv6().ipv6_ext(0).ipv6_frag(7, false, 1, 17).payload(24).build(),
       {V6, UDP, kIp, {}, {FRAGMENT}}},
  };
  run_cases(cases);
}

TEST_CASE("anomaly tiny_fragment: first fragment without the full TCP header, or TCP at offset 1",
          "[anomalies]") {
  const std::vector<Case> cases{
      {"IPv4 first fragment, 16 bytes of TCP (flags present)",
       PacketBuilder().eth().ipv4({.proto = 6, .frag = MF}).raw(tcp_head(SYN, 16)).build(),
       {V4, TCP, kIp, SYN, {FRAGMENT, TINY}}},
      {"IPv4 first fragment, 2 bytes of TCP (not even the ports)",
       PacketBuilder().eth().ipv4({.proto = 6, .frag = MF}).raw(tcp_head(SYN, 2)).build(),
       {V4, TCP, kIp, {}, {FRAGMENT, TINY}}},
      {"IPv4 first fragment, 8 bytes of TCP (no flags)",
       PacketBuilder().eth().ipv4({.proto = 6, .frag = MF}).raw(tcp_head(SYN, 8)).build(),
       {V4, TCP, kIp, {}, {FRAGMENT, TINY}}},
      {"IPv4 first fragment, TCP data offset 10 (40 bytes), 20 present",
       PacketBuilder().eth().ipv4({.frag = MF}).tcp({.flags = ACK, .doff = 10}).build(),
       {V4, TCP, kIp, ACK, {FRAGMENT, TINY}}},
      {"IPv4 fragment at offset 1 (8 bytes), TCP",
       PacketBuilder().eth().ipv4({.proto = 6, .frag = 1}).payload(32).build(),
       {V4, TCP, kIp, {}, {FRAGMENT, TINY}}},
      {"IPv4 fragment at offset 1 with MF, TCP",
       PacketBuilder().eth().ipv4({.proto = 6, .frag = MF | 1}).payload(32).build(),
       {V4, TCP, kIp, {}, {FRAGMENT, TINY}}},
      {"IPv4 fragment at offset 1, UDP (not TCP: not tiny)",
       PacketBuilder().eth().ipv4({.proto = 17, .frag = 1}).payload(32).build(),
       {V4, UDP, kIp, {}, {FRAGMENT}}},
      {"IPv4 fragment at offset 2, TCP (not tiny)",
       PacketBuilder().eth().ipv4({.proto = 6, .frag = 2}).payload(32).build(),
       {V4, TCP, kIp, {}, {FRAGMENT}}},
      {"IPv6 first fragment, 12 bytes of TCP",
       PacketBuilder().eth().ipv6().ipv6_frag(0, true, 1, 6).raw(tcp_head(SYN, 12)).build(),
       {V6, TCP, kIp, {}, {FRAGMENT, TINY}}},
      {"IPv6 first fragment, 19 bytes of TCP (flags present)",
       PacketBuilder().eth().ipv6().ipv6_frag(0, true, 1, 6).raw(tcp_head(FIN | ACK, 19)).build(),
       {V6, TCP, kIp, FIN | ACK, {FRAGMENT, TINY}}},
      {"IPv6 first fragment, 4 bytes of UDP (not TCP: not tiny)",
       PacketBuilder()
           .eth()
           .ipv6()
           .ipv6_frag(0, true, 1, 17)
           .raw(cut(PacketBuilder().udp().build(), 4))
           .build(),
       {V6, UDP, kIp, {}, {FRAGMENT}}},
      {"IPv6 fragment at offset 1, TCP",
       PacketBuilder().eth().ipv6().ipv6_frag(1, true, 1, 6).payload(32).build(),
       {V6, TCP, kIp, {}, {FRAGMENT, TINY}}},
      {"IPv6 fragment at offset 2, TCP (not tiny)",
       PacketBuilder().eth().ipv6().ipv6_frag(2, false, 1, 6).payload(32).build(),
       {V6, TCP, kIp, {}, {FRAGMENT}}},
  };
  run_cases(cases);
}

TEST_CASE("anomaly ip_options: IPv4 IHL > 5", "[anomalies]") {
  constexpr auto OPTS = PKTLENS_ANOM_IP_OPTIONS;
  // Record Route with room for 9 addresses: 39 bytes, then End of Options.
  Bytes rr(40, 0);
  rr[0] = 7;
  rr[1] = 39;
  rr[2] = 4;
  const std::vector<Case> cases{
      {"IPv4 IHL 6 (NOP, NOP, NOP, EOL), UDP",
       PacketBuilder().eth().ipv4({.options = {1, 1, 1, 0}}).udp().build(),
       {V4, UDP, kIp, {}, {OPTS}}},
      {"IPv4 IHL 6 (router alert), ICMP",
       PacketBuilder().eth().ipv4({.options = {0x94, 4, 0, 0}}).icmp().build(),
       {V4, ICMP, kIp, {}, {OPTS}}},
      {"IPv4 IHL 15 (record route), TCP: the TCP header after the options is read",
       PacketBuilder().eth().ipv4({.options = rr}).tcp({.flags = SYN | ACK}).build(),
       {V4, TCP, kIp, SYN | ACK, {OPTS}}},
  };
  run_cases(cases);
}

TEST_CASE("anomaly oversize: longer than MTU + 14 + 4 per in-frame VLAN tag", "[anomalies]") {
  constexpr auto OVER = PKTLENS_ANOM_OVERSIZE;
  SECTION("MTU 1500") {
    const std::vector<Case> cases{
        {"untagged, 1514 bytes", frame_of(1514, 0), {V4, UDP, kIp}},
        {"untagged, 1515 bytes", frame_of(1515, 0), {V4, UDP, kIp, {}, {OVER}}},
        {"untagged IPv6, 1515 bytes", frame_of(1515, 0, 6), {V6, UDP, kIp, {}, {OVER}}},
        {"one tag, 1518 bytes", frame_of(1518, 1), {V4, UDP, kIp}},
        {"one tag, 1519 bytes", frame_of(1519, 1), {V4, UDP, kIp, {}, {OVER}}},
        {"two tags, 1522 bytes", frame_of(1522, 2), {V4, UDP, kIp}},
        {"two tags IPv6, 1522 bytes", frame_of(1522, 2, 6), {V6, UDP, kIp}},
        {"two tags, 1523 bytes", frame_of(1523, 2), {V4, UDP, kIp, {}, {OVER}}},
        {"untagged, 3000 bytes", frame_of(3000, 0), {V4, UDP, kIp, {}, {OVER}}},
        {"ARP padded to 1515 bytes",
         PacketBuilder().eth().arp().payload(1515 - 42, 0).build(),
         {ARP, L4_OTHER, {}, {}, {OVER}}},
        {"unknown ethertype, 1515 bytes",
         PacketBuilder().eth().payload(1501).build(),
         {L3_OTHER, L4_OTHER, {}, {}, {OVER}}},
    };
    run_cases(cases, 1500);
  }
  SECTION("MTU 576") {
    run_cases({{"untagged, 590 bytes", frame_of(590, 0), {V4, UDP, kIp}},
               {"untagged, 591 bytes", frame_of(591, 0), {V4, UDP, kIp, {}, {OVER}}}},
              576);
  }
  SECTION("MTU 0 switches the check off") {
    run_cases({{"untagged, 3000 bytes", frame_of(3000, 0), {V4, UDP, kIp}},
               {"two tags, 3500 bytes", frame_of(3500, 2), {V4, UDP, kIp}}},
              0);
  }
  SECTION("a GSO aggregate on TC is never oversize") {
    Probe p(1500);
    const auto big = frame_of(3000, 0);
    for (Hook h : {Hook::TcIngress, Hook::TcEgress}) {
      INFO("hook " << hook_name(h));
      // Ethernet 14 (+ 4 per tag) + IPv4 20 + UDP 8 repeat in each segment.
      p.expect(h, big, {V4, UDP, kIp, {}, {}, 42}, {.gso_segs = 4});
      p.expect(h, frame_of(1515, 1), {V4, UDP, kIp, {}, {}, 46}, {.gso_segs = 2});
      // One segment is no aggregate: the check applies.
      p.expect(h, big, {V4, UDP, kIp, {}, {OVER}}, {.gso_segs = 1});
    }
  }
}

TEST_CASE("a frame with several problems counts once in each kind it shows", "[anomalies]") {
  const auto frame = PacketBuilder()
                         .eth()
                         .ipv4({.src = ip4("10.0.0.9"),
                                .dst = ip4("10.0.0.9"),
                                .ttl = 1,
                                .frag = MF,
                                .options = {1, 1, 1, 0}})
                         .tcp({.flags = FIN | PSH | URG | SYN, .doff = 4})
                         .payload(1500)
                         .build();
  Probe p;
  for (Hook h : kHooks) {
    INFO("hook " << hook_name(h));
    Expect e{
        V4,
        TCP,
        IpSeen{0, 1},
        FIN | PSH | URG | SYN,
        {PKTLENS_ANOM_LAND, PKTLENS_ANOM_TCP_XMAS, PKTLENS_ANOM_TCP_SYN_FIN,
         PKTLENS_ANOM_BAD_TCP_OFFSET, FRAGMENT, PKTLENS_ANOM_IP_OPTIONS, PKTLENS_ANOM_OVERSIZE}};
    if (dir_of(h) == PKTLENS_DIR_INGRESS) e.anomalies.push_back(PKTLENS_ANOM_TTL_EXPIRED);
    p.expect(h, frame, e);
  }
}
