// SPDX-License-Identifier: Apache-2.0
#include "collector/handshake_sweep.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pktlens_bpf.skel.h>  // generated in the build tree

#include <cerrno>
#include <map>
#include <utility>
#include <vector>

#include "bpf/abi.hpp"
#include "collector/bpf_call.hpp"

namespace pktlens::collector {

SweepInfo sweep_handshakes(pktlens_bpf* skel, uint64_t now_ns) {
  SweepInfo info;
  if (!skel->rodata->cfg_handshake) return info;
  const uint64_t timeout = skel->rodata->cfg_handshake_timeout_ns;
  const int fd = bpf_map__fd(skel->maps.pktlens_handshakes);
  const uint32_t limit = bpf_map__max_entries(skel->maps.pktlens_handshakes);

  // Collect first, delete after: deleting the cursor would restart the walk.
  std::vector<std::pair<pktlens_conn_key, pktlens_hs_pending>> expired;
  pktlens_conn_key key{}, next{};
  const void* prev = nullptr;
  for (uint64_t n = 0; n < uint64_t{limit} * 2 + 16; n++) {
    if (bpf_map_get_next_key(fd, prev, &next) != 0) {
      if (errno == ENOENT) break;
      fail(errno, "iterating pktlens_handshakes");
    }
    pktlens_hs_pending p{};
    if (bpf_map_lookup_elem(fd, &next, &p) == 0) {
      info.pending++;
      // first_ns may be a little after now_ns (a SYN since the clock read).
      if (now_ns > p.first_ns && now_ns - p.first_ns > timeout) expired.emplace_back(next, p);
    }
    key = next;
    prev = &key;
  }

  // Only entries this sweep deleted count: one the data plane removed
  // meanwhile (a RST) or the LRU evicted is not a timeout.
  std::map<uint32_t, uint64_t> add;
  for (const auto& [k, p] : expired)
    if (bpf_map_delete_elem(fd, &k) == 0) {
      add[p.slot * PKTLENS_HS_ROLES + (p.role & 1)]++;
      info.expired++;
    }
  const int tfd = bpf_map__fd(skel->maps.pktlens_hs_timeouts);
  for (const auto& [idx, n] : add) {
    uint64_t v = 0;
    if (bpf_map_lookup_elem(tfd, &idx, &v) != 0) continue;  // slot beyond the map
    v += n;
    if (bpf_map_update_elem(tfd, &idx, &v, BPF_ANY) != 0)
      fail(errno, "updating pktlens_hs_timeouts");
  }
  return info;
}

}  // namespace pktlens::collector
