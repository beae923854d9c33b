// SPDX-License-Identifier: Apache-2.0
// What a pktlensd that stops has sent of each flow, for the next pktlensd
// on the same pin directory (a restart, an upgrade, a stop then a start):
// a BPF hash pinned beside the flow table whose counters it refers to,
// written at exit and taken (read, then unpinned) at start. Without it the
// next process would send every flow's counters again from 0. After a
// crash there is none, and the flows' counts so far are sent again
// (docs/export.md, "Restarts").
#pragma once

#include <string>
#include <vector>

#include "export/flow_export.hpp"

namespace pktlens::flowexport {

inline constexpr const char* kSentPin = "pktlens_ipfix_sent";

// Pins `sent` as kSentPin in `pin_dir`, replacing an older one. Throws
// std::system_error.
void store_sent(const std::string& pin_dir, const std::vector<FlowSent>& sent);

// What a previous pktlensd stored in `pin_dir`, unpinned; empty when there
// is none. Throws std::system_error when one is there but cannot be read.
std::vector<FlowSent> take_sent(const std::string& pin_dir);

}  // namespace pktlens::flowexport
