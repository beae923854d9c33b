// SPDX-License-Identifier: Apache-2.0
#include "exporter/render_tcp_latency.hpp"

#include <string>
#include <utility>

#include "collector/labels.hpp"
#include "exporter/family_builder.hpp"

namespace pktlens::exporter {

namespace {

using detail::add_counter;
using detail::add_latency_histogram;
using detail::Labels;
using detail::make_family;
using detail::with;
using prometheus::MetricFamily;
using prometheus::MetricType;

bool any(const collector::TcpLatency& t) {
  uint64_t n = t.syn_retransmits + t.rtt_unsampled_packets + t.rtt.count;
  for (size_t r = 0; r < PKTLENS_HS_ROLES; r++) n += t.handshake[r].count + t.handshake_timeouts[r];
  return n != 0;
}

}  // namespace

std::vector<MetricFamily> render_tcp_latency(const collector::Snapshot& s) {
  auto handshake = make_family(
      "pktlens_tcp_handshake_seconds",
      "TCP handshake latency seen at TC: client, our SYN to its SYN-ACK; server, our SYN-ACK to "
      "the final ACK (first transmission to answer).",
      MetricType::Histogram);
  auto timeouts = make_family("pktlens_tcp_handshake_timeouts_total",
                              "TCP handshakes still pending after the handshake timeout, "
                              "expired by pktlensd.",
                              MetricType::Counter);
  auto syn_retx =
      make_family("pktlens_tcp_syn_retransmits_total",
                  "SYNs we sent again for a pending handshake (same initial sequence number).",
                  MetricType::Counter);
  auto rtt = make_family("pktlens_tcp_rtt_seconds",
                         "Passive TCP round-trip time from timestamp options: a TSval we sent to "
                         "the first segment echoing it (one sample per TSval).",
                         MetricType::Histogram);
  auto unsampled = make_family("pktlens_tcp_rtt_unsampled_packets_total",
                               "TCP segments (both directions) carrying no timestamp option, so "
                               "not usable for pktlens_tcp_rtt_seconds.",
                               MetricType::Counter);
  auto resets = make_family("pktlens_tcp_resets_total",
                            "TCP segments with RST (dir egress: sent, ingress: received); equal "
                            "to pktlens_tcp_flags_total{flag=\"rst\"}.",
                            MetricType::Counter);

  for (const auto& [slot, t] : s.tcp_latency) {
    const std::string* name = collector::interface_of_slot(s, slot, any(t));
    if (name == nullptr) continue;
    const Labels base{{"interface", *name}};
    if (s.handshake_measured()) {
      for (size_t r = 0; r < PKTLENS_HS_ROLES; r++) {
        const auto labels = with(base, "role", std::string(collector::kRoleNames[r]));
        add_latency_histogram(handshake, labels, t.handshake[r]);
        add_counter(timeouts, labels, t.handshake_timeouts[r]);
      }
      add_counter(syn_retx, base, t.syn_retransmits);
    }
    if (s.rtt_measured()) {
      add_latency_histogram(rtt, base, t.rtt);
      add_counter(unsampled, base, t.rtt_unsampled_packets);
    }
  }

  // Slot 0 shows when either direction counted a reset.
  uint64_t unregistered_rst = 0;
  for (const auto& [key, c] : s.ifaces)
    if (key.first == PKTLENS_SLOT_UNREGISTERED)
      unregistered_rst += c.stats.tcp_flags[PKTLENS_TCPF_RST];
  for (const auto& [key, c] : s.ifaces) {
    const auto [slot, dir] = key;
    if (!collector::direction_exported(s, dir)) continue;
    const std::string* name = collector::interface_of_slot(s, slot, unregistered_rst != 0);
    if (name == nullptr) continue;
    add_counter(resets, {{"interface", *name}, {"dir", std::string(collector::kDirNames[dir])}},
                c.stats.tcp_flags[PKTLENS_TCPF_RST]);
  }

  return detail::families({&handshake, &timeouts, &syn_retx, &rtt, &unsampled, &resets});
}

}  // namespace pktlens::exporter
