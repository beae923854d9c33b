// SPDX-License-Identifier: Apache-2.0
#include "collector/flow_removal.hpp"

#include <bpf/bpf.h>

#include <string>

#include "collector/bpf_call.hpp"
#include "collector/percpu_sum.hpp"

namespace pktlens::collector {

FlowRemoval::FlowRemoval(const MapShape& flows, bool lookup_and_delete)
    : m_(flows), lookup_and_delete_(lookup_and_delete), values_(flows.element()) {}

// True when the key was in the table: its values are in values_ and it is
// deleted.
bool FlowRemoval::read_and_delete(const pktlens_flow_key& key) {
  if (lookup_and_delete_) {
    const int rc = bpf_map_lookup_and_delete_elem(m_.fd, &key, values_.data());
    if (rc == 0) return true;
    const int err = error_of(rc);
    if (err == ENOENT) return false;
    if (!no_batch_ops(err)) fail(err, std::string("removing a flow from ") + m_.name);
    lookup_and_delete_ = false;  // an older kernel: the two-step fallback
  }
  if (bpf_map_lookup_elem(m_.fd, &key, values_.data()) != 0) {
    if (errno == ENOENT) return false;
    fail(errno, std::string("reading a flow of ") + m_.name);
  }
  if (bpf_map_delete_elem(m_.fd, &key) != 0) {
    if (errno == ENOENT) return false;
    fail(errno, std::string("deleting a flow from ") + m_.name);
  }
  return true;
}

size_t FlowRemoval::remove(const std::vector<pktlens_flow_key>& keys, const FlowSink& removed) {
  size_t n = 0;
  for (const pktlens_flow_key& key : keys) {
    if (!read_and_delete(key)) continue;
    removed(sum_flow(reinterpret_cast<const uint8_t*>(&key), values_.data(), m_.stride(), m_.cpus));
    n++;
  }
  return n;
}

}  // namespace pktlens::collector
