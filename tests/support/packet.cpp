// SPDX-License-Identifier: Apache-2.0
#include "packet.hpp"

#include <arpa/inet.h>

#include <stdexcept>

namespace pktlens::test {
namespace {

void put16(Bytes& b, size_t at, uint16_t v) {
  b[at] = v >> 8;
  b[at + 1] = v & 0xff;
}
void put32(Bytes& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; i++) b[at + i] = (v >> (24 - 8 * i)) & 0xff;
}

template <class... Ts>
struct overloaded : Ts... {
  using Ts::operator()...;
};
// Deduction guide: C++20 deduces aggregates without it, but clang < 17 does
// not implement that (P1816).
template <class... Ts>
overloaded(Ts...) -> overloaded<Ts...>;

}  // namespace

Ip4 ip4(const std::string& dotted) {
  Ip4 a{};
  if (inet_pton(AF_INET, dotted.c_str(), a.data()) != 1)
    throw std::invalid_argument("bad IPv4 address: " + dotted);
  return a;
}

Ip6 ip6(const std::string& text) {
  Ip6 a{};
  if (inet_pton(AF_INET6, text.c_str(), a.data()) != 1)
    throw std::invalid_argument("bad IPv6 address: " + text);
  return a;
}

uint16_t inet_checksum(const uint8_t* p, size_t len, uint32_t sum) {
  for (size_t i = 0; i + 1 < len; i += 2) sum += (p[i] << 8) | p[i + 1];
  if (len & 1) sum += p[len - 1] << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

PacketBuilder::PacketBuilder() = default;

PacketBuilder& PacketBuilder::eth(uint16_t t) {
  layers_.push_back(Eth{t});
  return *this;
}
PacketBuilder& PacketBuilder::vlan(uint16_t vid, uint16_t tpid, uint8_t pcp) {
  layers_.push_back(Vlan{tpid, static_cast<uint16_t>((pcp << 13) | (vid & 0x0fff))});
  return *this;
}
PacketBuilder& PacketBuilder::ipv4(const Ipv4Opts& o) {
  layers_.push_back(o);
  return *this;
}
PacketBuilder& PacketBuilder::ipv6(const Ipv6Opts& o) {
  layers_.push_back(o);
  return *this;
}
PacketBuilder& PacketBuilder::ipv6_ext(uint8_t type, uint8_t len_units) {
  layers_.push_back(Ext{type, len_units});
  return *this;
}
PacketBuilder& PacketBuilder::ipv6_frag(uint16_t offset_units, bool more, uint32_t id,
                                        std::optional<uint8_t> next) {
  layers_.push_back(Frag{offset_units, more, id, next});
  return *this;
}
PacketBuilder& PacketBuilder::arp() {
  layers_.push_back(Arp{});
  return *this;
}
PacketBuilder& PacketBuilder::tcp(const TcpOpts& o) {
  layers_.push_back(o);
  return *this;
}
PacketBuilder& PacketBuilder::udp(const UdpOpts& o) {
  layers_.push_back(o);
  return *this;
}
PacketBuilder& PacketBuilder::icmp(const IcmpOpts& o) {
  layers_.push_back(o);
  return *this;
}
PacketBuilder& PacketBuilder::icmp6(const IcmpOpts& o) {
  layers_.push_back(Icmp6{o});
  return *this;
}
PacketBuilder& PacketBuilder::payload(size_t n, uint8_t fill) {
  layers_.push_back(Bytes(n, fill));
  return *this;
}
PacketBuilder& PacketBuilder::raw(const Bytes& b) {
  layers_.push_back(b);
  return *this;
}

Bytes PacketBuilder::build() const { return serialize(0); }

Bytes PacketBuilder::serialize(size_t i) const {
  if (i >= layers_.size()) return {};
  const Bytes rest = serialize(i + 1);
  const Layer* next = i + 1 < layers_.size() ? &layers_[i + 1] : nullptr;

  // What the header of layer i calls the layer after it.
  auto ethertype_of_next = [&]() -> uint16_t {
    if (!next) return 0x88b5;  // IEEE local experimental
    return std::visit(overloaded{[](const Vlan& v) -> uint16_t { return v.tpid; },
                                 [](const Ipv4Opts&) -> uint16_t { return 0x0800; },
                                 [](const Ipv6Opts&) -> uint16_t { return 0x86dd; },
                                 [](const Arp&) -> uint16_t { return 0x0806; },
                                 [](const auto&) -> uint16_t { return 0x88b5; }},
                      *next);
  };
  auto ipproto_of_next = [&]() -> uint8_t {
    if (!next) return 59;  // IPv6 "no next header"
    return std::visit(overloaded{[](const Ext& e) -> uint8_t { return e.type; },
                                 [](const Frag&) -> uint8_t { return 44; },
                                 [](const TcpOpts&) -> uint8_t { return 6; },
                                 [](const UdpOpts&) -> uint8_t { return 17; },
                                 [](const IcmpOpts&) -> uint8_t { return 1; },
                                 [](const Icmp6&) -> uint8_t { return 58; },
                                 [](const Ipv4Opts&) -> uint8_t { return 4; },
                                 [](const Ipv6Opts&) -> uint8_t { return 41; },
                                 [](const auto&) -> uint8_t { return 253; }},
                      *next);
  };

  Bytes h = std::visit(
      overloaded{[&](const Eth& e) {
                   Bytes b{0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0, 0};
                   put16(b, 12, e.type_override ? e.type_override : ethertype_of_next());
                   return b;
                 },
                 [&](const Vlan& v) {
                   Bytes b(4);
                   put16(b, 0, v.tci);
                   put16(b, 2, ethertype_of_next());
                   return b;
                 },
                 [&](const Ipv4Opts& o) {
                   Bytes b(20 + o.options.size());
                   const size_t hl = b.size();
                   b[0] = o.version_ihl.value_or(static_cast<uint8_t>(0x40 | (hl / 4)));
                   b[1] = o.tos;
                   put16(b, 2, o.tot_len.value_or(static_cast<uint16_t>(hl + rest.size())));
                   put16(b, 4, 0x1234);
                   put16(b, 6, o.frag);
                   b[8] = o.ttl;
                   b[9] = o.proto.value_or(ipproto_of_next());
                   std::copy(o.src.begin(), o.src.end(), b.begin() + 12);
                   std::copy(o.dst.begin(), o.dst.end(), b.begin() + 16);
                   std::copy(o.options.begin(), o.options.end(), b.begin() + 20);
                   put16(b, 10, inet_checksum(b.data(), hl));
                   return b;
                 },
                 [&](const Ipv6Opts& o) {
                   Bytes b(40);
                   b[0] = static_cast<uint8_t>((o.version.value_or(6) << 4) | (o.tclass >> 4));
                   b[1] = static_cast<uint8_t>(o.tclass << 4);
                   put16(b, 4, o.payload_len.value_or(static_cast<uint16_t>(rest.size())));
                   b[6] = o.next.value_or(ipproto_of_next());
                   b[7] = o.hop_limit;
                   std::copy(o.src.begin(), o.src.end(), b.begin() + 8);
                   std::copy(o.dst.begin(), o.dst.end(), b.begin() + 24);
                   return b;
                 },
                 [&](const Ext& e) {
                   Bytes b(8 + 8 * e.len_units, 0);
                   b[0] = ipproto_of_next();
                   b[1] = e.len_units;
                   if (e.type == 0 || e.type == 60) {
                     b[2] = 1;  // PadN option covering the rest
                     b[3] = static_cast<uint8_t>(b.size() - 4);
                   }
                   return b;
                 },
                 [&](const Frag& f) {
                   Bytes b(8, 0);
                   b[0] = f.next.value_or(ipproto_of_next());
                   put16(b, 2, static_cast<uint16_t>((f.offset_units << 3) | (f.more ? 1 : 0)));
                   put32(b, 4, f.id);
                   return b;
                 },
                 [&](const Arp&) {
                   // Ethernet/IPv4 request, who-has 198.18.0.2 tell 198.18.0.1
                   return Bytes{0,   1,  8, 0, 6, 4, 0, 1, 0x02, 0, 0,   0,  0, 1,
                                198, 18, 0, 1, 0, 0, 0, 0, 0,    0, 198, 18, 0, 2};
                 },
                 [&](const TcpOpts& o) {
                   Bytes b(20 + o.options.size(), 0);
                   put16(b, 0, o.sport);
                   put16(b, 2, o.dport);
                   put32(b, 4, o.seq);
                   put32(b, 8, o.ack);
                   b[12] = static_cast<uint8_t>(o.doff.value_or(static_cast<uint8_t>(b.size() / 4))
                                                << 4);
                   b[13] = o.flags;
                   put16(b, 14, 65535);
                   std::copy(o.options.begin(), o.options.end(), b.begin() + 20);
                   return b;
                 },
                 [&](const UdpOpts& o) {
                   Bytes b(8, 0);
                   put16(b, 0, o.sport);
                   put16(b, 2, o.dport);
                   put16(b, 4, static_cast<uint16_t>(8 + rest.size()));
                   return b;
                 },
                 [&](const IcmpOpts& o) {
                   Bytes b{o.type, o.code, 0, 0, 0, 1, 0, 1};
                   return b;
                 },
                 [&](const Icmp6& o) {
                   Bytes b{o.o.type, o.o.code, 0, 0, 0, 1, 0, 1};
                   return b;
                 },
                 [&](const Bytes& raw) { return raw; }},
      layers_[i]);

  h.insert(h.end(), rest.begin(), rest.end());
  return h;
}

}  // namespace pktlens::test
