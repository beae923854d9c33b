// SPDX-License-Identifier: Apache-2.0
// Every protocol path of the parser, through all three entry points: how a
// frame is classified (l3 x l4), and the per-frame counters that come with it
// (size and TTL histograms, DSCP, ECN, TCP flags). Each frame's contribution
// is compared with the exact expected value of every counter in
// pktlens_if_stats, not just the one a test is about.
#include <array>
#include <catch2/catch.hpp>
#include <vector>

#include "dataplane.hpp"
#include "frame_expect.hpp"
#include "packet.hpp"

using namespace pktlens::test;

namespace {

const Ip6 kLinkLocalAll = ip6("ff02::1");

struct Case {
  const char* what;
  Bytes frame;
  Expect expect;
};

}  // namespace

TEST_CASE("every protocol path is classified and counted once", "[protocols]") {
  const IpSeen ip{};
  // The builder has no AH layer: raw bytes. AH (51) measures its length in
  // 4-byte units, (len + 2) * 4 = 12 here, unlike the other extension headers.
  const Bytes ah{17, 1, 0, 0, 0, 0, 0x10, 0, 0, 0, 0, 1};

  const std::vector<Case> cases{
      {"IPv4/TCP SYN",
       PacketBuilder().eth().ipv4().tcp().build(),
       {PKTLENS_L3_IPV4, PKTLENS_L4_TCP, ip, PKTLENS_TCP_SYN}},
      {"IPv4/TCP ACK with payload",
       PacketBuilder().eth().ipv4().tcp({.flags = PKTLENS_TCP_ACK}).payload(100).build(),
       {PKTLENS_L3_IPV4, PKTLENS_L4_TCP, ip, PKTLENS_TCP_ACK}},
      {"IPv4/UDP",
       PacketBuilder().eth().ipv4().udp().payload(20).build(),
       {PKTLENS_L3_IPV4, PKTLENS_L4_UDP, ip}},
      {"IPv4/ICMP echo request",
       PacketBuilder().eth().ipv4().icmp().payload(56).build(),
       {PKTLENS_L3_IPV4, PKTLENS_L4_ICMP, ip}},
      {"IPv4/ICMP port unreachable",
       PacketBuilder().eth().ipv4().icmp({3, 3}).payload(28).build(),
       {PKTLENS_L3_IPV4, PKTLENS_L4_ICMP, ip}},
      {"IPv4/GRE (another protocol)",
       PacketBuilder().eth().ipv4({.proto = 47}).payload(24).build(),
       {PKTLENS_L3_IPV4, PKTLENS_L4_OTHER, ip}},
      {"IPv4/UDP padded to the Ethernet minimum",
       [] {
         auto f = PacketBuilder().eth().ipv4().udp().build();  // 42 bytes
         f.resize(60, 0);  // total length 28 < bytes present: padding, not an error
         return f;
       }(),
       {PKTLENS_L3_IPV4, PKTLENS_L4_UDP, ip}},
      {"IPv6/TCP SYN",
       PacketBuilder().eth().ipv6().tcp().build(),
       {PKTLENS_L3_IPV6, PKTLENS_L4_TCP, ip, PKTLENS_TCP_SYN}},
      {"IPv6/UDP",
       PacketBuilder().eth().ipv6().udp().payload(20).build(),
       {PKTLENS_L3_IPV6, PKTLENS_L4_UDP, ip}},
      {"IPv6/ICMPv6 echo request",
       PacketBuilder().eth().ipv6().icmp6().payload(56).build(),
       {PKTLENS_L3_IPV6, PKTLENS_L4_ICMPV6, ip}},
      {"IPv6/ICMPv6 neighbour solicitation to ff02::1, hop limit 255",
       PacketBuilder()
           .eth()
           .ipv6({.dst = kLinkLocalAll, .hop_limit = 255})
           .icmp6({135, 0})
           .payload(16)
           .build(),
       {PKTLENS_L3_IPV6, PKTLENS_L4_ICMPV6, IpSeen{0, 255}}},
      {"IPv6 with no next header (59)",
       PacketBuilder().eth().ipv6().build(),
       {PKTLENS_L3_IPV6, PKTLENS_L4_OTHER, ip}},
      {"IPv6 hop-by-hop, routing, destination options, UDP",
       PacketBuilder().eth().ipv6().ipv6_ext(0).ipv6_ext(43).ipv6_ext(60).udp().payload(8).build(),
       {PKTLENS_L3_IPV6, PKTLENS_L4_UDP, ip}},
      {"IPv6 hop-by-hop, destination options, routing, fragment, destination options, TCP",
       PacketBuilder()
           .eth()
           .ipv6()
           .ipv6_ext(0, 1)
           .ipv6_ext(60, 2)
           .ipv6_ext(43)
           .ipv6_frag(0, true)
           .ipv6_ext(60)
           .tcp()
           .payload(40)
           .build(),
       {PKTLENS_L3_IPV6, PKTLENS_L4_TCP, ip, PKTLENS_TCP_SYN, {PKTLENS_ANOM_FRAGMENT}}},
      {"IPv6 hop-by-hop, routing, ICMPv6",
       PacketBuilder().eth().ipv6().ipv6_ext(0, 3).ipv6_ext(43, 1).icmp6().build(),
       {PKTLENS_L3_IPV6, PKTLENS_L4_ICMPV6, ip}},
      {"IPv6 AH (4-byte units), UDP",
       PacketBuilder().eth().ipv6({.next = 51}).raw(ah).udp().build(),
       {PKTLENS_L3_IPV6, PKTLENS_L4_UDP, ip}},
      {"IPv6 with 8 extension headers (the walk limit), UDP",
       [] {
         PacketBuilder b;
         b.eth().ipv6();
         for (int i = 0; i < 8; i++) b.ipv6_ext(60);
         return b.udp().build();
       }(),
       {PKTLENS_L3_IPV6, PKTLENS_L4_UDP, ip}},
      {"IPv6 with 9 extension headers: upper layer never reached",
       [] {
         PacketBuilder b;
         b.eth().ipv6();
         for (int i = 0; i < 9; i++) b.ipv6_ext(60);
         return b.udp().build();
       }(),
       {PKTLENS_L3_IPV6, PKTLENS_L4_OTHER, ip}},
      {"ARP request", PacketBuilder().eth().arp().build(), {PKTLENS_L3_ARP, PKTLENS_L4_OTHER}},
      {"ARP padded to 60 bytes",
       PacketBuilder().eth().arp().payload(18, 0).build(),
       {PKTLENS_L3_ARP, PKTLENS_L4_OTHER}},
      {"unknown ethertype 0x88b5",
       PacketBuilder().eth().payload(46).build(),
       {PKTLENS_L3_OTHER, PKTLENS_L4_OTHER}},
      {"unknown ethertype 0x8137 (IPX)",
       PacketBuilder().eth(0x8137).payload(46).build(),
       {PKTLENS_L3_OTHER, PKTLENS_L4_OTHER}},
      {"Ethernet header only", PacketBuilder().eth().build(), {PKTLENS_L3_OTHER, PKTLENS_L4_OTHER}},
      {"802.1Q, IPv4/UDP",
       PacketBuilder().eth().vlan(100).ipv4().udp().payload(10).build(),
       {PKTLENS_L3_IPV4, PKTLENS_L4_UDP, ip}},
      {"802.1Q, IPv6/TCP",
       PacketBuilder().eth().vlan(4094).ipv6().tcp().build(),
       {PKTLENS_L3_IPV6, PKTLENS_L4_TCP, ip, PKTLENS_TCP_SYN}},
      {"802.1Q, ARP",
       PacketBuilder().eth().vlan(7).arp().build(),
       {PKTLENS_L3_ARP, PKTLENS_L4_OTHER}},
      {"802.1ad + 802.1Q, IPv4/ICMP",
       PacketBuilder().eth().vlan(200, 0x88a8).vlan(300).ipv4().icmp().build(),
       {PKTLENS_L3_IPV4, PKTLENS_L4_ICMP, ip}},
      {"802.1ad + 802.1Q, IPv6/UDP",
       PacketBuilder().eth().vlan(200, 0x88a8).vlan(300).ipv6().udp().build(),
       {PKTLENS_L3_IPV6, PKTLENS_L4_UDP, ip}},
      {"0x9100 + 802.1Q, IPv4/TCP",
       PacketBuilder().eth().vlan(10, 0x9100).vlan(20).ipv4().tcp().build(),
       {PKTLENS_L3_IPV4, PKTLENS_L4_TCP, ip, PKTLENS_TCP_SYN}},
      {"802.1Q, unknown ethertype",
       PacketBuilder().eth().vlan(5).payload(42).build(),
       {PKTLENS_L3_OTHER, PKTLENS_L4_OTHER}},
      {"three tags: the third is the ethertype after two, unknown",
       PacketBuilder().eth().vlan(1, 0x88a8).vlan(2).vlan(3).ipv4().udp().build(),
       {PKTLENS_L3_OTHER, PKTLENS_L4_OTHER}},
  };

  Probe p;
  for (Hook h : kHooks) {
    INFO("hook " << hook_name(h));
    for (const auto& c : cases) {
      INFO(c.what << " (" << c.frame.size() << " bytes)");
      REQUIRE(!c.frame.empty());
      p.expect(h, c.frame, c.expect);
    }
  }
}

TEST_CASE("frame sizes land in the size histogram buckets", "[protocols][histogram]") {
  // BPF_PROG_TEST_RUN takes at most 3712 bytes on TC and 3520 linear bytes on
  // XDP (a larger XDP frame is cut to its linear part), so the ">9000"
  // bucket cannot be reached here; it must stay empty.
  struct Size {
    size_t len;
    uint32_t bucket;
    bool tc_only;
  };
  const std::vector<Size> sizes{
      {42, 0, false},   {60, 0, false},   {64, 0, false},   {65, 1, false},   {128, 1, false},
      {129, 2, false},  {256, 2, false},  {257, 3, false},  {512, 3, false},  {513, 4, false},
      {1024, 4, false}, {1025, 5, false}, {1280, 5, false}, {1281, 6, false}, {1518, 6, false},
      {1519, 7, false}, {2048, 7, false}, {2049, 8, false}, {3520, 8, false}, {3521, 8, true},
      {3712, 8, true},
  };
  for (Hook h : kHooks) {
    INFO("hook " << hook_name(h));
    Dataplane dp;
    dp.register_iface(1, 1, 0);  // MTU 0: no oversize, these are about size only
    std::array<uint64_t, PKTLENS_SIZE_BUCKETS> want{};
    uint64_t frames = 0, bytes = 0;
    for (const auto& sz : sizes) {
      if (sz.tc_only && h == Hook::Xdp) continue;
      const auto frame = PacketBuilder().eth().ipv4().udp().payload(sz.len - 42).build();
      REQUIRE(frame.size() == sz.len);
      run_pass(dp, h, frame);
      want[sz.bucket]++;
      frames++;
      bytes += sz.len;
    }
    const auto s = dp.stats(1, dir_of(h));
    for (uint32_t i = 0; i < PKTLENS_SIZE_BUCKETS; i++) {
      INFO("size bucket " << i);
      CHECK(s.size_hist[i] == want[i]);
    }
    CHECK(s.size_hist[PKTLENS_SIZE_BUCKETS - 1] == 0);
    CHECK(total_packets(s) == frames);
    CHECK(total_bytes(s) == bytes);
    CHECK(s.packets[PKTLENS_L3_IPV4][PKTLENS_L4_UDP] == frames);
    CHECK(s.bytes[PKTLENS_L3_IPV4][PKTLENS_L4_UDP] == bytes);
    for (auto a : s.anomalies) CHECK(a == 0);
  }
}

TEST_CASE("a GSO/GRO aggregate at TC counts as its wire segments", "[protocols][gso]") {
  // TSO/GSO on egress and GRO on ingress hand TC one skb for several
  // segments; the NIC sends (or received) each with its own headers.
  // TCP with the timestamp option (doff 8): 14 + 20/40 + 32 header bytes.
  const Bytes ts{1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
  for (const int family : {4, 6}) {
    INFO("IPv" << family);
    PacketBuilder b;
    b.eth();
    if (family == 4)
      b.ipv4();
    else
      b.ipv6();
    const size_t hdr = family == 4 ? 66 : 86;
    const auto frame =
        b.tcp({.flags = PKTLENS_TCP_ACK, .options = ts}).payload(2 * 1448 + 100).build();
    REQUIRE(frame.size() == hdr + 2 * 1448 + 100);
    for (const Hook h : {Hook::TcIngress, Hook::TcEgress}) {
      INFO("hook " << hook_name(h));
      Probe p;
      const auto l3 = family == 4 ? PKTLENS_L3_IPV4 : PKTLENS_L3_IPV6;
      // Three segments: two full (hdr + 1448), the last with 100 bytes.
      p.expect(h, frame, {l3, PKTLENS_L4_TCP, IpSeen{}, PKTLENS_TCP_ACK, {}, hdr},
               {.gso_segs = 3, .gso_size = 1448});
      const auto s = p.dp.stats(1, dir_of(h));
      CHECK(s.skbs == 1);
      CHECK(total_packets(s) == 3);
      CHECK(total_bytes(s) == frame.size() + 2 * hdr);
      CHECK(s.size_hist[size_bucket(hdr + 1448)] == 2);
      CHECK(s.size_hist[size_bucket(hdr + 100)] == 1);
      const auto flows = p.dp.flows();
      REQUIRE(flows.size() == 1);
      CHECK(flows[0].val.packets == 3);
      CHECK(flows[0].val.bytes == frame.size() + 2 * hdr);
    }
  }
}

TEST_CASE("TTL and hop limit land in the TTL histogram buckets", "[protocols][histogram]") {
  struct Ttl {
    uint8_t ttl;
    uint32_t bucket;
  };
  const std::vector<Ttl> ttls{{0, 0},  {1, 0},  {2, 1},   {3, 2},   {4, 2},   {5, 3},
                              {8, 3},  {9, 4},  {16, 4},  {17, 5},  {32, 5},  {33, 6},
                              {64, 6}, {65, 7}, {128, 7}, {129, 8}, {254, 8}, {255, 8}};
  const int family = GENERATE(4, 6);
  INFO("IPv" << family);
  for (Hook h : kHooks) {
    INFO("hook " << hook_name(h));
    Dataplane dp;
    dp.register_iface(1, 1, 1500);
    std::array<uint64_t, PKTLENS_TTL_BUCKETS> want{};
    uint64_t bytes = 0;
    for (const auto& t : ttls) {
      const auto frame = family == 4
                             ? PacketBuilder().eth().ipv4({.ttl = t.ttl}).udp().build()
                             : PacketBuilder().eth().ipv6({.hop_limit = t.ttl}).udp().build();
      run_pass(dp, h, frame);
      want[t.bucket]++;
      bytes += frame.size();
    }
    const auto s = dp.stats(1, dir_of(h));
    for (uint32_t i = 0; i < PKTLENS_TTL_BUCKETS; i++) {
      INFO("ttl bucket " << i);
      CHECK(s.ttl_hist[i] == want[i]);
    }
    CHECK(total_packets(s) == ttls.size());
    CHECK(total_bytes(s) == bytes);
    // TTL 0 and 1 toward a unicast address are expired, on ingress only.
    for (int a = 0; a < PKTLENS_ANOM_MAX; a++) {
      INFO("anomaly " << pktlens::collector::kAnomalyNames[a]);
      const uint64_t want_anom =
          a == PKTLENS_ANOM_TTL_EXPIRED && dir_of(h) == PKTLENS_DIR_INGRESS ? 2 : 0;
      CHECK(s.anomalies[a] == want_anom);
    }
  }
}

TEST_CASE("DSCP and ECN code points of IPv4 TOS and IPv6 traffic class", "[protocols]") {
  struct Tos {
    const char* what;
    uint8_t tos;
    uint8_t dscp;
    uint8_t ecn;
  };
  const std::vector<Tos> marks{
      {"best effort, Not-ECT", 0x00, 0, 0},
      {"EF (46), Not-ECT", 0xb8, 46, 0},
      {"EF (46), CE", 0xbb, 46, 3},
      {"AF11 (10), Not-ECT", 0x28, 10, 0},
      {"AF11 (10), ECT(0)", 0x2a, 10, 2},
      {"AF41 (34), ECT(1)", 0x89, 34, 1},
      {"best effort, ECT(1)", 0x01, 0, 1},
      {"best effort, CE", 0x03, 0, 3},
      {"CS6 (48), Not-ECT", 0xc0, 48, 0},
      {"LE (1), ECT(0)", 0x06, 1, 2},
      {"63, CE", 0xff, 63, 3},
  };
  const int family = GENERATE(4, 6);
  INFO("IPv" << family);
  for (Hook h : kHooks) {
    INFO("hook " << hook_name(h));
    Probe p;
    std::array<uint64_t, PKTLENS_DSCP_VALUES> dscp{};
    std::array<uint64_t, PKTLENS_ECN_VALUES> ecn{};
    for (const auto& m : marks) {
      INFO(m.what);
      const auto frame = family == 4 ? PacketBuilder().eth().ipv4({.tos = m.tos}).udp().build()
                                     : PacketBuilder().eth().ipv6({.tclass = m.tos}).udp().build();
      const pktlens_l3 l3 = family == 4 ? PKTLENS_L3_IPV4 : PKTLENS_L3_IPV6;
      p.expect(h, frame, {l3, PKTLENS_L4_UDP, IpSeen{m.tos, 64}});
      // The same, stated without the helper's arithmetic.
      dscp[m.dscp]++;
      ecn[m.ecn]++;
    }
    const auto s = p.dp.stats(1, dir_of(h));
    for (int i = 0; i < PKTLENS_DSCP_VALUES; i++) {
      INFO("dscp " << i);
      CHECK(s.dscp[i] == dscp[i]);
    }
    for (int i = 0; i < PKTLENS_ECN_VALUES; i++) {
      INFO("ecn " << i);
      CHECK(s.ecn[i] == ecn[i]);
    }
    CHECK(s.dscp[46] == 2);
    CHECK(s.ecn[PKTLENS_ECN_CE] == 3);
  }
}

TEST_CASE("TCP flag counters: syn is SYN without ACK", "[protocols][tcp]") {
  constexpr uint8_t FIN = PKTLENS_TCP_FIN, SYN = PKTLENS_TCP_SYN, RST = PKTLENS_TCP_RST,
                    PSH = PKTLENS_TCP_PSH, ACK = PKTLENS_TCP_ACK, URG = PKTLENS_TCP_URG,
                    ECE = PKTLENS_TCP_ECE, CWR = PKTLENS_TCP_CWR;
  struct Row {
    const char* what;
    uint8_t flags;
    std::vector<pktlens_tcp_flag> counters;
    std::vector<pktlens_anomaly> anomalies;
  };
  const std::vector<Row> rows{
      {"SYN", SYN, {PKTLENS_TCPF_SYN}, {}},
      {"SYN+ACK", SYN | ACK, {PKTLENS_TCPF_SYNACK}, {}},
      {"ACK", ACK, {}, {}},
      {"FIN+ACK", FIN | ACK, {PKTLENS_TCPF_FIN}, {}},
      {"RST", RST, {PKTLENS_TCPF_RST}, {}},
      {"RST+ACK", RST | ACK, {PKTLENS_TCPF_RST}, {}},
      {"PSH+ACK", PSH | ACK, {PKTLENS_TCPF_PSH}, {}},
      {"URG+ACK", URG | ACK, {PKTLENS_TCPF_URG}, {}},
      {"ECN-setup SYN (SYN+ECE+CWR)",
       SYN | ECE | CWR,
       {PKTLENS_TCPF_SYN, PKTLENS_TCPF_ECE, PKTLENS_TCPF_CWR},
       {}},
      {"ECN-setup SYN+ACK (SYN+ACK+ECE)",
       SYN | ACK | ECE,
       {PKTLENS_TCPF_SYNACK, PKTLENS_TCPF_ECE},
       {}},
      {"ECE+ACK", ECE | ACK, {PKTLENS_TCPF_ECE}, {}},
      {"CWR+ACK", CWR | ACK, {PKTLENS_TCPF_CWR}, {}},
      {"FIN+PSH+ACK", FIN | PSH | ACK, {PKTLENS_TCPF_FIN, PKTLENS_TCPF_PSH}, {}},
      {"all eight",
       0xff,
       {PKTLENS_TCPF_SYNACK, PKTLENS_TCPF_FIN, PKTLENS_TCPF_RST, PKTLENS_TCPF_PSH, PKTLENS_TCPF_URG,
        PKTLENS_TCPF_ECE, PKTLENS_TCPF_CWR},
       {PKTLENS_ANOM_TCP_XMAS, PKTLENS_ANOM_TCP_SYN_FIN, PKTLENS_ANOM_TCP_SYN_RST}},
      {"none", 0, {}, {PKTLENS_ANOM_TCP_NULL}},
  };
  const int family = GENERATE(4, 6);
  INFO("IPv" << family);
  for (Hook h : kHooks) {
    INFO("hook " << hook_name(h));
    Probe p;
    for (const auto& r : rows) {
      INFO(r.what);
      const TcpOpts tcp{.flags = r.flags};
      const auto frame = family == 4 ? PacketBuilder().eth().ipv4().tcp(tcp).build()
                                     : PacketBuilder().eth().ipv6().tcp(tcp).build();
      const pktlens_l3 l3 = family == 4 ? PKTLENS_L3_IPV4 : PKTLENS_L3_IPV6;
      const Seen s = p.feed(h, frame);
      // The counters, listed by hand ...
      std::array<uint64_t, PKTLENS_TCPF_MAX> want{};
      for (auto c : r.counters) want[c] = 1;
      for (int i = 0; i < PKTLENS_TCPF_MAX; i++) {
        INFO("tcp flag counter " << pktlens::collector::kTcpFlagNames[i]);
        CHECK(s.d.tcp_flags[i] == want[i]);
      }
      // ... and everything else the frame counts.
      CHECK(stats_diff(s.d, expected_stats({l3, PKTLENS_L4_TCP, IpSeen{}, r.flags, r.anomalies},
                                           Wire{1, frame.size(), {frame.size()}})) == "");
    }
  }
}
