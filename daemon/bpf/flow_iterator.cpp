// SPDX-License-Identifier: Apache-2.0
#include "bpf/flow_iterator.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pktlens_bpf.skel.h>        // generated in the build tree
#include <pktlens_flow_iter.skel.h>  // generated in the build tree

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

#include "bpf/percpu.hpp"
#include "flow_iter.h"

namespace pktlens::bpf {

void FlowIterator::SkelDestroy::operator()(pktlens_flow_iter* s) const {
  pktlens_flow_iter::destroy(s);
}
void FlowIterator::LinkDestroy::operator()(bpf_link* l) const { bpf_link__destroy(l); }

FlowIterator::FlowIterator(pktlens_bpf* skel) {
  const int flows_fd = bpf_map__fd(skel->maps.pktlens_flows);
  const int cpus = possible_cpus();
  if (cpus > PKTLENS_ITER_MAX_CPUS)
    throw std::runtime_error(std::to_string(cpus) + " possible CPUs, the iterator sums at most " +
                             std::to_string(PKTLENS_ITER_MAX_CPUS));
  skel_.reset(pktlens_flow_iter::open());
  if (!skel_)
    throw std::runtime_error(std::string("opening the iterator object: ") + std::strerror(errno));
  skel_->rodata->cfg_cpus = static_cast<uint32_t>(cpus);
  if (const int rc = pktlens_flow_iter::load(skel_.get()); rc != 0)
    throw std::runtime_error(std::string("loading the iterator program: ") +
                             std::strerror(rc < -1 ? -rc : errno));
  union bpf_iter_link_info info {};
  info.map.map_fd = static_cast<uint32_t>(flows_fd);
  LIBBPF_OPTS(bpf_iter_attach_opts, opts, .link_info = &info, .link_info_len = sizeof info);
  link_.reset(bpf_program__attach_iter(skel_->progs.flow_iter, &opts));
  if (!link_)
    throw std::runtime_error(std::string("attaching the iterator to pktlens_flows: ") +
                             std::strerror(errno));
}

FlowIterator::~FlowIterator() = default;

int FlowIterator::start(uint64_t since, uint64_t expire_before) {
  auto* bss = skel_->bss;
  bss->iter_since_ns = since;
  bss->iter_expire_before_ns = expire_before;
  bss->iter_entries = 0;
  bss->iter_reported = 0;
  const int fd = bpf_iter_create(bpf_link__fd(link_.get()));
  if (fd < 0)
    throw std::system_error(errno, std::generic_category(), "creating a pktlens_flows iterator");
  return fd;
}

uint64_t FlowIterator::entries() const { return skel_->bss->iter_entries; }
uint64_t FlowIterator::reported() const { return skel_->bss->iter_reported; }

}  // namespace pktlens::bpf
