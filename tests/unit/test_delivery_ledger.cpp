// SPDX-License-Identifier: Apache-2.0
// What became of the IPFIX messages written (export/delivery_ledger.hpp):
// over TCP a message is delivered once acknowledged whole and lost when
// the connection ends before; over UDP a datagram an ICMP error names is
// lost, the others delivered after the wait.

#include <catch2/catch.hpp>
#include <chrono>

#include "export/delivery_ledger.hpp"

using pktlens::flowexport::DatagramLedger;
using pktlens::flowexport::Delivery;
using pktlens::flowexport::StreamLedger;
using namespace std::chrono_literals;

namespace {

void check(Delivery d, uint64_t delivered, uint64_t lost) {
  CHECK(d.delivered == delivered);
  CHECK(d.lost == lost);
}

}  // namespace

TEST_CASE("delivery ledger: TCP messages delivered once acknowledged whole") {
  StreamLedger l;
  l.written(100, 3);   // bytes 0..99
  l.written(250, 5);   // 100..249
  l.written(300, 0);   // the exporter's counts: no flow records
  l.written(1000, 7);  // 300..999
  CHECK(l.unconfirmed() == 15);
  check(l.acked(99), 0, 0);  // the first message not yet whole
  check(l.acked(100), 3, 0);
  check(l.acked(100), 0, 0);  // nothing twice
  check(l.acked(400), 5, 0);  // the third is part acknowledged: not delivered
  CHECK(l.unconfirmed() == 7);
  check(l.lose_rest(), 0, 7);  // the connection ends: half a message is lost
  CHECK(l.unconfirmed() == 0);
  CHECK(l.empty());
}

TEST_CASE("delivery ledger: UDP datagrams named by an ICMP error are lost, the rest delivered") {
  const DatagramLedger::Clock::time_point t0{};
  DatagramLedger l(1s);
  l.sent(0, 4, t0);
  l.sent(4, 0, t0);  // records-less, sharing the next one's number
  l.sent(4, 6, t0 + 100ms);
  l.sent(10, 2, t0 + 2s);
  check(l.refused(4), 0, 6);
  check(l.refused(4), 0, 0);   // not twice
  check(l.refused(77), 0, 0);  // unknown: nothing
  check(l.confirm(t0 + 999ms), 0, 0);
  check(l.confirm(t0 + 1s), 4, 0);
  CHECK(l.unconfirmed() == 2);
  CHECK(l.settled_at() == t0 + 3s);
  check(l.confirm_all(), 2, 0);
  CHECK(l.unconfirmed() == 0);
}
