// SPDX-License-Identifier: Apache-2.0
// UDP 198.18.0.1:sport -> 198.18.0.2:53 frames and the flow key the
// programs make of them in a test run (ifindex 1, ingress): the flows of
// the FlowTable and touch-log tests, told apart by source port.
#pragma once

#include <cstddef>
#include <cstdint>

#include "collector/snapshot.hpp"
#include "packet.hpp"

namespace pktlens::test {

inline Bytes udp_frame(uint16_t sport, size_t payload = 10) {
  return PacketBuilder().eth().ipv4().udp({.sport = sport, .dport = 53}).payload(payload).build();
}

inline collector::FlowKey udp_key(uint16_t sport) {
  collector::FlowKey k;
  k.ifindex = 1;
  k.dir = PKTLENS_DIR_INGRESS;
  k.proto = 17;
  k.family = 4;
  k.src = {198, 18, 0, 1};
  k.dst = {198, 18, 0, 2};
  k.sport = sport;
  k.dport = 53;
  return k;
}

}  // namespace pktlens::test
