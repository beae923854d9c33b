// SPDX-License-Identifier: Apache-2.0
#include "bpf/object.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pktlens_bpf.skel.h>  // generated in the build tree
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <random>
#include <stdexcept>
#include <system_error>

#include "bpf/percpu.hpp"
#include "bpf/pinning.hpp"

namespace pktlens::bpf {
namespace {

void check(int rc, const std::string& what) {
  if (rc != 0) throw std::system_error(rc < 0 ? -rc : errno, std::generic_category(), what);
}

// The presence filter has 8 bits per flow slot, in a power of two of words.
uint32_t presence_words(uint32_t max_flows) {
  uint32_t words = 1;
  while (words < max_flows / 8) words <<= 1;
  return words;
}

uint32_t log2_of(uint32_t pow2) {
  uint32_t shift = 0;
  while ((1U << shift) < pow2) shift++;
  return shift;
}

// The tag of the networks this load caches in flow entries (cfg_net_gen):
// random, so that no older load's tag left in a pinned flow matches it.
uint32_t network_generation() {
  std::random_device rd;
  uint32_t g = 0;
  while (g == 0) g = rd();
  return g;
}

}  // namespace

uint32_t flow_log_ring_entries(uint32_t max_flows, int cpus) {
  const uint64_t want = std::max<uint64_t>(4096, max_flows / 4 / std::max(cpus, 1));
  uint32_t n = 4096;
  while (n < want && n < (1U << 24)) n <<= 1;
  return n;
}

// The kernel's tick: the coarse clocks advance once a tick, and report it
// as their resolution. 0 when that looks wrong (the cache then keeps time
// with the coarse clock itself).
uint64_t kernel_tick_ns() {
  timespec res{};
  if (clock_getres(CLOCK_MONOTONIC_COARSE, &res) != 0 || res.tv_sec != 0) return 0;
  const auto ns = static_cast<uint64_t>(res.tv_nsec);
  return ns >= 100'000 && ns <= 100'000'000 ? ns : 0;
}

uint32_t default_flow_cache_slots(uint32_t max_flows, int cpus) {
  constexpr uint64_t kAllCpus = 64ULL << 20;
  const uint64_t fit = kAllCpus /
                       (sizeof(pktlens_flow_cache_slot) + sizeof(pktlens_flow_cache_cold)) /
                       static_cast<uint64_t>(std::max(cpus, 1));
  uint32_t n = 32768;
  while (n > 256 && (n > fit || n > max_flows)) n >>= 1;
  return n;
}

std::string default_pin_dir() {
  return "/sys/fs/bpf/pktlens/abi" + std::to_string(PKTLENS_ABI_VERSION);
}

void Object::Destroy::operator()(pktlens_bpf* s) const { pktlens_bpf::destroy(s); }

Object::Object(const ObjectOptions& o) : skel_(pktlens_bpf::open()) {
  if (!skel_) throw std::system_error(errno, std::generic_category(), "opening the BPF object");
  if (o.max_slots < 2) throw std::invalid_argument("max_slots must leave room beside slot 0");
  auto* s = skel_.get();
  s->rodata->cfg_flows = o.flows;
  s->rodata->cfg_flow_key = o.flow_key;
  s->rodata->cfg_vlans = o.vlans;
  s->rodata->cfg_flow_window_ns = o.flow_window_ns;
  s->rodata->cfg_flow_inserts_per_window = o.flow_inserts_per_window;
  const uint32_t words = presence_words(o.max_flows);
  s->rodata->cfg_flow_seen_mask = o.flow_presence_filter ? words - 1 : 0;
  s->rodata->cfg_handshake = o.handshake;
  s->rodata->cfg_rtt = o.rtt;
  s->rodata->cfg_handshake_timeout_ns = o.handshake_timeout_ns;
  const int cpus = possible_cpus();
  const uint32_t ring =
      o.flow_log_per_cpu ? o.flow_log_per_cpu : flow_log_ring_entries(o.max_flows, cpus);
  if ((ring & (ring - 1)) != 0 || ring < 2)
    throw std::invalid_argument("flow_log_per_cpu must be a power of two >= 2");
  s->rodata->cfg_flow_log_shift = o.flow_log && o.flows ? log2_of(ring) : 0;
  check(bpf_map__set_max_entries(s->maps.pktlens_flow_log,
                                 s->rodata->cfg_flow_log_shift ? ring * cpus : 1),
        "sizing pktlens_flow_log");
  check(bpf_map__set_max_entries(s->maps.pktlens_flow_log_ctl,
                                 PKTLENS_FLOW_LOG_HEAD(static_cast<uint32_t>(cpus) - 1) + 1),
        "sizing pktlens_flow_log_ctl");
  const uint32_t cache = o.flows ? o.flow_cache_slots : 0;
  if (cache != 0 && ((cache & (cache - 1)) != 0 || cache < 2))
    throw std::invalid_argument("flow_cache_slots must be a power of two >= 2");
  s->rodata->cfg_flow_cache_shift = cache ? log2_of(cache) : 0;
  s->rodata->cfg_flow_cache_open_ns = o.flow_cache_open_ns;
  s->rodata->cfg_flow_cache_tick_ns = kernel_tick_ns();
  const uint32_t cache_entries = cache ? cache * static_cast<uint32_t>(cpus) : 1;
  check(bpf_map__set_max_entries(s->maps.pktlens_flow_cache, cache_entries),
        "sizing pktlens_flow_cache");
  check(bpf_map__set_max_entries(s->maps.pktlens_flow_cache_cold, cache_entries),
        "sizing pktlens_flow_cache_cold");
  check(bpf_map__set_max_entries(s->maps.pktlens_flow_cache_dirty, cache_entries),
        "sizing pktlens_flow_cache_dirty");
  // Where the kernel refuses mmapable maps they are created without the
  // flag: the flow cache loses only the page alignment of its slots, the
  // touch log is off, and the collector reads the presence filter and the
  // UDP port marks with lookups (collector/mapped_words.hpp).
  if (!o.mmapable_maps)
    for (bpf_map* m : {s->maps.pktlens_flow_cache, s->maps.pktlens_flow_log,
                       s->maps.pktlens_flow_log_ctl, s->maps.pktlens_flow_seen,
                       s->maps.pktlens_udp_ports_seen})
      check(bpf_map__set_map_flags(
                m, bpf_map__map_flags(m) & ~static_cast<uint32_t>(BPF_F_MMAPABLE)),
            std::string("flags of ") + bpf_map__name(m));
  check(bpf_map__set_max_entries(s->maps.pktlens_flow_cache_ctl, static_cast<uint32_t>(cpus)),
        "sizing pktlens_flow_cache_ctl");
  const NetworkSizes nets = network_sizes(o.networks);
  s->rodata->cfg_net = (nets.v4 ? PKTLENS_NET_CFG_V4 : 0) | (nets.v6 ? PKTLENS_NET_CFG_V6 : 0) |
                       (nets.drop ? PKTLENS_NET_CFG_DROP : 0);
  s->rodata->cfg_net_gen = network_generation();
  s->rodata->cfg_syn = o.syn;
  s->rodata->cfg_icmp_echo = o.icmp_echo;
  s->rodata->cfg_udp_ports = o.udp_ports;
  s->rodata->cfg_scan = o.scan;
  s->rodata->cfg_scan_window_ns = o.scan_window_ns;
  s->rodata->cfg_scan_inserts_per_window = o.scan_inserts_per_window;

  check(bpf_map__set_max_entries(s->maps.pktlens_ifaces, o.ifindex_array), "sizing pktlens_ifaces");
  check(bpf_map__set_max_entries(s->maps.pktlens_ifaces_hi, o.max_slots),
        "sizing pktlens_ifaces_hi");
  check(bpf_map__set_max_entries(s->maps.pktlens_slot_owners, o.max_slots),
        "sizing pktlens_slot_owners");
  check(bpf_map__set_max_entries(s->maps.pktlens_stats, o.max_slots * PKTLENS_DIR_MAX),
        "sizing pktlens_stats");
  check(bpf_map__set_max_entries(s->maps.pktlens_flows, o.max_flows), "sizing pktlens_flows");
  check(bpf_map__set_max_entries(s->maps.pktlens_vlans, o.max_vlans), "sizing pktlens_vlans");
  check(bpf_map__set_max_entries(s->maps.pktlens_flow_seen, words), "sizing pktlens_flow_seen");
  check(bpf_map__set_max_entries(s->maps.pktlens_tcp_lat, o.max_slots), "sizing pktlens_tcp_lat");
  check(bpf_map__set_max_entries(s->maps.pktlens_hs_timeouts, o.max_slots * PKTLENS_HS_ROLES),
        "sizing pktlens_hs_timeouts");
  check(bpf_map__set_max_entries(s->maps.pktlens_flow_ended, o.max_slots * PKTLENS_DIR_MAX),
        "sizing pktlens_flow_ended");
  // A trie holds at least one entry; unused when its switch is off.
  check(bpf_map__set_max_entries(s->maps.pktlens_net4, std::max(nets.v4, 1u)),
        "sizing pktlens_net4");
  check(bpf_map__set_max_entries(s->maps.pktlens_net6, std::max(nets.v6, 1u)),
        "sizing pktlens_net6");
  check(bpf_map__set_max_entries(s->maps.pktlens_syn, o.max_syn_dests), "sizing pktlens_syn");
  check(bpf_map__set_max_entries(s->maps.pktlens_icmp_echo, o.max_icmp_dests),
        "sizing pktlens_icmp_echo");
  check(bpf_map__set_max_entries(s->maps.pktlens_udp_ports, o.udp_ports ? PKTLENS_UDP_PORTS : 1),
        "sizing pktlens_udp_ports");
  check(bpf_map__set_max_entries(s->maps.pktlens_scan, o.max_scan_sources), "sizing pktlens_scan");

  if (!o.pin_dir.empty()) {
    require_bpffs(o.pin_dir);
    recreated_ = pin_maps(s->obj, o.pin_dir);
  }
  const int rc = pktlens_bpf::load(s);
  if (rc != 0)
    throw std::system_error(-rc, std::generic_category(),
                            "loading the BPF programs (the kernel's verifier log is above; the "
                            "kernel needs BTF and bpf_ktime_get_coarse_ns, Linux >= 5.11)");
  if (!o.networks.empty()) network_names_ = install_networks(s, o.networks);
}

Object::~Object() = default;

}  // namespace pktlens::bpf
