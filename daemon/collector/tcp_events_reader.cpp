// SPDX-License-Identifier: Apache-2.0
#include "collector/tcp_events_reader.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <net/if.h>
#include <pktlens_tcp_events.skel.h>  // generated in the build tree

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "bpf/percpu.hpp"
#include "bpf/tcp_events.hpp"
#include "collector/bpf_call.hpp"
#include "collector/drop_reasons.hpp"

namespace pktlens::collector {
namespace {

uint64_t sum(const bpf::PerCpuValue<uint64_t>& v) {
  uint64_t n = 0;
  for (int cpu = 0; cpu < v.cpus(); cpu++) n += v.at(cpu);
  return n;
}

pktlens_retx_flow_key retx_key(const FlowKey& f) {
  pktlens_retx_flow_key k{};
  k.ifindex = f.ifindex;
  k.family = f.family;
  k.sport = f.sport;
  k.dport = f.dport;
  std::memcpy(k.src, f.src.data(), sizeof k.src);
  std::memcpy(k.dst, f.dst.data(), sizeof k.dst);
  return k;
}

void read_drops(const pktlens_tcp_events* skel, const std::map<uint32_t, std::string>& names,
                TcpEventCounters& out) {
  const int fd = bpf_map__fd(skel->maps.pktlens_drops);
  const int cpus = bpf::possible_cpus();
  // One batch for the whole array: PKTLENS_DROP_SLOTS keys and values.
  std::vector<uint32_t> keys(PKTLENS_DROP_SLOTS);
  std::vector<uint64_t> values(static_cast<size_t>(PKTLENS_DROP_SLOTS) * cpus);
  __u32 count = PKTLENS_DROP_SLOTS;
  uint32_t out_batch = 0;
  LIBBPF_OPTS(bpf_map_batch_opts, opts);
  const int rc =
      bpf_map_lookup_batch(fd, nullptr, &out_batch, keys.data(), values.data(), &count, &opts);
  if (rc != 0 && error_of(rc) != ENOENT) {
    if (!no_batch_ops(error_of(rc))) fail(error_of(rc), "batch-reading pktlens_drops");
    // No batch ops: one lookup per slot.
    count = 0;
    for (uint32_t k = 0; k < PKTLENS_DROP_SLOTS; k++) {
      bpf::PerCpuValue<uint64_t> v(cpus);
      if (bpf_map_lookup_elem(fd, &k, v.data()) != 0) fail(errno, "reading pktlens_drops");
      keys[count] = k;
      for (int cpu = 0; cpu < cpus; cpu++) values[count * cpus + cpu] = v.at(cpu);
      count++;
    }
  }
  for (uint32_t i = 0; i < count; i++) {
    uint64_t n = 0;
    for (int cpu = 0; cpu < cpus; cpu++) n += values[static_cast<size_t>(i) * cpus + cpu];
    if (n == 0) continue;
    out.drops.push_back(
        {.reason = keys[i], .label = drop_reason_label(keys[i], names), .count = n});
  }
}

void read_retransmits(const pktlens_tcp_events* skel, const std::vector<RankedFlow>& top,
                      TcpEventCounters& out) {
  const int fd = bpf_map__fd(skel->maps.pktlens_retx);
  // A small hash (one entry per device): key by key.
  uint32_t key = 0, next = 0;
  const uint32_t* prev = nullptr;
  for (uint32_t guard = 0; guard < 4 * PKTLENS_DEFAULT_MAX_RETX_IFACES + 16; guard++) {
    if (bpf_map_get_next_key(fd, prev, &next) != 0) {
      if (errno == ENOENT) break;
      fail(errno, "iterating pktlens_retx");
    }
    bpf::PerCpuValue<pktlens_retx_val> v;
    if (bpf_map_lookup_elem(fd, &next, v.data()) == 0) {
      RetransmitCount& c = out.retransmits[next];
      c.segments = c.synacks = 0;
      for (int cpu = 0; cpu < v.cpus(); cpu++) {
        c.segments += v.at(cpu).segments;
        c.synacks += v.at(cpu).synacks;
      }
      char name[IF_NAMESIZE] = {};
      if (next != 0 && if_indextoname(next, name)) c.ifname = name;
    } else if (errno != ENOENT) {
      fail(errno, "reading pktlens_retx");
    }
    key = next;
    prev = &key;
  }

  const int flows_fd = bpf_map__fd(skel->maps.pktlens_retx_flows);
  for (const auto& r : top) {
    const FlowKey& f = r.flow.key;
    if (f.proto != 6 || f.dir != PKTLENS_DIR_EGRESS) continue;
    const pktlens_retx_flow_key k = retx_key(f);
    uint64_t n = 0;
    if (auto v = bpf::lookup_percpu<uint64_t>(flows_fd, k)) n = sum(*v);
    out.flow_retransmits[f] = n;
  }
}

}  // namespace

TcpEventsReader::TcpEventsReader(const bpf::TcpEvents& events) : events_(events) {
  if (events.options().drops) drop_names_ = read_drop_reason_names();
}

void TcpEventsReader::read(Snapshot& s) const {
  const auto& o = events_.options();
  TcpEventCounters& out = s.tcp_events;
  out = TcpEventCounters{};
  out.drops_on = o.drops;
  out.retransmits_on = o.retransmits;
  out.srtt_on = o.srtt;
  const pktlens_tcp_events* skel = events_.skel();
  if (o.drops) read_drops(skel, drop_names_, out);
  if (o.retransmits) read_retransmits(skel, s.top_flows, out);
  if (o.srtt) {
    const uint32_t zero = 0;
    if (auto v = bpf::lookup_percpu<pktlens_lat_hist>(bpf_map__fd(skel->maps.pktlens_srtt), zero)) {
      for (int cpu = 0; cpu < v->cpus(); cpu++) {
        const pktlens_lat_hist h = v->at(cpu);
        for (size_t i = 0; i < PKTLENS_LAT_BUCKETS; i++) out.srtt.buckets[i] += h.buckets[i];
        out.srtt.count += h.count;
        out.srtt.sum_ns += h.sum_ns;
      }
    }
  }
}

}  // namespace pktlens::collector
