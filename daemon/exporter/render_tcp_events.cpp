// SPDX-License-Identifier: Apache-2.0
#include "exporter/render_tcp_events.hpp"

#include <map>
#include <string>
#include <utility>

#include "collector/labels.hpp"
#include "exporter/family_builder.hpp"

namespace pktlens::exporter {

using detail::add_counter;
using detail::make_family;
using prometheus::MetricFamily;
using prometheus::MetricType;

std::vector<MetricFamily> render_tcp_events(const collector::Snapshot& s) {
  const collector::TcpEventCounters& t = s.tcp_events;
  auto drops = make_family("pktlens_drops_total",
                           "Packets the kernel dropped in pktlensd's network namespace, by "
                           "skb drop reason (the kernel's name without SKB_DROP_REASON_).",
                           MetricType::Counter);
  auto retransmits = make_family("pktlens_tcp_retransmits_total",
                                 "TCP segments (SYN-ACKs included) the kernel retransmitted, by "
                                 "the device of the connection's route.",
                                 MetricType::Counter);
  auto srtt = make_family("pktlens_tcp_srtt_seconds",
                          "The kernel's smoothed RTT of TCP connections, sampled at most once "
                          "per connection per 100 ms as segments arrive.",
                          MetricType::Histogram);

  if (t.drops_on)
    for (const auto& d : t.drops) add_counter(drops, {{"reason", d.label}}, d.count);

  if (t.retransmits_on) {
    std::map<std::string, uint64_t> by_name{{std::string(collector::kUnknownInterface), 0}};
    for (const auto& [ifindex, name] : s.interfaces.by_ifindex) by_name.emplace(name, 0);
    for (const auto& [ifindex, c] : t.retransmits)
      by_name[collector::interface_of_retransmits(s, ifindex, c)] += c.segments + c.synacks;
    for (const auto& [name, n] : by_name) add_counter(retransmits, {{"interface", name}}, n);
  }

  if (t.srtt_on) detail::add_latency_histogram(srtt, {}, t.srtt);

  return detail::families({&drops, &retransmits, &srtt});
}

}  // namespace pktlens::exporter
