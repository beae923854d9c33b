// SPDX-License-Identifier: Apache-2.0
// Removing what an earlier pktlensd of this pin directory left at a place
// this configuration does not use (an interface no longer configured, or
// the other hook): only while the recorded program is still the one there,
// so whatever replaced it since stays.
#pragma once

#include <string>

#include "bpf/attach_record.hpp"

namespace pktlens::bpf {

// A filter, tcx link (pinned in `pin_dir`) or XDP program: true when the
// recorded program was there and is removed now.
bool remove_leftover_program(const Held& h, const std::string& pin_dir);

// The clsact qdisc the earlier pktlensd created; callers remove it only
// after finding its recorded filters on it (what proves it is still the
// same qdisc, not one somebody created since).
void remove_leftover_clsact(uint32_t ifindex);

}  // namespace pktlens::bpf
