// SPDX-License-Identifier: Apache-2.0
#include "collector/threats.hpp"

#include <pktlens_bpf.skel.h>  // generated in the build tree

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <map>
#include <utility>
#include <vector>

#include "collector/bpf_call.hpp"
#include "collector/map_reader.hpp"
#include "collector/percpu_sum.hpp"

namespace pktlens::collector {
namespace {

// Every key, ranked; the top-K is its first k.
constexpr size_t kEvery = SIZE_MAX;

template <typename T>
std::vector<T> first(const std::vector<T>& ranked, size_t k) {
  return {ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(std::min(k, ranked.size()))};
}

}  // namespace

ThreatCollector::ThreatCollector(pktlens_bpf* skel, const ThreatOptions& o)
    : skel_(skel), opts_(o), udp_ports_(skel) {}

void ThreatCollector::collect(Snapshot& s) {
  ThreatSignals& t = s.threats;
  // .rodata as loaded.
  t.syn_on = skel_->rodata->cfg_syn != 0;
  // Completions come from the server-role handshake tracking, which runs at
  // TC only (bpf/lib/tcp_latency.h): at XDP nothing completes.
  t.handshakes_on = t.syn_on && skel_->rodata->cfg_handshake != 0 && opts_.tc_hooks;
  if (t.syn_on) {
    std::map<SynKey, SynCounts> cur;
    read_percpu_map(
        skel_->maps.pktlens_syn, [&] { cur.clear(); },
        [&](const uint8_t* key, const uint8_t* values, size_t stride, int cpus) {
          pktlens_syn_key k;
          std::memcpy(&k, key, sizeof k);
          std::array<uint8_t, 16> dst{};
          std::memcpy(dst.data(), k.dst, dst.size());
          cur[SynKey{k.family, dst, k.dport}] = sum_percpu<pktlens_syn_val, SynCounts>(
              values, stride, cpus, [](SynCounts& c, const pktlens_syn_val& v) {
                c.syns += v.syns;
                c.handshakes += v.handshakes;
              });
        });
    t.syn_table_entries = cur.size();
    t.all_syn = rank_syn(cur, first_ ? nullptr : &prev_syn_, kEvery);
    if (!t.handshakes_on)
      for (auto& d : t.all_syn) d.handshakes = d.handshakes_delta = 0;
    t.top_syn = first(t.all_syn, opts_.syn_top_k);
    prev_syn_ = std::move(cur);
  }
  t.icmp_echo_on = skel_->rodata->cfg_icmp_echo != 0;
  if (t.icmp_echo_on) {
    std::map<AddrKey, uint64_t> cur;
    read_percpu_map(
        skel_->maps.pktlens_icmp_echo, [&] { cur.clear(); },
        [&](const uint8_t* key, const uint8_t* values, size_t stride, int cpus) {
          pktlens_addr_key k;
          std::memcpy(&k, key, sizeof k);
          AddrKey a{k.family, {}};
          std::memcpy(a.second.data(), k.addr, a.second.size());
          cur[a] = sum_u64(values, stride, cpus);
        });
    t.all_icmp_echo = rank_addrs(cur, first_ ? nullptr : &prev_icmp_, kEvery);
    t.top_icmp_echo = first(t.all_icmp_echo, opts_.icmp_echo_top_k);
    prev_icmp_ = std::move(cur);
  }
  t.udp_ports_on = skel_->rodata->cfg_udp_ports != 0;
  if (t.udp_ports_on) {
    std::map<uint16_t, uint64_t> cur = udp_ports_.read();
    t.all_udp_ports = rank_ports(cur, first_ ? nullptr : &prev_udp_, kEvery);
    t.top_udp_ports = first(t.all_udp_ports, opts_.udp_ports_top_k);
    prev_udp_ = std::move(cur);
  }
  t.scan_on = skel_->rodata->cfg_scan != 0;
  if (t.scan_on) {
    // The clock of bpf_ktime_get_coarse_ns(); a CPU's bitmap counts while
    // its window runs (a start a tick ahead of `now` counts too).
    const uint64_t now = clock_ns(CLOCK_MONOTONIC_COARSE);
    const uint64_t window = skel_->rodata->cfg_scan_window_ns;
    std::map<AddrKey, uint64_t> ports;
    read_percpu_map(
        skel_->maps.pktlens_scan, [&] { ports.clear(); },
        [&](const uint8_t* key, const uint8_t* values, size_t stride, int cpus) {
          pktlens_addr_key k;
          std::memcpy(&k, key, sizeof k);
          // The OR of the bitmaps of the CPUs whose window still runs.
          struct Bits {
            std::array<uint64_t, PKTLENS_SCAN_WORDS> words{};
            bool any = false;
          };
          const Bits bits = sum_percpu<pktlens_scan_val, Bits>(
              values, stride, cpus, [&](Bits& b, const pktlens_scan_val& v) {
                if (v.start_ns == 0 || (now > v.start_ns && now - v.start_ns >= window)) return;
                for (size_t w = 0; w < b.words.size(); w++) b.words[w] |= v.bits[w];
                b.any = true;
              });
          if (!bits.any) return;
          AddrKey a{k.family, {}};
          std::memcpy(a.second.data(), k.addr, a.second.size());
          ports[a] = linear_count(bits.words);
        });
    t.all_scan = rank_scan(ports, 0, kEvery).top;
    auto r = rank_scan(ports, opts_.scan_threshold, opts_.scan_top_k);
    t.top_scan = std::move(r.top);
    t.scan_suspects = r.suspects;
  }
  first_ = false;
}

}  // namespace pktlens::collector
