// SPDX-License-Identifier: Apache-2.0
// One IPFIX flow record as libfixbuf reads it from memory (the internal
// template), and the information elements of the templates sent (RFC 7012
// names). One internal record carries both address families; the v4 and v6
// templates on the wire each carry their own addresses, and libfixbuf
// copies the fields by name. Fields are ordered by size so the struct has
// no padding libfixbuf would not know about.
#pragma once

#include <cstdint>

namespace pktlens::flowexport {

// flowEndReason (RFC 7012, IE 136).
enum class EndReason : uint8_t {
  idle_timeout = 1,
  active_timeout = 2,
  end_of_flow = 3,
  forced_end = 4,
  lack_of_resources = 5,
};

struct IpfixRecord {
  uint64_t start_ms = 0;  // flowStartMilliseconds (Unix epoch)
  uint64_t end_ms = 0;    // flowEndMilliseconds
  uint64_t octets = 0;    // octetDeltaCount: IP header and payload
  uint64_t packets = 0;   // packetDeltaCount: packets on the wire
  uint8_t src6[16] = {};  // sourceIPv6Address
  uint8_t dst6[16] = {};  // destinationIPv6Address
  uint32_t src4 = 0;      // sourceIPv4Address, host order
  uint32_t dst4 = 0;      // destinationIPv4Address
  uint32_t ingress_if = 0;
  uint32_t egress_if = 0;
  uint16_t sport = 0;
  uint16_t dport = 0;
  uint16_t vlan = 0;        // vlanId: the outer tag
  uint16_t inner_vlan = 0;  // dot1qCustomerVlanId: the inner tag of QinQ
  uint16_t tcp_flags = 0;   // tcpControlBits
  uint8_t proto = 0;        // protocolIdentifier
  uint8_t tos = 0;          // ipClassOfService: of the flow's first packet
  uint8_t direction = 0;    // flowDirection: 0 ingress, 1 egress
  uint8_t end_reason = 0;   // flowEndReason
  uint8_t ip_version = 0;   // ipVersion: which template the record goes out with
  uint8_t padding[1] = {};  // paddingOctets, never sent
};
static_assert(sizeof(IpfixRecord) == 96);

// The options record of the exporter's counts for one collector (RFC 7011
// section 4.1 style "Exporting Process Reliability Statistics"), scoped by
// the observation domain; packed, as libfixbuf reads the fields one after
// the other.
#pragma pack(push, 1)
struct IpfixExporterTotals {
  uint32_t observation_domain = 0;  // observationDomainId (scope)
  uint64_t messages = 0;            // exportedMessageTotalCount
  uint64_t records = 0;             // exportedFlowRecordTotalCount
  uint64_t not_sent = 0;            // notSentFlowTotalCount: records dropped
};
#pragma pack(pop)
static_assert(sizeof(IpfixExporterTotals) == 28);

}  // namespace pktlens::flowexport
