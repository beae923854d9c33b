// SPDX-License-Identifier: Apache-2.0
#include "collector/presence_filter.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pktlens_bpf.skel.h>  // generated in the build tree

#include <algorithm>
#include <bit>
#include <cerrno>
#include <system_error>

#include "bpf/abi.hpp"
#include "collector/abi_codec.hpp"

extern "C" {
#include "lib/flow_hash.h"
}

namespace pktlens::collector {

std::vector<uint64_t> read_presence_filter(pktlens_bpf* skel) {
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
  vals.resize(count);
  return vals;
}

PresenceFill upkeep_presence_filter(pktlens_bpf* skel, const std::vector<FlowRecord>& flows,
                                    double max_ratio) {
  return upkeep_presence_filter(
      skel,
      [&](const FlowKeyAdd& add) {
        for (const FlowRecord& f : flows) add(encode_flow_key(f.key));
      },
      max_ratio);
}

PresenceFill upkeep_presence_filter(pktlens_bpf* skel, const ForEachFlowKey& for_each_key,
                                    double max_ratio, const MappedWords* mapped) {
  const uint32_t words = bpf_map__max_entries(skel->maps.pktlens_flow_seen);
  PresenceFill fill;
  fill.bits_total = static_cast<uint64_t>(words) * 64;
  if (mapped && mapped->mapped() && mapped->size() == words) {
    for (size_t i = 0; i < words; i++) fill.bits_set += std::popcount(mapped->load(i));
  } else {
    for (uint64_t w : read_presence_filter(skel)) fill.bits_set += std::popcount(w);
  }
  if (fill.ratio() <= max_ratio) return fill;

  std::vector<uint64_t> fresh(words, 0);
  for_each_key([&](const pktlens_flow_key& k) {
    const uint64_t h = pktlens_flow_key_hash(&k);
    fresh[pktlens_flow_seen_word(h, words - 1)] |= pktlens_flow_seen_bits(h);
  });
  std::vector<uint32_t> keys(words);
  for (uint32_t i = 0; i < words; i++) keys[i] = i;
  uint32_t count = words;
  LIBBPF_OPTS(bpf_map_batch_opts, bo);
  // Flows inserted while this runs lose their bits until the programs set
  // them again (at a flow's first touch in a new epoch, or with no touch
  // log at its next hit; FlowTable::upkeep_presence); the totals are
  // unaffected.
  if (bpf_map_update_batch(bpf_map__fd(skel->maps.pktlens_flow_seen), keys.data(), fresh.data(),
                           &count, &bo) != 0)
    throw std::system_error(errno, std::generic_category(), "rewriting pktlens_flow_seen");
  fill.rebuilt = true;
  return fill;
}

}  // namespace pktlens::collector
