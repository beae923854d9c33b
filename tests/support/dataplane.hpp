// SPDX-License-Identifier: Apache-2.0
// The pktlens BPF object (bpf::Object, unpinned) for tests and benchmarks: no attachment,
// frames go in through BPF_PROG_TEST_RUN and maps are read back summed
// over CPUs. Each instance loads fresh maps, so tests do not share state.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "bpf/abi.hpp"
#include "bpf/iface_registry.hpp"
#include "bpf/object.hpp"

struct pktlens_bpf;

namespace pktlens::test {

enum class Hook { TcIngress, TcEgress, Xdp };

inline constexpr std::array<Hook, 3> kHooks{Hook::TcIngress, Hook::TcEgress, Hook::Xdp};

// The program name of a hook, for test and bench messages.
inline const char* hook_name(Hook h) {
  switch (h) {
    case Hook::TcIngress:
      return "tc_ingress";
    case Hook::TcEgress:
      return "tc_egress";
    case Hook::Xdp:
      return "xdp_ingress";
  }
  return "?";
}

// The direction a hook records.
inline uint8_t dir_of(Hook h) {
  return h == Hook::TcEgress ? PKTLENS_DIR_EGRESS : PKTLENS_DIR_INGRESS;
}

struct DataplaneOptions {
  uint32_t max_slots = 16;
  uint32_t ifindex_array = PKTLENS_DEFAULT_IFINDEX_ARRAY;
  uint32_t max_flows = 4096;
  uint32_t max_vlans = 256;
  bool flows = true;
  uint32_t flow_key = PKTLENS_FK_ALL;
  bool vlans = true;
  uint64_t flow_window_ns = 100'000'000;
  uint32_t flow_inserts_per_window = 2500;  // the product default
  bool flow_log = true;
  uint32_t flow_log_per_cpu = 0;  // 0: the product's sizing
  bool flow_presence_filter = true;
  bool handshake = true;
  bool rtt = true;
  uint64_t handshake_timeout_ns = PKTLENS_DEFAULT_HS_TIMEOUT_NS;
  std::vector<bpf::NetworkSpec> networks;
  bool syn = true;
  uint32_t max_syn_dests = 1024;
  bool icmp_echo = true;
  uint32_t max_icmp_dests = 1024;
  bool udp_ports = true;
  bool scan = true;
  uint32_t max_scan_sources = 1024;
  uint64_t scan_window_ns = PKTLENS_DEFAULT_SCAN_WINDOW_NS;
  uint32_t scan_inserts_per_window = 1000;
  uint32_t flow_cache_slots = 0;  // off: tests see every packet in pktlens_flows at once
};

struct RunOptions {
  uint32_t repeat = 1;
  uint32_t gso_segs = 0;     // TC only: pretend the skb is a GSO aggregate
  uint32_t gso_size = 1000;  // its payload bytes per segment, with gso_segs
};

struct RunResult {
  int retval;
  uint32_t duration_ns;  // kernel-measured mean per repeat
};

struct Flow {
  pktlens_flow_key key;
  pktlens_flow_val val;  // packets/bytes summed, first_seen min, last_seen max, flags OR
};

struct VlanCount {
  pktlens_vlan_key key;
  pktlens_vlan_val val;
};

class Dataplane {
 public:
  explicit Dataplane(const DataplaneOptions& o = {});
  ~Dataplane();
  Dataplane(const Dataplane&) = delete;
  Dataplane& operator=(const Dataplane&) = delete;

  // ifindex 1 (lo) is what BPF_PROG_TEST_RUN reports for both TC and XDP.
  void register_iface(uint32_t ifindex, uint32_t slot, uint32_t mtu);

  RunResult run(Hook hook, std::span<const uint8_t> frame, const RunOptions& o = {});
  int prog_fd(Hook hook) const;

  pktlens_if_stats stats(uint32_t slot, uint8_t dir) const;
  std::vector<Flow> flows() const;
  std::vector<VlanCount> vlans() const;
  // pktlens_tcp_lat[slot] summed over CPUs; entries of the shared
  // pending maps (pktlens_handshakes, pktlens_rtt_pending).
  pktlens_tcp_lat tcp_lat(uint32_t slot) const;
  std::vector<std::pair<pktlens_conn_key, pktlens_hs_pending>> handshakes() const;
  std::vector<std::pair<pktlens_rtt_key, uint64_t>> rtt_pending() const;

  // Per-network counters summed over CPUs; the id of a network by name.
  pktlens_net_count net_count(uint32_t id, uint8_t dir, uint8_t side) const;
  pktlens_net_count net_blocked(uint32_t id) const;
  uint32_t network_id(const std::string& name) const;

  int flows_fd() const;
  struct ::pktlens_bpf* skel() const {
    return skel_;
  }

 private:
  bpf::Object obj_;
  bpf::IfaceRegistry ifaces_;
  struct ::pktlens_bpf* skel_;
};

// Sum of packets[l3][l4] over all classes.
uint64_t total_packets(const pktlens_if_stats& s);
uint64_t total_bytes(const pktlens_if_stats& s);

}  // namespace pktlens::test
