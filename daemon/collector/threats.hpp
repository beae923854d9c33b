// SPDX-License-Identifier: Apache-2.0
// Threat signals (bpf/lib/threats.h) into Snapshot::threats: each cycle
// reads the threat maps, takes the difference with the previous cycle and
// keeps the top-K. Holds the previous cycle's counters, nothing else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>

#include "collector/snapshot.hpp"
#include "collector/threat_rank.hpp"
#include "collector/udp_port_reader.hpp"

struct pktlens_bpf;

namespace pktlens::collector {

struct ThreatOptions {
  size_t syn_top_k = 20;
  // The programs are attached at TC (false: XDP), where handshakes are
  // tracked and completions counted.
  bool tc_hooks = true;
  size_t icmp_echo_top_k = 20;
  size_t udp_ports_top_k = 20;
  size_t scan_top_k = 20;
  uint64_t scan_threshold = 25;  // distinct ports that make a source a suspect
};

class ThreatCollector {
 public:
  ThreatCollector(pktlens_bpf* skel, const ThreatOptions& o);

  // Fills s.threats. Throws std::system_error on map errors.
  void collect(Snapshot& s);
  // attach switched (a reload): handshakes complete only at TC.
  void set_tc_hooks(bool tc) { opts_.tc_hooks = tc; }

 private:
  pktlens_bpf* skel_;
  ThreatOptions opts_;
  bool first_ = true;
  std::map<SynKey, SynCounts> prev_syn_;
  std::map<AddrKey, uint64_t> prev_icmp_;
  std::map<uint16_t, uint64_t> prev_udp_;
  UdpPortReader udp_ports_;
};

}  // namespace pktlens::collector
