// SPDX-License-Identifier: Apache-2.0
#include "exporter/render_threats.hpp"

#include <string>
#include <utility>

#include "exporter/family_builder.hpp"

namespace pktlens::exporter {

namespace {

using detail::add_counter;
using detail::add_gauge;
using detail::address_label;
using detail::Labels;
using detail::make_family;
using prometheus::MetricFamily;
using prometheus::MetricType;

}  // namespace

std::vector<MetricFamily> render_threats(const collector::ThreatSignals& t) {
  auto syns = make_family("pktlens_tcp_syn_received_total",
                          "TCP SYNs without ACK received (ingress), per destination address and "
                          "port; the top-K destinations by SYNs in the last interval.",
                          MetricType::Counter);
  auto done = make_family("pktlens_tcp_handshakes_completed_total",
                          "TCP handshakes completed as server: the peer acked our SYN-ACK (TC, "
                          "with handshake tracking); same destinations as "
                          "pktlens_tcp_syn_received_total.",
                          MetricType::Counter);
  auto half_open = make_family("pktlens_syn_half_open",
                               "SYNs received minus handshakes completed in the last interval "
                               "(floor 0), per destination address and port.",
                               MetricType::Gauge);
  if (t.syn_on) {
    for (const auto& d : t.top_syn) {
      std::string dst;
      if (!address_label(d.family, d.dst, dst)) continue;
      const Labels labels{{"dst", dst}, {"dport", std::to_string(d.dport)}};
      add_counter(syns, labels, d.syns);
      if (t.handshakes_on) {
        add_counter(done, labels, d.handshakes);
        add_gauge(half_open, labels, static_cast<double>(d.half_open()));
      }
    }
  }
  std::vector<MetricFamily> out;
  for (auto* f : {&syns, &done, &half_open})
    if (!f->metric.empty()) out.push_back(std::move(*f));
  return out;
}

}  // namespace pktlens::exporter
