// SPDX-License-Identifier: Apache-2.0
// Error handling around libbpf calls and the clocks of the flow timestamps,
// shared by the collector's map readers (map_reader, flow_table).
#pragma once

#include <time.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <system_error>

namespace pktlens::collector {

// The kernel's internal "not supported" (include/linux/errno.h), which
// reaches user space unchanged from some map types.
inline constexpr int kENOTSUPP = 524;

[[noreturn]] inline void fail(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

// libbpf 1.x returns -errno; older ones return -1 and set errno.
inline int error_of(int rc) { return rc < -1 ? -rc : errno; }

// The error a batch op gives on a kernel or map without batch ops.
inline bool no_batch_ops(int err) { return err == EINVAL || err == kENOTSUPP || err == EOPNOTSUPP; }

// CLOCK_MONOTONIC (Snapshot::taken_ns) or CLOCK_MONOTONIC_COARSE (the clock
// of bpf_ktime_get_coarse_ns, the flows' first/last_seen_ns), in ns.
inline uint64_t clock_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ULL + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace pktlens::collector
