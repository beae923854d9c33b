// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the deterministic BPF tests (test_protocols,
// test_anomalies, test_vlan_flow): the three entry points, the exact
// expected contribution of one frame to pktlens_if_stats, a by-name diff of
// two stats records, and Probe, which feeds frames one at a time and checks
// what must hold for every frame (counted once, full length, own direction,
// flow bookkeeping reconciles).
#pragma once

#include <array>
#include <catch2/catch.hpp>
#include <cstring>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "collector/labels.hpp"
#include "dataplane.hpp"
#include "packet.hpp"

namespace pktlens::test {

// The programs only observe: TC_ACT_UNSPEC (-1) and XDP_PASS (2).
inline int pass_verdict(Hook h) { return h == Hook::Xdp ? 2 : -1; }

// Runs one frame and checks the verdict: the programs never drop.
inline void run_pass(Dataplane& dp, Hook h, const Bytes& frame, const RunOptions& o = {}) {
  CHECK(dp.run(h, frame, o).retval == pass_verdict(h));
}

inline constexpr size_t kWords = sizeof(pktlens_if_stats) / sizeof(uint64_t);

inline pktlens_if_stats minus(const pktlens_if_stats& a, const pktlens_if_stats& b) {
  pktlens_if_stats d{};
  uint64_t w[kWords], x[kWords], y[kWords];
  std::memcpy(x, &a, sizeof a);
  std::memcpy(y, &b, sizeof b);
  for (size_t i = 0; i < kWords; i++) w[i] = x[i] - y[i];
  std::memcpy(&d, w, sizeof d);
  return d;
}

inline bool is_zero(const pktlens_if_stats& s) {
  const pktlens_if_stats z{};
  return std::memcmp(&s, &z, sizeof s) == 0;
}

// Every counter that differs, by name; "" when equal. flow_inserts is left
// out: whether a frame creates its flow or hits an earlier one depends on
// what ran before it; Probe::feed checks it against the flow table instead.
inline std::string stats_diff(const pktlens_if_stats& got, const pktlens_if_stats& want) {
  using namespace pktlens::collector;
  std::ostringstream o;
  auto cmp = [&](const std::string& name, uint64_t g, uint64_t w) {
    if (g != w) o << "\n  " << name << ": got " << g << ", want " << w;
  };
  for (int l3 = 0; l3 < PKTLENS_L3_MAX; l3++)
    for (int l4 = 0; l4 < PKTLENS_L4_MAX; l4++) {
      std::string cell = "[";  // appended: GCC 12's false -Wrestrict (PR 105651)
      cell.append(kL3Names[l3]).append("][").append(kL4Names[l4]).append("]");
      cmp("packets" + cell, got.packets[l3][l4], want.packets[l3][l4]);
      cmp("bytes" + cell, got.bytes[l3][l4], want.bytes[l3][l4]);
    }
  for (int i = 0; i < PKTLENS_SIZE_BUCKETS; i++)
    cmp("size_hist[" + std::to_string(i) + "]", got.size_hist[i], want.size_hist[i]);
  for (int i = 0; i < PKTLENS_TCPF_MAX; i++)
    cmp("tcp_flags." + std::string(kTcpFlagNames[i]), got.tcp_flags[i], want.tcp_flags[i]);
  for (int i = 0; i < PKTLENS_DSCP_VALUES; i++)
    cmp("dscp[" + std::to_string(i) + "]", got.dscp[i], want.dscp[i]);
  for (int i = 0; i < PKTLENS_ECN_VALUES; i++)
    cmp("ecn[" + std::to_string(i) + "]", got.ecn[i], want.ecn[i]);
  for (int i = 0; i < PKTLENS_TTL_BUCKETS; i++)
    cmp("ttl_hist[" + std::to_string(i) + "]", got.ttl_hist[i], want.ttl_hist[i]);
  for (int i = 0; i < PKTLENS_ANOM_MAX; i++)
    cmp("anomalies." + std::string(kAnomalyNames[i]), got.anomalies[i], want.anomalies[i]);
  cmp("flow_untracked_packets", got.flow_untracked_packets, want.flow_untracked_packets);
  cmp("flow_untracked_bytes", got.flow_untracked_bytes, want.flow_untracked_bytes);
  cmp("flow_unadmitted_packets", got.flow_unadmitted_packets, want.flow_unadmitted_packets);
  cmp("flow_unadmitted_bytes", got.flow_unadmitted_bytes, want.flow_unadmitted_bytes);
  cmp("vlan_overflow_packets", got.vlan_overflow_packets, want.vlan_overflow_packets);
  cmp("vlan_overflow_bytes", got.vlan_overflow_bytes, want.vlan_overflow_bytes);
  cmp("skbs", got.skbs, want.skbs);
  cmp("ttl_sum", got.ttl_sum, want.ttl_sum);
  return o.str();
}

// Histogram buckets as the ABI header defines them (bucket i: <= bound i).
inline uint32_t size_bucket(size_t len) {
  for (uint32_t i = 0; i + 1 < PKTLENS_SIZE_BUCKETS; i++)
    if (len <= pktlens::collector::kSizeBounds[i]) return i;
  return PKTLENS_SIZE_BUCKETS - 1;
}
inline uint32_t ttl_bucket(uint8_t ttl) {
  uint32_t i = 0;
  while (ttl > pktlens::collector::kTtlBounds[i]) i++;
  return i;
}

// TCP flag counters of one flag byte, as the ABI header defines them.
inline void count_tcp_flags(pktlens_if_stats& s, uint8_t f) {
  if (f & PKTLENS_TCP_SYN)
    s.tcp_flags[(f & PKTLENS_TCP_ACK) ? PKTLENS_TCPF_SYNACK : PKTLENS_TCPF_SYN]++;
  if (f & PKTLENS_TCP_FIN) s.tcp_flags[PKTLENS_TCPF_FIN]++;
  if (f & PKTLENS_TCP_RST) s.tcp_flags[PKTLENS_TCPF_RST]++;
  if (f & PKTLENS_TCP_PSH) s.tcp_flags[PKTLENS_TCPF_PSH]++;
  if (f & PKTLENS_TCP_URG) s.tcp_flags[PKTLENS_TCPF_URG]++;
  if (f & PKTLENS_TCP_ECE) s.tcp_flags[PKTLENS_TCPF_ECE]++;
  if (f & PKTLENS_TCP_CWR) s.tcp_flags[PKTLENS_TCPF_CWR]++;
}

// What a frame is on the wire (bpf/lib/hooks.h, wire_sizes): at TC an
// skb with gso_segs > 1 is that many segments of hdr_len + gso_size bytes,
// the last one holding what is left; anything else is itself.
struct Wire {
  uint64_t segs = 1;
  uint64_t bytes = 0;
  std::vector<size_t> sizes;  // each segment's length
};
inline Wire wire_of(Hook h, size_t len, const RunOptions& o, size_t hdr_len) {
  if (h == Hook::Xdp || o.gso_segs <= 1) return Wire{1, len, {len}};
  const size_t segs = o.gso_segs;
  const size_t hdr = hdr_len < len ? hdr_len : 0;
  size_t gso = o.gso_size;
  if (gso == 0 || gso * (segs - 1) >= len - hdr) gso = (len - hdr) / segs;
  Wire w{segs, len + (segs - 1) * hdr, {}};
  for (size_t i = 0; i + 1 < segs; i++) w.sizes.push_back(hdr + gso);
  w.sizes.push_back(w.bytes - (segs - 1) * (hdr + gso));
  return w;
}

struct IpSeen {
  uint8_t tos = 0;  // IPv4 TOS / IPv6 traffic class
  uint8_t ttl = 64;
};

// What one frame must add to its interface's counters.
struct Expect {
  pktlens_l3 l3;
  pktlens_l4 l4;
  std::optional<IpSeen> ip;          // IP header complete: DSCP/ECN/TTL counted, flow tracked
  std::optional<uint8_t> tcp_flags;  // the TCP flag byte is in the frame
  std::vector<pktlens_anomaly> anomalies{};
  // Bytes before the TCP/UDP payload: what each segment of a GSO
  // aggregate repeats (only needed with RunOptions::gso_segs).
  size_t hdr_len = 0;
};

inline pktlens_if_stats expected_stats(const Expect& e, const Wire& w) {
  pktlens_if_stats s{};
  s.skbs = 1;
  s.packets[e.l3][e.l4] = w.segs;
  s.bytes[e.l3][e.l4] = w.bytes;
  for (const size_t len : w.sizes) s.size_hist[size_bucket(len)]++;
  if (e.ip) {
    s.dscp[e.ip->tos >> 2] = w.segs;
    s.ecn[e.ip->tos & 3] = w.segs;
    s.ttl_hist[ttl_bucket(e.ip->ttl)] = w.segs;
    s.ttl_sum = uint64_t{e.ip->ttl} * w.segs;
  } else {
    s.flow_untracked_packets = w.segs;
    s.flow_untracked_bytes = w.bytes;
  }
  if (e.tcp_flags) count_tcp_flags(s, *e.tcp_flags);
  for (auto a : e.anomalies) s.anomalies[a]++;
  return s;
}

struct FlowSum {
  uint64_t flows = 0, packets = 0, bytes = 0;
};
inline FlowSum sum_flows(const std::vector<Flow>& fl) {
  FlowSum s;
  for (const auto& f : fl) {
    s.flows++;
    s.packets += f.val.packets;
    s.bytes += f.val.bytes;
  }
  return s;
}

// What one frame added: to slot 1 in its hook's direction, and to the flows.
struct Seen {
  pktlens_if_stats d;
  uint64_t flow_packets, flow_bytes;
};

// One data plane (ifindex 1 -> slot 1) fed frame by frame; each feed()
// returns that frame's contribution and checks what holds for every frame.
class Probe {
 public:
  explicit Probe(uint32_t mtu = 1500, const DataplaneOptions& o = {}) : dp(o) {
    dp.register_iface(1, 1, mtu);
  }

  // hdr_len: as Expect::hdr_len.
  Seen feed(Hook h, const Bytes& frame, const RunOptions& o = {}, size_t hdr_len = 0) {
    const Wire w = wire_of(h, frame.size(), o, hdr_len);
    const uint8_t dir = dir_of(h);
    const auto before = dp.stats(1, dir);
    const auto other_before = dp.stats(1, dir ^ 1);
    const auto flows_before = sum_flows(dp.flows());

    const auto r = dp.run(h, frame, o);
    CHECK(r.retval == pass_verdict(h));

    const auto d = minus(dp.stats(1, dir), before);
    const auto flows_after = sum_flows(dp.flows());
    const Seen seen{d, flows_after.packets - flows_before.packets,
                    flows_after.bytes - flows_before.bytes};
    // Counted exactly once, as its wire packets and bytes, in its own
    // direction.
    CHECK(d.skbs == 1);
    CHECK(total_packets(d) == w.segs);
    CHECK(total_bytes(d) == w.bytes);
    uint64_t hist = 0;
    for (auto v : d.size_hist) hist += v;
    CHECK(hist == w.segs);
    CHECK(is_zero(minus(dp.stats(1, dir ^ 1), other_before)));
    CHECK(is_zero(dp.stats(PKTLENS_SLOT_UNREGISTERED, PKTLENS_DIR_INGRESS)));
    CHECK(is_zero(dp.stats(PKTLENS_SLOT_UNREGISTERED, PKTLENS_DIR_EGRESS)));
    // Flow bookkeeping reconciles, and flow_inserts counts new table entries.
    CHECK(seen.flow_packets + d.flow_untracked_packets + d.flow_unadmitted_packets == w.segs);
    CHECK(seen.flow_bytes + d.flow_untracked_bytes + d.flow_unadmitted_bytes == w.bytes);
    CHECK(d.flow_inserts == flows_after.flows - flows_before.flows);
    return seen;
  }

  // feed(), then compare every counter with `e`.
  void expect(Hook h, const Bytes& frame, const Expect& e, const RunOptions& o = {}) {
    const Seen s = feed(h, frame, o, e.hdr_len);
    const Wire w = wire_of(h, frame.size(), o, e.hdr_len);
    CHECK(stats_diff(s.d, expected_stats(e, w)) == "");
    CHECK(s.flow_packets == (e.ip ? w.segs : 0u));
    CHECK(s.flow_bytes == (e.ip ? w.bytes : 0u));
  }

  Dataplane dp;
};

}  // namespace pktlens::test
