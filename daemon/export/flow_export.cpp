// SPDX-License-Identifier: Apache-2.0
#include "export/flow_export.hpp"

#include <time.h>

#include <algorithm>
#include <cstring>

extern "C" {
#include "lib/flow_hash.h"
}

namespace pktlens::flowexport {
namespace {

constexpr uint64_t kEthernetHeader = 14;
constexpr uint64_t kVlanTag = 4;

uint64_t ns_of(const timespec& t) {
  return static_cast<uint64_t>(t.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(t.tv_nsec);
}

uint64_t epoch_ms(uint64_t mono_ns, const Clocks& c) {
  return static_cast<uint64_t>(static_cast<int64_t>(mono_ns) + c.realtime_offset_ns) / 1'000'000;
}

uint32_t ipv4_of(const std::array<uint8_t, 16>& a) {
  return uint32_t{a[0]} << 24 | uint32_t{a[1]} << 16 | uint32_t{a[2]} << 8 | a[3];
}

}  // namespace

Clocks Clocks::now() {
  timespec mono{};
  timespec real{};
  clock_gettime(CLOCK_MONOTONIC, &mono);
  clock_gettime(CLOCK_REALTIME, &real);
  const uint64_t m = ns_of(mono);
  return Clocks{m, static_cast<int64_t>(ns_of(real)) - static_cast<int64_t>(m)};
}

uint64_t link_bytes_per_packet(const collector::FlowKey& k, bool xdp) {
  const uint64_t tags = (k.vlan != 0 ? 1 : 0) + (k.vlan_inner != 0 ? 1 : 0);
  const uint64_t in_frame = xdp || tags == 0 ? tags : tags - 1;
  return kEthernetHeader + kVlanTag * in_frame;
}

size_t FlowExport::KeyHash::operator()(const pktlens_flow_key& k) const {
  return static_cast<size_t>(pktlens_flow_key_hash(&k));
}

bool FlowExport::KeyEq::operator()(const pktlens_flow_key& a, const pktlens_flow_key& b) const {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

void FlowExport::update(State& s, const collector::FlowRecord& r) {
  // Fewer packets than already sent: the kernel deleted the flow and a new
  // one began under the same key without the collector seeing it end.
  if (r.packets < s.sent_packets || r.bytes < s.sent_bytes) {
    s.sent_packets = 0;
    s.sent_bytes = 0;
    s.start_ns = r.first_seen_ns;
  }
  if (s.now.packets == s.sent_packets && r.packets > s.sent_packets && s.sent_packets > 0)
    s.start_ns = std::max(s.now.last_seen_ns, r.first_seen_ns);  // first packet after a record
  s.now = r;
}

void FlowExport::emit(State& s, EndReason why, const Clocks& c,
                      std::vector<IpfixRecord>& out) const {
  const collector::FlowRecord& f = s.now;
  const uint64_t packets = f.packets - s.sent_packets;
  const uint64_t bytes = f.bytes - s.sent_bytes;
  if (packets == 0) return;
  const collector::FlowKey& k = f.key;
  IpfixRecord r;
  r.start_ms = epoch_ms(std::max(s.start_ns, f.first_seen_ns), c);
  r.end_ms = epoch_ms(f.last_seen_ns, c);
  const uint64_t link = packets * link_bytes_per_packet(k, o_.xdp);
  r.octets = bytes > link ? bytes - link : 0;
  r.packets = packets;
  if (k.family == 6) {
    std::memcpy(r.src6, k.src.data(), sizeof r.src6);
    std::memcpy(r.dst6, k.dst.data(), sizeof r.dst6);
  } else {
    r.src4 = ipv4_of(k.src);
    r.dst4 = ipv4_of(k.dst);
  }
  (k.dir == 0 ? r.ingress_if : r.egress_if) = k.ifindex;
  r.sport = k.sport;
  r.dport = k.dport;
  r.vlan = k.vlan;
  r.inner_vlan = k.vlan_inner;
  r.tcp_flags = f.tcp_flags;
  r.tos = f.tos;
  r.proto = k.proto;
  r.direction = k.dir == 0 ? 0 : 1;
  r.end_reason = static_cast<uint8_t>(why);
  r.ip_version = k.family;
  out.push_back(r);
  s.sent_packets = f.packets;
  s.sent_bytes = f.bytes;
  s.sent_last_seen_ns = f.last_seen_ns;
}

void FlowExport::cycle(const collector::FlowChanges& changes, const Clocks& c,
                       std::vector<IpfixRecord>& out) {
  for (const collector::FlowChange& u : changes.updated) {
    auto [it, fresh] = flows_.try_emplace(u.key);
    if (fresh) it->second.start_ns = u.counters.first_seen_ns;
    update(it->second, u.counters);
  }
  for (const collector::EndedFlow& e : changes.ended) {
    auto [it, fresh] = flows_.try_emplace(e.key);
    if (fresh) it->second.start_ns = e.counters.first_seen_ns;
    update(it->second, e.counters);
    const EndReason why = e.reason == collector::FlowEnd::idle       ? EndReason::idle_timeout
                          : e.reason == collector::FlowEnd::pressure ? EndReason::lack_of_resources
                                                                     : EndReason::forced_end;
    emit(it->second, why, c, out);
    flows_.erase(it);
  }
  const auto active = static_cast<uint64_t>(o_.active_timeout.count());
  const auto idle = static_cast<uint64_t>(o_.idle_timeout.count());
  const auto forget = static_cast<uint64_t>(o_.forget_after.count());
  for (auto it = flows_.begin(); it != flows_.end();) {
    State& s = it->second;
    const uint64_t last = s.now.last_seen_ns;
    if (s.now.packets > s.sent_packets) {
      if (c.now_ns >= last + idle)
        emit(s, EndReason::idle_timeout, c, out);
      else if (c.now_ns >= s.start_ns + active)
        emit(s, EndReason::active_timeout, c, out);
    }
    if (s.now.packets == s.sent_packets && c.now_ns >= last + forget)
      it = flows_.erase(it);
    else
      ++it;
  }
}

void FlowExport::flush(const Clocks& c, std::vector<IpfixRecord>& out) {
  for (auto& [key, s] : flows_) emit(s, EndReason::forced_end, c, out);
}

std::vector<FlowSent> FlowExport::sent() const {
  std::vector<FlowSent> out;
  out.reserve(flows_.size());
  for (const auto& [key, s] : flows_)
    if (s.sent_packets > 0)
      out.push_back(FlowSent{key, s.sent_packets, s.sent_bytes, s.sent_last_seen_ns});
  return out;
}

void FlowExport::restore(const std::vector<FlowSent>& sent) {
  for (const FlowSent& f : sent) {
    State& s = flows_[f.key];
    s.sent_packets = f.packets;
    s.sent_bytes = f.bytes;
    s.sent_last_seen_ns = f.last_seen_ns;
    // As if read once with nothing unsent: the next packets start a record.
    s.now.packets = f.packets;
    s.now.bytes = f.bytes;
    s.now.last_seen_ns = f.last_seen_ns;
  }
}

}  // namespace pktlens::flowexport
