// SPDX-License-Identifier: Apache-2.0
// What the flow table saw in one cycle, for consumers that need every flow
// and not just the top-K (flow export): the flows whose counters moved, and
// the flows that left the kernel table with their final counters. Filled
// only when FlowTableOptions::record_changes is set, so the cycle pays for
// it only when something reads it.
#pragma once

#include <cstdint>
#include <vector>

#include "bpf/abi.hpp"
#include "collector/snapshot.hpp"

namespace pktlens::collector {

// Why a flow left the kernel table.
enum class FlowEnd : uint8_t {
  idle,      // no packet for flows.idle_timeout
  pressure,  // removed early to keep room in a nearly full table
  shutdown,  // pktlensd stopped (a detach, not a restart handover)
};

// A flow whose counters changed this cycle: cumulative counters as read.
struct FlowChange {
  pktlens_flow_key key;  // as the kernel holds it (ifindex, dir, ...)
  FlowRecord counters;   // key decoded, cumulative counters
};

// A flow deleted from the kernel table this cycle, with the counters it had
// when it was deleted (read and deleted in one step, so none is lost).
struct EndedFlow {
  pktlens_flow_key key;
  FlowRecord counters;
  FlowEnd reason;
};

struct FlowChanges {
  std::vector<FlowChange> updated;
  std::vector<EndedFlow> ended;
};

}  // namespace pktlens::collector
