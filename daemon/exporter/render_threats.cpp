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
  auto half_open =
      make_family("pktlens_syn_half_open",
                  "SYNs received minus handshakes completed in the last collection interval "
                  "(floor 0), per destination address and port: one interval's view; rates "
                  "come from the two counters above.",
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
  auto echo = make_family("pktlens_icmp_echo_requests_total",
                          "ICMP echo requests (ICMPv6 type 128 for IPv6) received, per "
                          "destination address; the top-K by requests in the last interval.",
                          MetricType::Counter);
  if (t.icmp_echo_on) {
    for (const auto& a : t.top_icmp_echo) {
      std::string dst;
      if (address_label(a.family, a.addr, dst)) add_counter(echo, {{"dst", dst}}, a.packets);
    }
  }
  auto udp = make_family("pktlens_udp_dport_packets_total",
                         "UDP datagrams received, per destination port; the top-K by datagrams "
                         "in the last interval.",
                         MetricType::Counter);
  if (t.udp_ports_on) {
    for (const auto& p : t.top_udp_ports)
      add_counter(udp, {{"dport", std::to_string(p.port)}}, p.packets);
  }
  auto scan_ports = make_family("pktlens_scan_ports",
                                "Distinct destination ports a source sent TCP SYNs to in the "
                                "current scan window (estimated, see docs/metrics.md); the "
                                "top-K sources at or over the suspect threshold.",
                                MetricType::Gauge);
  auto suspects = make_family("pktlens_scan_suspects",
                              "Sources whose distinct destination ports in the current scan "
                              "window reach the suspect threshold.",
                              MetricType::Gauge);
  if (t.scan_on) {
    for (const auto& s : t.top_scan) {
      std::string src;
      if (address_label(s.family, s.src, src))
        add_gauge(scan_ports, {{"src", src}}, static_cast<double>(s.ports));
    }
    add_gauge(suspects, {}, static_cast<double>(t.scan_suspects));
  }
  return detail::families({&syns, &done, &half_open, &echo, &udp, &scan_ports, &suspects});
}

}  // namespace pktlens::exporter
