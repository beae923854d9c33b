// SPDX-License-Identifier: Apache-2.0
// Builds test frames layer by layer. Lengths, protocol numbers and
// checksums are filled in by build() unless a test overrides them, so a
// test states only what it is about (e.g. a wrong IPv4 total length).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace pktlens::test {

using Bytes = std::vector<uint8_t>;
using Ip4 = std::array<uint8_t, 4>;
using Ip6 = std::array<uint8_t, 16>;

Ip4 ip4(const std::string& dotted);
Ip6 ip6(const std::string& text);

struct Ipv4Opts {
  Ip4 src = ip4("198.18.0.1");
  Ip4 dst = ip4("198.18.0.2");
  uint8_t tos = 0;
  uint8_t ttl = 64;
  std::optional<uint8_t> proto;        // default: from the next layer
  uint16_t frag = 0;                   // flags (DF 0x4000, MF 0x2000) | offset in 8-byte units
  std::optional<uint16_t> tot_len;     // default: header + everything after it
  std::optional<uint8_t> version_ihl;  // default: 0x45 + options
  Bytes options;                       // padded to 4 bytes by the caller
};

struct Ipv6Opts {
  Ip6 src = ip6("fd00::1");
  Ip6 dst = ip6("fd00::2");
  uint8_t tclass = 0;
  uint8_t hop_limit = 64;
  std::optional<uint8_t> next;          // default: first ext header or next layer
  std::optional<uint16_t> payload_len;  // default: everything after the header
  std::optional<uint8_t> version;       // default 6
};

struct TcpOpts {
  uint16_t sport = 40000;
  uint16_t dport = 80;
  uint8_t flags = 0x02;  // SYN
  uint32_t seq = 1;
  uint32_t ack = 0;
  std::optional<uint8_t> doff;  // in 32-bit words; default 5 + options
  Bytes options;
};

struct UdpOpts {
  uint16_t sport = 40000;
  uint16_t dport = 53;
};

struct IcmpOpts {
  uint8_t type = 8;  // echo request (ICMPv6: use 128)
  uint8_t code = 0;
};

class PacketBuilder {
 public:
  PacketBuilder();
  PacketBuilder& eth(uint16_t ethertype_override = 0);  // 0: from next layer
  PacketBuilder& vlan(uint16_t vid, uint16_t tpid = 0x8100, uint8_t pcp = 0);
  PacketBuilder& ipv4(const Ipv4Opts& o = {});
  PacketBuilder& ipv6(const Ipv6Opts& o = {});
  // Extension header after ipv6(): hop-by-hop 0, routing 43, dest opts 60
  // (len_units = extra 8-byte units), fragment 44 (use ipv6_frag).
  PacketBuilder& ipv6_ext(uint8_t type, uint8_t len_units = 0);
  // next: the fragment header's next header; default from the next layer
  // (set it when raw bytes follow, e.g. part of a TCP header).
  PacketBuilder& ipv6_frag(uint16_t offset_units, bool more, uint32_t id = 1,
                           std::optional<uint8_t> next = std::nullopt);
  PacketBuilder& arp();
  PacketBuilder& tcp(const TcpOpts& o = {});
  PacketBuilder& udp(const UdpOpts& o = {});
  PacketBuilder& icmp(const IcmpOpts& o = {});
  PacketBuilder& icmp6(const IcmpOpts& o = {128, 0});
  PacketBuilder& payload(size_t n, uint8_t fill = 0xab);
  PacketBuilder& raw(const Bytes& b);

  Bytes build() const;

 private:
  struct Eth {
    uint16_t type_override;
  };
  struct Vlan {
    uint16_t tpid, tci;
  };
  struct Ext {
    uint8_t type, len_units;
  };
  struct Frag {
    uint16_t offset_units;
    bool more;
    uint32_t id;
    std::optional<uint8_t> next;
  };
  struct Arp {};
  struct Icmp6 {
    IcmpOpts o;
  };
  using Layer = std::variant<Eth, Vlan, Ipv4Opts, Ipv6Opts, Ext, Frag, Arp, TcpOpts, UdpOpts,
                             IcmpOpts, Icmp6, Bytes>;

  Bytes serialize(size_t i) const;  // layer i and everything after it
  std::vector<Layer> layers_;
};

// The Internet checksum (RFC 1071) over `len` bytes at `p`.
uint16_t inet_checksum(const uint8_t* p, size_t len, uint32_t sum = 0);

}  // namespace pktlens::test
