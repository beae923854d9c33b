// SPDX-License-Identifier: Apache-2.0
// Expiry of pending TCP handshakes (bpf/lib/tcp_latency.h): a handshake
// still pending after the data plane's timeout (.rodata
// cfg_handshake_timeout_ns, ObjectOptions::handshake_timeout_ns) never
// completed. Each collection deletes such entries from pktlens_handshakes
// and adds them to pktlens_hs_timeouts[slot * 2 + role], a pinned map only
// user space writes, so the count survives a daemon restart like the
// kernel's counters.
#pragma once

#include <cstddef>
#include <cstdint>

struct pktlens_bpf;

namespace pktlens::collector {

struct SweepInfo {
  size_t pending = 0;  // entries seen
  size_t expired = 0;  // deleted and counted
};

// now_ns: CLOCK_MONOTONIC (the clock of bpf_ktime_get_ns). Does nothing
// when handshake tracking is switched off. Throws std::system_error on map
// errors.
SweepInfo sweep_handshakes(pktlens_bpf* skel, uint64_t now_ns);

}  // namespace pktlens::collector
