// SPDX-License-Identifier: Apache-2.0
// The pktlens BPF object, sized and switched as configured, with its maps
// pinned so counters survive a daemon restart (Prometheus must never see a
// reset the kernel did not make). Owns the skeleton; the only place that
// opens and loads it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bpf/abi.hpp"
#include "bpf/networks.hpp"

struct pktlens_bpf;

namespace pktlens::bpf {

struct ObjectOptions {
  uint32_t max_slots = PKTLENS_DEFAULT_MAX_SLOTS;  // interfaces, slot 0 reserved
  uint32_t ifindex_array = PKTLENS_DEFAULT_IFINDEX_ARRAY;
  uint32_t max_flows = PKTLENS_DEFAULT_MAX_FLOWS;
  uint32_t max_vlans = PKTLENS_DEFAULT_MAX_VLANS;
  bool flows = true;
  bool vlans = true;
  // The fields flows are keyed by (PKTLENS_FK_*).
  uint32_t flow_key = PKTLENS_FK_ALL;
  // Flow admission: new flows per CPU per window (0 = no limit); the
  // config's per-second figure is converted by the config module.
  uint32_t flow_inserts_per_window = 2500;
  uint64_t flow_window_ns = 100'000'000;
  bool flow_presence_filter = true;
  // The flow touch log (pktlens_abi.h): entries of each CPU's ring, a power
  // of two; 0: flow_log_ring_entries(max_flows). Off: the collector walks
  // the whole flow table every cycle.
  bool flow_log = true;
  uint32_t flow_log_per_cpu = 0;
  // The flow cache (bpf/lib/flow_cache.h): slots per CPU, a power of two;
  // 0: off (every packet looks its flow up in pktlens_flows). A CPU uses
  // its cache for flow_cache_open_ns after each flush (bpf::FlowCache).
  uint32_t flow_cache_slots = 0;
  uint64_t flow_cache_open_ns = 10'000'000'000;
  // The kernel lets BPF_F_MMAPABLE maps be created (bpf::KernelFeatures).
  bool mmapable_maps = true;
  // TCP latency at TC (bpf/lib/tcp_latency.h): handshake latency, passive
  // RTT from TCP timestamps. Off: the programs skip it entirely.
  bool handshake = true;
  bool rtt = true;
  // Pending handshakes older than this are not sampled; the collector
  // deletes them and counts them as timeouts (same clock: CLOCK_MONOTONIC).
  uint64_t handshake_timeout_ns = PKTLENS_DEFAULT_HS_TIMEOUT_NS;
  // Networks (bpf/lib/networks.h): sizes the tries, sets the bits of
  // cfg_net, and is installed after load. Empty: cfg_net 0, no lookups.
  std::vector<NetworkSpec> networks;
  // Threat signals (bpf/lib/threats.h), ingress only: SYNs and completed
  // handshakes per destination address and port, in a table of
  // max_syn_dests entries (LRU).
  bool syn = true;
  uint32_t max_syn_dests = PKTLENS_DEFAULT_MAX_SYN_DESTS;
  // ICMP echo requests per destination address (table of max_icmp_dests,
  // LRU) and UDP datagrams per destination port (an array of 65536 per
  // CPU, shrunk to one entry when off).
  bool icmp_echo = true;
  uint32_t max_icmp_dests = PKTLENS_DEFAULT_MAX_ICMP_DESTS;
  bool udp_ports = true;
  // Port scans: distinct destination ports per source within scan_window_ns,
  // in a table of max_scan_sources (LRU); new sources per CPU per
  // flow_window_ns at most scan_inserts_per_window (0 = no limit).
  bool scan = true;
  uint32_t max_scan_sources = PKTLENS_DEFAULT_MAX_SCAN_SOURCES;
  uint64_t scan_window_ns = PKTLENS_DEFAULT_SCAN_WINDOW_NS;
  uint32_t scan_inserts_per_window = 1000;
  // Directory on a bpffs where maps are pinned; empty: no pinning (tests).
  std::string pin_dir;
};

// Each CPU's ring of the flow touch log: a quarter of the flow table over
// all CPUs, at least 4096 entries each, as a power of two. More flows than
// that changing in one interval is where re-reading the whole table costs
// less than looking each one up (docs/architecture.md, "Collecting flows").
uint32_t flow_log_ring_entries(uint32_t max_flows, int cpus);

// The kernel's tick in ns (CLOCK_MONOTONIC_COARSE's resolution); 0 when
// it cannot be told.
uint64_t kernel_tick_ns();

// The flow cache's default slots per CPU: 32768 (3 MB a CPU), fewer on
// machines with many CPUs so that the caches take at most 64 MB together,
// and never more than the flow table holds.
uint32_t default_flow_cache_slots(uint32_t max_flows, int cpus);

// Where pktlensd pins its maps: versioned, so an incompatible ABI never
// reuses old maps.
std::string default_pin_dir();

class Object {
 public:
  explicit Object(const ObjectOptions& o);
  ~Object();
  Object(const Object&) = delete;
  Object& operator=(const Object&) = delete;

  pktlens_bpf* skel() const { return skel_.get(); }
  // Pinned maps that had to be created anew (missing or incompatible with
  // this configuration), for a log line: their counters start from zero.
  const std::vector<std::string>& recreated_maps() const { return recreated_; }
  // Network name by id (install_networks), "" for unused ids; empty when
  // no networks are configured.
  const std::vector<std::string>& network_names() const { return network_names_; }

 private:
  struct Destroy {
    void operator()(pktlens_bpf* s) const;
  };
  std::unique_ptr<pktlens_bpf, Destroy> skel_;
  std::vector<std::string> recreated_;
  std::vector<std::string> network_names_;
};

}  // namespace pktlens::bpf
