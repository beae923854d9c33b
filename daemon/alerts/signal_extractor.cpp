// SPDX-License-Identifier: Apache-2.0
// Adding a signal: write its function below, add it to signal_sources(),
// and a test in tests/unit/test_signal_extractor.cpp.
#include "alerts/signal_extractor.hpp"

#include <map>
#include <string>
#include <vector>

#include "collector/address_text.hpp"
#include "collector/labels.hpp"

namespace pktlens::alerts {
namespace {

using collector::Snapshot;

// Calls `emit(labels-so-far, before, now)` with the stats of both
// snapshots of each named (slot, dir) present in both. Slot 0 is named
// "unregistered" whether or not it counted a frame.
template <typename Emit>
void per_interface(const SignalInputs& in, Emit emit) {
  for (const auto& [key, c] : in.now.ifaces) {
    const auto [slot, dir] = key;
    if (dir >= PKTLENS_DIR_MAX) continue;
    const std::string* name = collector::interface_of_slot(in.now, slot, true);
    const auto prev = in.before.ifaces.find(key);
    if (name == nullptr || prev == in.before.ifaces.end()) continue;
    emit(Labels{{"interface", *name}, {"dir", std::string(collector::kDirNames[dir])}},
         prev->second.stats, c.stats);
  }
}

uint64_t sum_packets(const pktlens_if_stats& s) {
  uint64_t n = 0;
  for (const auto& row : s.packets)
    for (uint64_t v : row) n += v;
  return n;
}

uint64_t sum_bytes(const pktlens_if_stats& s) {
  uint64_t n = 0;
  for (const auto& row : s.bytes)
    for (uint64_t v : row) n += v;
  return n;
}

void packet_rate(const SignalInputs& in, std::vector<Sample>& out) {
  per_interface(in, [&](Labels labels, const pktlens_if_stats& a, const pktlens_if_stats& b) {
    out.push_back({"packet_rate", std::move(labels),
                   counter_rate(sum_packets(a), sum_packets(b), in.seconds)});
  });
}

void byte_rate(const SignalInputs& in, std::vector<Sample>& out) {
  per_interface(in, [&](Labels labels, const pktlens_if_stats& a, const pktlens_if_stats& b) {
    out.push_back(
        {"byte_rate", std::move(labels), counter_rate(sum_bytes(a), sum_bytes(b), in.seconds)});
  });
}

void anomaly_rate(const SignalInputs& in, std::vector<Sample>& out) {
  per_interface(in,
                [&](const Labels& labels, const pktlens_if_stats& a, const pktlens_if_stats& b) {
                  for (size_t k = 0; k < PKTLENS_ANOM_MAX; ++k) {
                    Labels l = labels;
                    l.emplace_back("kind", std::string(collector::kAnomalyNames[k]));
                    out.push_back({"anomaly_rate", std::move(l),
                                   counter_rate(a.anomalies[k], b.anomalies[k], in.seconds)});
                  }
                });
}

// Retransmitted segments + SYN-ACKs of `s` by device name, as
// render_tcp_events adds them up, named as in.now names them.
std::map<std::string, uint64_t> retransmits_by_name(const SignalInputs& in, const Snapshot& s) {
  std::map<std::string, uint64_t> by_name;
  for (const auto& [ifindex, c] : s.tcp_events.retransmits)
    by_name[collector::interface_of_retransmits(in.now, ifindex, c)] += c.segments + c.synacks;
  return by_name;
}

void retransmit_rate(const SignalInputs& in, std::vector<Sample>& out) {
  if (!in.now.tcp_events.retransmits_on || !in.before.tcp_events.retransmits_on) return;
  const auto before = retransmits_by_name(in, in.before);
  for (const auto& [name, n] : retransmits_by_name(in, in.now)) {
    // A device's first retransmits: the map had no entry, i.e. 0 before.
    const auto b = before.find(name);
    out.push_back({"retransmit_rate",
                   {{"interface", name}},
                   counter_rate(b == before.end() ? 0 : b->second, n, in.seconds)});
  }
}

void drop_rate(const SignalInputs& in, std::vector<Sample>& out) {
  if (!in.now.tcp_events.drops_on || !in.before.tcp_events.drops_on) return;
  std::map<std::string, uint64_t> before;
  for (const auto& d : in.before.tcp_events.drops) before[d.label] += d.count;
  std::map<std::string, uint64_t> now;
  for (const auto& d : in.now.tcp_events.drops) now[d.label] += d.count;
  for (const auto& [reason, n] : now) {
    // Only reasons seen are listed: a new one was 0 before.
    const auto b = before.find(reason);
    out.push_back({"drop_rate",
                   {{"reason", reason}},
                   counter_rate(b == before.end() ? 0 : b->second, n, in.seconds)});
  }
}

// The configured networks of both reads, by name (ids may move across a
// restart; names keep their counters, bpf/networks.hpp).
template <typename Emit>
void per_network(const SignalInputs& in, Emit emit) {
  for (const auto& n : in.now.networks)
    for (const auto& b : in.before.networks)
      if (b.name == n.name) emit(b, n);
}

void blocked_rate(const SignalInputs& in, std::vector<Sample>& out) {
  per_network(in, [&](const collector::NetworkCounters& a, const collector::NetworkCounters& b) {
    if (!b.drop) return;  // as exported: drop networks only
    out.push_back({"blocked_rate",
                   {{"network", b.name}},
                   counter_rate(a.blocked.packets, b.blocked.packets, in.seconds)});
  });
}

void network_byte_rate(const SignalInputs& in, std::vector<Sample>& out) {
  per_network(in, [&](const collector::NetworkCounters& a, const collector::NetworkCounters& b) {
    for (size_t dir = 0; dir < PKTLENS_DIR_MAX; dir++)
      for (size_t side = 0; side < PKTLENS_SIDE_MAX; side++)
        out.push_back(
            {"network_byte_rate",
             {{"network", b.name},
              {"dir", std::string(collector::kDirNames[dir])},
              {"side", std::string(collector::kSideNames[side])}},
             counter_rate(a.counts[dir][side].bytes, b.counts[dir][side].bytes, in.seconds)});
  });
}

// The threat signals come with their interval deltas already taken by the
// collector over the same two reads; every key read, not the exported
// top-K only, so that decoys ranking above a suspect cannot hide it.
void syn_signals(const SignalInputs& in, std::vector<Sample>& out, bool half_open) {
  const collector::ThreatSignals& t = in.now.threats;
  // Without handshake counting (XDP, latency.handshake off) every SYN
  // would look half-open: no tcp_half_open, as the exporter has none.
  if (!t.syn_on || (half_open && !t.handshakes_on)) return;
  for (const collector::SynDest& d : t.all_syn) {
    std::string dst;
    if (!collector::address_text(d.family, d.dst, dst)) continue;
    const double n = static_cast<double>(half_open ? d.half_open() : d.syns_delta);
    out.push_back({half_open ? "tcp_half_open" : "syn_rate",
                   {{"dst", dst}, {"dport", std::to_string(d.dport)}},
                   n / in.seconds});
  }
}

void tcp_half_open(const SignalInputs& in, std::vector<Sample>& out) {
  syn_signals(in, out, true);
}

void syn_rate(const SignalInputs& in, std::vector<Sample>& out) { syn_signals(in, out, false); }

void scan_ports(const SignalInputs& in, std::vector<Sample>& out) {
  if (!in.now.threats.scan_on) return;
  for (const collector::ScanSource& s : in.now.threats.all_scan) {
    std::string src;
    if (collector::address_text(s.family, s.src, src))
      out.push_back({"scan_ports", {{"src", src}}, static_cast<double>(s.ports)});
  }
}

void icmp_echo_rate(const SignalInputs& in, std::vector<Sample>& out) {
  if (!in.now.threats.icmp_echo_on) return;
  for (const collector::AddrCount& a : in.now.threats.all_icmp_echo) {
    std::string dst;
    if (collector::address_text(a.family, a.addr, dst))
      out.push_back({"icmp_echo_rate",
                     {{"dst", dst}},
                     static_cast<double>(a.packets_delta) / in.seconds});
  }
}

void udp_rate(const SignalInputs& in, std::vector<Sample>& out) {
  if (!in.now.threats.udp_ports_on) return;
  for (const collector::PortCount& p : in.now.threats.all_udp_ports)
    out.push_back({"udp_rate",
                   {{"dport", std::to_string(p.port)}},
                   static_cast<double>(p.packets_delta) / in.seconds});
}

void flow_table_fill(const SignalInputs& in, std::vector<Sample>& out) {
  if (in.now.flow_table_capacity == 0) return;
  out.push_back({"flow_table_fill",
                 {},
                 static_cast<double>(in.now.flow_table_entries) /
                     static_cast<double>(in.now.flow_table_capacity)});
}

}  // namespace

double counter_rate(uint64_t before, uint64_t now, double seconds) {
  const uint64_t delta = now >= before ? now - before : now;
  return static_cast<double>(delta) / seconds;
}

std::span<const SignalSource> signal_sources() {
  static constexpr SignalSource kSources[] = {
      {"packet_rate", packet_rate},   {"byte_rate", byte_rate},
      {"anomaly_rate", anomaly_rate}, {"retransmit_rate", retransmit_rate},
      {"drop_rate", drop_rate},       {"flow_table_fill", flow_table_fill},
      {"blocked_rate", blocked_rate}, {"network_byte_rate", network_byte_rate},
      {"tcp_half_open", tcp_half_open}, {"syn_rate", syn_rate},
      {"scan_ports", scan_ports},     {"icmp_echo_rate", icmp_echo_rate},
      {"udp_rate", udp_rate},
  };
  return kSources;
}

std::vector<Sample> extract_signals(const Snapshot& before, const Snapshot& now,
                                    const std::set<std::string, std::less<>>* wanted) {
  std::vector<Sample> out;
  if (now.taken_ns <= before.taken_ns) return out;
  const SignalInputs in{before, now, static_cast<double>(now.taken_ns - before.taken_ns) / 1e9};
  for (const SignalSource& s : signal_sources())
    if (wanted == nullptr || wanted->contains(s.signal)) s.extract(in, out);
  return out;
}

std::vector<Sample> extract_rule_signals(const std::vector<config::AlertRule>& rules,
                                         const collector::Snapshot& before,
                                         const collector::Snapshot& now) {
  std::set<std::string, std::less<>> wanted;
  for (const auto& r : rules) wanted.insert(r.signal);
  if (wanted.empty()) return {};
  return extract_signals(before, now, &wanted);
}

}  // namespace pktlens::alerts
