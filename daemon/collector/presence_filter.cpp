// SPDX-License-Identifier: Apache-2.0
#include "collector/presence_filter.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <bit>
#include <cerrno>
#include <system_error>
#include <vector>

#include "pktlens_bpf.skel.h"

namespace pktlens::collector {

PresenceFill upkeep_presence_filter(pktlens_bpf* skel, double max_ratio) {
  const int fd = bpf_map__fd(skel->maps.pktlens_flow_seen);
  const uint32_t words = bpf_map__max_entries(skel->maps.pktlens_flow_seen);
  std::vector<uint32_t> keys(words);
  std::vector<uint64_t> vals(words);
  uint32_t count = words, out = 0;
  LIBBPF_OPTS(bpf_map_batch_opts, bo);
  // An array answers ENOENT once it has returned every element.
  if (bpf_map_lookup_batch(fd, nullptr, &out, keys.data(), vals.data(), &count, &bo) != 0 &&
      errno != ENOENT)
    throw std::system_error(errno, std::generic_category(), "reading pktlens_flow_seen");

  PresenceFill fill;
  fill.bits_total = static_cast<uint64_t>(words) * 64;
  for (uint32_t i = 0; i < count; i++) fill.bits_set += std::popcount(vals[i]);
  if (fill.ratio() <= max_ratio) return fill;

  for (uint32_t i = 0; i < words; i++) keys[i] = i;
  std::fill(vals.begin(), vals.end(), 0);
  count = words;
  if (bpf_map_update_batch(fd, keys.data(), vals.data(), &count, &bo) != 0)
    throw std::system_error(errno, std::generic_category(), "clearing pktlens_flow_seen");
  fill.cleared = true;
  return fill;
}

}  // namespace pktlens::collector
