// SPDX-License-Identifier: Apache-2.0
// The flows the touch log named (collector/flow_log.hpp), looked up in
// pktlens_flows one by one: the steady-state read of the flow table, which
// costs a lookup per touched flow instead of a walk over every flow.
#pragma once

#include <cstddef>
#include <vector>

#include "collector/flow_scan.hpp"
#include "collector/map_batch.hpp"

namespace pktlens::collector {

// Looks up each distinct key of `logged` (sorted and de-duplicated in
// place: a flow is logged once per CPU that touched it) with up to
// `threads` threads; `sink` gets each flow found, in key order, idle ones
// marked; keys the kernel no longer has are appended to `gone`. Throws
// std::system_error on lookup errors.
ScanResult read_logged_flows(const MapShape& flows, std::vector<pktlens_flow_key>& logged,
                             size_t threads, uint64_t expire_before, const FlowSink& sink,
                             std::vector<pktlens_flow_key>& gone);

}  // namespace pktlens::collector
