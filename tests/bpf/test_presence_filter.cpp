// SPDX-License-Identifier: Apache-2.0
// The collector's upkeep of the flow presence filter: counting its fill and
// clearing it when too full; tracked flows set their bits again.
#include <catch2/catch.hpp>

#include "collector/presence_filter.hpp"
#include "dataplane.hpp"
#include "packet.hpp"

using namespace pktlens::test;
using pktlens::collector::upkeep_presence_filter;

namespace {

Bytes flow_frame(uint16_t sport) {
  return PacketBuilder().eth().ipv4().udp({.sport = sport, .dport = 53}).payload(8).build();
}

}  // namespace

TEST_CASE("the presence filter is counted, cleared when too full, and refilled by hits",
          "[collector][presence]") {
  Dataplane dp({.max_flows = 1024, .flow_inserts_per_window = 0});
  dp.register_iface(1, 1, 1500);
  const auto empty = upkeep_presence_filter(dp.skel(), 1.0);
  CHECK(empty.bits_total == 128 * 64);  // 1024 flows x 8 bits
  CHECK(empty.bits_set == 0);

  for (uint16_t p = 1; p <= 2000; p++) dp.run(Hook::TcIngress, flow_frame(p));
  const auto full = upkeep_presence_filter(dp.skel(), 0.99);
  CHECK_FALSE(full.cleared);
  // Two bits per flow, some shared: more than one flow's worth, at most 2 per flow.
  CHECK(full.bits_set > 2000);
  CHECK(full.bits_set <= 4000);

  const auto cleared = upkeep_presence_filter(dp.skel(), 0.1);
  CHECK(cleared.cleared);
  CHECK(cleared.bits_set == full.bits_set);  // what it found before clearing
  CHECK(upkeep_presence_filter(dp.skel(), 1.0).bits_set == 0);

  // The last flow is still in the table: its next packet sets its bits.
  dp.run(Hook::TcIngress, flow_frame(2000));
  const auto refilled = upkeep_presence_filter(dp.skel(), 1.0);
  CHECK(refilled.bits_set >= 1);
  CHECK(refilled.bits_set <= 2);
}
