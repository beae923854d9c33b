// SPDX-License-Identifier: Apache-2.0
#include "collector/logged_flows.hpp"

#include <bpf/bpf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "collector/bpf_call.hpp"
#include "collector/flow_mirror.hpp"
#include "collector/percpu_sum.hpp"

namespace pktlens::collector {

ScanResult read_logged_flows(const MapShape& m, std::vector<pktlens_flow_key>& logged,
                             size_t threads, uint64_t expire_before, const FlowSink& sink,
                             std::vector<pktlens_flow_key>& gone) {
  std::sort(logged.begin(), logged.end(), [](const pktlens_flow_key& a, const pktlens_flow_key& b) {
    return std::memcmp(&a, &b, sizeof a) < 0;
  });
  logged.erase(std::unique(logged.begin(), logged.end(), same_key), logged.end());

  std::vector<pktlens_flow_rec> recs(logged.size());
  std::vector<char> found(logged.size(), 0);
  // A lookup is a syscall of about a microsecond: threads pay off only
  // for thousands.
  threads = std::clamp<size_t>(logged.size() / 8192, 1, std::max<size_t>(threads, 1));
  std::vector<int> errs(threads, 0);
  const auto lookup = [&](size_t t, size_t from, size_t to) {
    std::vector<uint8_t> values(m.element());
    for (size_t i = from; i < to; i++) {
      if (bpf_map_lookup_elem(m.fd, &logged[i], values.data()) != 0) {
        if (errno == ENOENT) continue;
        errs[t] = errno;
        return;
      }
      recs[i] =
          sum_flow(reinterpret_cast<const uint8_t*>(&logged[i]), values.data(), m.stride(), m.cpus);
      recs[i].idle = recs[i].last_seen_ns < expire_before;
      found[i] = 1;
    }
  };
  {
    std::vector<std::jthread> pool;
    for (size_t t = 1; t < threads; t++)
      pool.emplace_back(lookup, t, logged.size() * t / threads, logged.size() * (t + 1) / threads);
    lookup(0, 0, logged.size() / threads);
  }
  for (const int e : errs)
    if (e != 0) fail(e, "looking up logged flows in pktlens_flows");
  ScanResult out;
  out.calls = logged.size();
  out.visited = logged.size();
  for (size_t i = 0; i < logged.size(); i++) {
    if (!found[i]) {
      gone.push_back(logged[i]);
      continue;
    }
    sink(recs[i]);
    out.reported++;
  }
  return out;
}

}  // namespace pktlens::collector
