// SPDX-License-Identifier: Apache-2.0
#include "bpf/iface_registry.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pktlens_bpf.skel.h>  // generated in the build tree

#include <cerrno>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace pktlens::bpf {

IfaceRegistry::IfaceRegistry(pktlens_bpf* skel)
    : skel_(skel),
      array_size_(bpf_map__max_entries(skel->maps.pktlens_ifaces)),
      max_slots_(bpf_map__max_entries(skel->maps.pktlens_stats) / PKTLENS_DIR_MAX) {}

// Slots taken by a previous run (the maps are pinned), read once when the
// first slot is assigned.
void IfaceRegistry::scan() {
  const int afd = bpf_map__fd(skel_->maps.pktlens_ifaces);
  std::vector<uint32_t> keys(array_size_);
  std::vector<pktlens_iface> vals(array_size_);
  uint32_t count = array_size_, out = 0;
  LIBBPF_OPTS(bpf_map_batch_opts, bo);
  const int rc = bpf_map_lookup_batch(afd, nullptr, &out, keys.data(), vals.data(), &count, &bo);
  if (rc != 0 && errno != ENOENT)  // ENOENT: the whole array came back
    throw std::system_error(errno, std::generic_category(), "reading pktlens_ifaces");
  for (uint32_t i = 0; i < count; i++)
    if (vals[i].slot != PKTLENS_SLOT_UNREGISTERED) used_.insert(vals[i].slot);

  const int hfd = bpf_map__fd(skel_->maps.pktlens_ifaces_hi);
  uint32_t key = 0, next = 0;
  const void* prev = nullptr;
  while (bpf_map_get_next_key(hfd, prev, &next) == 0) {
    pktlens_iface v{};
    if (bpf_map_lookup_elem(hfd, &next, &v) == 0) used_.insert(v.slot);
    key = next;
    prev = &key;
  }
  scanned_ = true;
}

int IfaceRegistry::fd_for(uint32_t ifindex) const {
  // Small ifindexes in the array the verifier inlines; the rest in the hash.
  return ifindex < array_size_ ? bpf_map__fd(skel_->maps.pktlens_ifaces)
                               : bpf_map__fd(skel_->maps.pktlens_ifaces_hi);
}

std::optional<pktlens_iface> IfaceRegistry::read(uint32_t ifindex) const {
  pktlens_iface v{};
  if (bpf_map_lookup_elem(fd_for(ifindex), &ifindex, &v) != 0 ||
      v.slot == PKTLENS_SLOT_UNREGISTERED)
    return std::nullopt;
  return v;
}

void IfaceRegistry::write(uint32_t ifindex, const pktlens_iface& v) {
  if (bpf_map_update_elem(fd_for(ifindex), &ifindex, &v, BPF_ANY) != 0)
    throw std::system_error(errno, std::generic_category(),
                            "registering ifindex " + std::to_string(ifindex));
  used_.insert(v.slot);
}

void IfaceRegistry::forget(uint32_t ifindex) {
  const int fd = fd_for(ifindex);
  int rc;
  if (ifindex < array_size_) {
    const pktlens_iface none{PKTLENS_SLOT_UNREGISTERED, 0};
    rc = bpf_map_update_elem(fd, &ifindex, &none, BPF_ANY);
  } else {
    rc = bpf_map_delete_elem(fd, &ifindex);
    if (rc != 0 && errno == ENOENT) rc = 0;
  }
  if (rc != 0)
    throw std::system_error(errno, std::generic_category(),
                            "unregistering ifindex " + std::to_string(ifindex));
}

uint32_t IfaceRegistry::assign(uint32_t ifindex, uint32_t mtu) {
  if (!scanned_) scan();
  uint32_t slot = 0;
  if (auto old = read(ifindex)) {
    slot = old->slot;
  } else {
    for (uint32_t s = PKTLENS_SLOT_UNREGISTERED + 1; s < max_slots_ && !slot; s++)
      if (!used_.count(s)) slot = s;
    if (!slot)
      throw std::runtime_error("all " + std::to_string(max_slots_ - 1) +
                               " interface slots are in use; raise the interface limit");
  }
  write(ifindex, pktlens_iface{slot, mtu});
  return slot;
}

}  // namespace pktlens::bpf
