// SPDX-License-Identifier: Apache-2.0
#include "dataplane.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include "bpf/percpu.hpp"
#include "collector/abi_codec.hpp"
#include "pktlens_bpf.skel.h"

namespace pktlens::test {
namespace {

[[noreturn]] void fail(int err, const std::string& what) {
  throw std::system_error(err < 0 ? -err : err, std::generic_category(), what);
}

}  // namespace

namespace {

bpf::ObjectOptions object_options(const DataplaneOptions& o) {
  bpf::ObjectOptions b;
  b.max_slots = o.max_slots;
  b.ifindex_array = o.ifindex_array;
  b.max_flows = o.max_flows;
  b.max_vlans = o.max_vlans;
  b.flows = o.flows;
  b.flow_key = o.flow_key;
  b.vlans = o.vlans;
  b.flow_window_ns = o.flow_window_ns;
  b.flow_inserts_per_window = o.flow_inserts_per_window;
  b.flow_presence_filter = o.flow_presence_filter;
  b.flow_log = o.flow_log;
  b.flow_log_per_cpu = o.flow_log_per_cpu;
  b.handshake = o.handshake;
  b.rtt = o.rtt;
  b.handshake_timeout_ns = o.handshake_timeout_ns;
  b.networks = o.networks;
  b.syn = o.syn;
  b.max_syn_dests = o.max_syn_dests;
  b.icmp_echo = o.icmp_echo;
  b.max_icmp_dests = o.max_icmp_dests;
  b.udp_ports = o.udp_ports;
  b.scan = o.scan;
  b.max_scan_sources = o.max_scan_sources;
  b.scan_window_ns = o.scan_window_ns;
  b.scan_inserts_per_window = o.scan_inserts_per_window;
  b.flow_cache_slots = o.flow_cache_slots;
  return b;
}

}  // namespace

Dataplane::Dataplane(const DataplaneOptions& o)
    : obj_(object_options(o)), ifaces_(obj_.skel()), skel_(obj_.skel()) {}

Dataplane::~Dataplane() = default;

void Dataplane::register_iface(uint32_t ifindex, uint32_t slot, uint32_t mtu) {
  ifaces_.write(ifindex, pktlens_iface{slot, mtu});
}

int Dataplane::prog_fd(Hook hook) const {
  switch (hook) {
    case Hook::TcIngress:
      return bpf_program__fd(skel_->progs.tc_ingress);
    case Hook::TcEgress:
      return bpf_program__fd(skel_->progs.tc_egress);
    case Hook::Xdp:
      return bpf_program__fd(skel_->progs.xdp_ingress);
  }
  return -1;
}

int Dataplane::flows_fd() const { return bpf_map__fd(skel_->maps.pktlens_flows); }

RunResult Dataplane::run(Hook hook, std::span<const uint8_t> frame, const RunOptions& o) {
  // The kernel may write the (unchanged) frame back: give it room.
  std::vector<uint8_t> out(frame.size() + 256);
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = out.data(),
              .data_size_in = static_cast<uint32_t>(frame.size()),
              .data_size_out = static_cast<uint32_t>(out.size()),
              .repeat = static_cast<int>(o.repeat));
  __sk_buff skb_ctx{};
  if (hook != Hook::Xdp && o.gso_segs) {
    skb_ctx.gso_segs = o.gso_segs;
    skb_ctx.gso_size = o.gso_size;
    opts.ctx_in = &skb_ctx;
    opts.ctx_size_in = sizeof(skb_ctx);
  }
  const int rc = bpf_prog_test_run_opts(prog_fd(hook), &opts);
  if (rc != 0)
    fail(errno, "BPF_PROG_TEST_RUN on a " + std::to_string(frame.size()) + "-byte frame");
  return RunResult{static_cast<int>(opts.retval), opts.duration};
}

pktlens_if_stats Dataplane::stats(uint32_t slot, uint8_t dir) const {
  const uint32_t key = slot * PKTLENS_DIR_MAX + dir;
  auto v = bpf::lookup_percpu<pktlens_if_stats>(bpf_map__fd(skel_->maps.pktlens_stats), key);
  pktlens_if_stats sum{};
  if (!v) fail(ENOENT, "reading pktlens_stats slot " + std::to_string(slot));
  for (int c = 0; c < v->cpus(); c++) collector::add_stats(sum, v->at(c));
  return sum;
}

std::vector<Flow> Dataplane::flows() const {
  std::vector<Flow> out;
  const int fd = flows_fd();
  pktlens_flow_key key{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    auto v = bpf::lookup_percpu<pktlens_flow_val>(fd, next);
    if (v) {
      Flow f{next, {}};
      for (int c = 0; c < v->cpus(); c++) {
        const auto x = v->at(c);
        f.val.packets += x.packets;
        f.val.bytes += x.bytes;
        if (x.first_seen_ns && (!f.val.first_seen_ns || x.first_seen_ns < f.val.first_seen_ns)) {
          f.val.first_seen_ns = x.first_seen_ns;
          f.val.tos = x.tos;  // the first packet's
        }
        f.val.last_seen_ns = std::max(f.val.last_seen_ns, x.last_seen_ns);
        f.val.tcp_flags |= x.tcp_flags;
      }
      out.push_back(f);
    }
    key = next;
    prev = &key;
  }
  return out;
}

std::vector<VlanCount> Dataplane::vlans() const {
  std::vector<VlanCount> out;
  const int fd = bpf_map__fd(skel_->maps.pktlens_vlans);
  pktlens_vlan_key key{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    auto v = bpf::lookup_percpu<pktlens_vlan_val>(fd, next);
    if (v) {
      VlanCount c{next, {}};
      for (int i = 0; i < v->cpus(); i++) {
        c.val.packets += v->at(i).packets;
        c.val.bytes += v->at(i).bytes;
      }
      out.push_back(c);
    }
    key = next;
    prev = &key;
  }
  return out;
}

namespace {

template <typename K, typename V>
std::vector<std::pair<K, V>> shared_entries(int fd) {
  std::vector<std::pair<K, V>> out;
  K key{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    V v{};
    if (bpf_map_lookup_elem(fd, &next, &v) == 0) out.emplace_back(next, v);
    key = next;
    prev = &key;
  }
  return out;
}

}  // namespace

pktlens_tcp_lat Dataplane::tcp_lat(uint32_t slot) const {
  auto v = bpf::lookup_percpu<pktlens_tcp_lat>(bpf_map__fd(skel_->maps.pktlens_tcp_lat), slot);
  if (!v) fail(ENOENT, "reading pktlens_tcp_lat slot " + std::to_string(slot));
  pktlens_tcp_lat sum{};
  for (int c = 0; c < v->cpus(); c++) collector::add_tcp_lat(sum, v->at(c));
  return sum;
}

std::vector<std::pair<pktlens_conn_key, pktlens_hs_pending>> Dataplane::handshakes() const {
  return shared_entries<pktlens_conn_key, pktlens_hs_pending>(
      bpf_map__fd(skel_->maps.pktlens_handshakes));
}

std::vector<std::pair<pktlens_rtt_key, uint64_t>> Dataplane::rtt_pending() const {
  return shared_entries<pktlens_rtt_key, uint64_t>(bpf_map__fd(skel_->maps.pktlens_rtt_pending));
}

namespace {

pktlens_net_count sum_net(int fd, uint32_t idx) {
  auto v = bpf::lookup_percpu<pktlens_net_count>(fd, idx);
  if (!v) fail(ENOENT, "reading network counters at " + std::to_string(idx));
  pktlens_net_count sum{};
  for (int c = 0; c < v->cpus(); c++) {
    sum.packets += v->at(c).packets;
    sum.bytes += v->at(c).bytes;
  }
  return sum;
}

}  // namespace

pktlens_net_count Dataplane::net_count(uint32_t id, uint8_t dir, uint8_t side) const {
  return sum_net(bpf_map__fd(skel_->maps.pktlens_net_counts),
                 (id * PKTLENS_DIR_MAX + dir) * PKTLENS_SIDE_MAX + side);
}

pktlens_net_count Dataplane::net_blocked(uint32_t id) const {
  return sum_net(bpf_map__fd(skel_->maps.pktlens_net_blocked), id);
}

uint32_t Dataplane::network_id(const std::string& name) const {
  const auto& names = obj_.network_names();
  for (uint32_t id = 0; id < names.size(); id++)
    if (names[id] == name) return id;
  fail(ENOENT, "no network named " + name);
}

uint64_t total_packets(const pktlens_if_stats& s) {
  uint64_t n = 0;
  for (auto& row : s.packets)
    for (auto v : row) n += v;
  return n;
}

uint64_t total_bytes(const pktlens_if_stats& s) {
  uint64_t n = 0;
  for (auto& row : s.bytes)
    for (auto v : row) n += v;
  return n;
}

}  // namespace pktlens::test
