// SPDX-License-Identifier: Apache-2.0
#include "exporter/render_flow_export.hpp"

#include "exporter/family_builder.hpp"

namespace pktlens::exporter {

using namespace detail;
using prometheus::MetricType;

std::vector<prometheus::MetricFamily> render_flow_export(
    const std::vector<IpfixCollectorStats>& collectors) {
  auto records = make_family(
      "pktlens_ipfix_records_sent_total",
      "IPFIX flow records the collector is known to have (TCP: acknowledged; UDP: no ICMP error).",
      MetricType::Counter);
  auto messages = make_family("pktlens_ipfix_messages_sent_total",
                              "IPFIX messages sent to the collector.", MetricType::Counter);
  auto dropped =
      make_family("pktlens_ipfix_records_dropped_total",
                  "IPFIX flow records lost: the queue was full, sending failed, unacknowledged "
                  "when the TCP connection ended, or an ICMP error named their UDP datagram.",
                  MetricType::Counter);
  auto queued = make_family("pktlens_ipfix_queued_records",
                            "IPFIX flow records waiting to be sent to the collector, or written "
                            "and not yet known as sent or dropped.",
                            MetricType::Gauge);
  for (const IpfixCollectorStats& c : collectors) {
    const Labels l{{"collector", c.collector}};
    add_counter(records, l, c.records_sent);
    add_counter(messages, l, c.messages_sent);
    add_counter(dropped, l, c.records_dropped);
    add_gauge(queued, l, static_cast<double>(c.queued_records));
  }
  return families({&records, &messages, &dropped, &queued});
}

}  // namespace pktlens::exporter
