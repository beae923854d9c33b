// SPDX-License-Identifier: Apache-2.0
#include "bpf/object.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pktlens_bpf.skel.h>  // generated in the build tree

#include <cerrno>
#include <system_error>

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

}  // namespace

std::string default_pin_dir() {
  return "/sys/fs/bpf/pktlens/abi" + std::to_string(PKTLENS_ABI_VERSION);
}

void Object::Destroy::operator()(pktlens_bpf* s) const { pktlens_bpf::destroy(s); }

Object::Object(const ObjectOptions& o) : skel_(pktlens_bpf::open()) {
  if (!skel_) throw std::system_error(errno, std::generic_category(), "opening the BPF object");
  if (o.max_slots < 2) throw std::invalid_argument("max_slots must leave room beside slot 0");
  auto* s = skel_.get();
  s->rodata->cfg_flows = o.flows;
  s->rodata->cfg_vlans = o.vlans;
  s->rodata->cfg_flow_window_ns = o.flow_window_ns;
  s->rodata->cfg_flow_inserts_per_window = o.flow_inserts_per_window;
  const uint32_t words = presence_words(o.max_flows);
  s->rodata->cfg_flow_seen_mask = o.flow_presence_filter ? words - 1 : 0;
  s->rodata->cfg_handshake = o.handshake;
  s->rodata->cfg_rtt = o.rtt;
  s->rodata->cfg_handshake_timeout_ns = o.handshake_timeout_ns;
  s->rodata->cfg_syn = o.syn;
  s->rodata->cfg_icmp_echo = o.icmp_echo;
  s->rodata->cfg_udp_ports = o.udp_ports;
  s->rodata->cfg_scan = o.scan;
  s->rodata->cfg_scan_window_ns = o.scan_window_ns;
  s->rodata->cfg_scan_inserts_per_window = o.scan_inserts_per_window;

  check(bpf_map__set_max_entries(s->maps.pktlens_ifaces, o.ifindex_array), "sizing pktlens_ifaces");
  check(bpf_map__set_max_entries(s->maps.pktlens_ifaces_hi, o.max_slots),
        "sizing pktlens_ifaces_hi");
  check(bpf_map__set_max_entries(s->maps.pktlens_stats, o.max_slots * PKTLENS_DIR_MAX),
        "sizing pktlens_stats");
  check(bpf_map__set_max_entries(s->maps.pktlens_flows, o.max_flows), "sizing pktlens_flows");
  check(bpf_map__set_max_entries(s->maps.pktlens_vlans, o.max_vlans), "sizing pktlens_vlans");
  check(bpf_map__set_max_entries(s->maps.pktlens_flow_seen, words), "sizing pktlens_flow_seen");
  check(bpf_map__set_max_entries(s->maps.pktlens_tcp_lat, o.max_slots), "sizing pktlens_tcp_lat");
  check(bpf_map__set_max_entries(s->maps.pktlens_hs_timeouts, o.max_slots * PKTLENS_HS_ROLES),
        "sizing pktlens_hs_timeouts");
  check(bpf_map__set_max_entries(s->maps.pktlens_syn, o.max_syn_dests), "sizing pktlens_syn");
  check(bpf_map__set_max_entries(s->maps.pktlens_icmp_echo, o.max_icmp_dests),
        "sizing pktlens_icmp_echo");
  check(bpf_map__set_max_entries(s->maps.pktlens_udp_ports, o.udp_ports ? PKTLENS_UDP_PORTS : 1),
        "sizing pktlens_udp_ports");
  check(bpf_map__set_max_entries(s->maps.pktlens_scan, o.max_scan_sources), "sizing pktlens_scan");
  if (o.no_common_lru)
    check(bpf_map__set_map_flags(s->maps.pktlens_flows,
                                 bpf_map__map_flags(s->maps.pktlens_flows) | BPF_F_NO_COMMON_LRU),
          "setting BPF_F_NO_COMMON_LRU");

  if (!o.pin_dir.empty()) {
    require_bpffs(o.pin_dir);
    recreated_ = pin_maps(s->obj, o.pin_dir);
  }
  const int rc = pktlens_bpf::load(s);
  if (rc != 0)
    throw std::system_error(-rc, std::generic_category(),
                            "loading the BPF programs (the kernel's verifier log is above; the "
                            "kernel needs BTF and bpf_ktime_get_coarse_ns, Linux >= 5.11)");
}

Object::~Object() = default;

}  // namespace pktlens::bpf
