// SPDX-License-Identifier: Apache-2.0
// The IPFIX exporter's own counters (daemon/export/, docs/export.md) as
// metric families, one series per collector. Pure: the daemon copies the
// exporter's counts into IpfixCollectorStats each cycle.
#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <string>
#include <vector>

namespace pktlens::exporter {

struct IpfixCollectorStats {
  std::string collector;  // "host:port" as configured
  uint64_t records_sent = 0;
  uint64_t messages_sent = 0;
  uint64_t records_dropped = 0;
  uint64_t queued_records = 0;

  bool operator==(const IpfixCollectorStats&) const = default;
};

// pktlens_ipfix_records_sent_total, pktlens_ipfix_messages_sent_total,
// pktlens_ipfix_records_dropped_total (counters) and
// pktlens_ipfix_queued_records (gauge), labelled `collector`; declared
// without series when export is off.
std::vector<prometheus::MetricFamily> render_flow_export(
    const std::vector<IpfixCollectorStats>& collectors);

}  // namespace pktlens::exporter
