// SPDX-License-Identifier: Apache-2.0
// Reads the tracepoint object's maps (bpf/tcp_events.h) into
// Snapshot::tcp_events: drops by reason (labelled with the kernel's names,
// read once at construction), retransmissions by device and for the top-K
// flows, the srtt histogram. Per-CPU values are summed; nothing is deleted.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "collector/snapshot.hpp"

namespace pktlens::bpf {
class TcpEvents;
}

namespace pktlens::collector {

class TcpEventsReader {
 public:
  // `events` outlives the reader. Reads the drop reason names from the
  // running kernel's BTF when drops are on (throws if it has none).
  explicit TcpEventsReader(const bpf::TcpEvents& events);

  // Fills s.tcp_events; call after s.top_flows is set (the top-K flows'
  // retransmits are looked up for those flows). Throws std::system_error on
  // map errors.
  void read(Snapshot& s) const;


 private:
  const bpf::TcpEvents& events_;
  std::map<uint32_t, std::string> drop_names_;
};

}  // namespace pktlens::collector
