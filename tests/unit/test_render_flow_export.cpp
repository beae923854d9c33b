// SPDX-License-Identifier: Apache-2.0
// The IPFIX exporter's counters per collector: the exact exposition text.

#include <catch2/catch.hpp>
#include <string>

#include "exporter/render_flow_export.hpp"
#include "exposition.hpp"

using namespace pktlens;
using test::serialize;

TEST_CASE("IPFIX export metrics: golden text, one series per collector") {
  const std::vector<exporter::IpfixCollectorStats> collectors{{"198.18.0.10:4739", 1000, 12, 7, 3},
                                                              {"[fd00::10]:4739", 0, 0, 1007, 0}};
  CHECK(
      serialize(exporter::render_flow_export(collectors)) ==
      R"golden(# HELP pktlens_ipfix_records_sent_total IPFIX flow records the collector is known to have (TCP: acknowledged; UDP: no ICMP error).
# TYPE pktlens_ipfix_records_sent_total counter
pktlens_ipfix_records_sent_total{collector="198.18.0.10:4739"} 1000
pktlens_ipfix_records_sent_total{collector="[fd00::10]:4739"} 0
# HELP pktlens_ipfix_messages_sent_total IPFIX messages sent to the collector.
# TYPE pktlens_ipfix_messages_sent_total counter
pktlens_ipfix_messages_sent_total{collector="198.18.0.10:4739"} 12
pktlens_ipfix_messages_sent_total{collector="[fd00::10]:4739"} 0
# HELP pktlens_ipfix_records_dropped_total IPFIX flow records lost: the queue was full, sending failed, unacknowledged when the TCP connection ended, or an ICMP error named their UDP datagram.
# TYPE pktlens_ipfix_records_dropped_total counter
pktlens_ipfix_records_dropped_total{collector="198.18.0.10:4739"} 7
pktlens_ipfix_records_dropped_total{collector="[fd00::10]:4739"} 1007
# HELP pktlens_ipfix_queued_records IPFIX flow records waiting to be sent to the collector, or written and not yet known as sent or dropped.
# TYPE pktlens_ipfix_queued_records gauge
pktlens_ipfix_queued_records{collector="198.18.0.10:4739"} 3
pktlens_ipfix_queued_records{collector="[fd00::10]:4739"} 0
)golden");
}

TEST_CASE("IPFIX export metrics: declared without series when export is off") {
  const std::string text = serialize(exporter::render_flow_export({}));
  CHECK(text.find("# TYPE pktlens_ipfix_records_dropped_total counter\n") != std::string::npos);
  CHECK(text.find("\npktlens_ipfix_") == std::string::npos);
}
