// SPDX-License-Identifier: Apache-2.0
// The flow-table iterator (bpf/flow_iter.bpf.c): a BPF map-element iterator
// attached to pktlens_flows that sums each flow's per-CPU values in the
// kernel and writes only the flows a pass needs (collector/flow_scan.hpp).
// It is a BTF tracing program: kernels under lockdown, or without
// CONFIG_DEBUG_INFO_BTF, refuse it, and the collector scans with batch
// reads instead, with the same results. RAII: skeleton and link.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

struct pktlens_bpf;
struct pktlens_flow_iter;
struct bpf_link;

namespace pktlens::bpf {

class FlowIterator {
 public:
  // Loads the program and attaches it to the flow map of `skel` (a loaded
  // bpf::Object, outliving the iterator). Throws std::runtime_error saying
  // why when the kernel refuses.
  explicit FlowIterator(pktlens_bpf* skel);
  ~FlowIterator();
  FlowIterator(const FlowIterator&) = delete;
  FlowIterator& operator=(const FlowIterator&) = delete;

  // Starts a pass reporting flows with last_seen_ns >= since, and idle
  // ones (last_seen_ns < expire_before); returns the fd to read() the
  // records from (the caller closes it). Throws std::system_error.
  int start(uint64_t since, uint64_t expire_before);
  // After a pass: elements visited, records written.
  uint64_t entries() const;
  uint64_t reported() const;

 private:
  struct SkelDestroy {
    void operator()(pktlens_flow_iter* s) const;
  };
  struct LinkDestroy {
    void operator()(bpf_link* l) const;
  };
  std::unique_ptr<pktlens_flow_iter, SkelDestroy> skel_;
  std::unique_ptr<bpf_link, LinkDestroy> link_;
};

}  // namespace pktlens::bpf
