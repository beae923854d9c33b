// SPDX-License-Identifier: Apache-2.0
#include "bpf/iface_registry.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pktlens_bpf.skel.h>  // generated in the build tree

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include "bpf/percpu.hpp"

namespace pktlens::bpf {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

// Writes zeros over element `key` of an array map, every CPU's copy of a
// per-CPU one.
void zero_element(bpf_map* map, uint32_t key) {
  const bool percpu = bpf_map__type(map) == BPF_MAP_TYPE_PERCPU_ARRAY;
  const size_t size =
      percpu ? percpu_stride(bpf_map__value_size(map)) * possible_cpus() : bpf_map__value_size(map);
  const std::vector<unsigned char> zeros(size);
  if (bpf_map_update_elem(bpf_map__fd(map), &key, zeros.data(), BPF_ANY) != 0)
    fail(std::string("zeroing ") + bpf_map__name(map) + "[" + std::to_string(key) + "]");
}

}  // namespace

IfaceRegistry::IfaceRegistry(pktlens_bpf* skel)
    : skel_(skel),
      array_size_(bpf_map__max_entries(skel->maps.pktlens_ifaces)),
      max_slots_(bpf_map__max_entries(skel->maps.pktlens_stats) / PKTLENS_DIR_MAX) {}

// Slots taken by a previous run (the maps are pinned), read once when the
// first slot is assigned: those with an owner record, and those an ifindex
// points to (a pktlensd from before owner records).
void IfaceRegistry::scan() {
  const int afd = bpf_map__fd(skel_->maps.pktlens_ifaces);
  std::vector<uint32_t> keys(array_size_);
  std::vector<pktlens_iface> vals(array_size_);
  uint32_t count = array_size_, out = 0;
  LIBBPF_OPTS(bpf_map_batch_opts, bo);
  const int rc = bpf_map_lookup_batch(afd, nullptr, &out, keys.data(), vals.data(), &count, &bo);
  if (rc != 0 && errno != ENOENT)  // ENOENT: the whole array came back
    fail("reading pktlens_ifaces");
  for (uint32_t i = 0; i < count; i++)
    if (vals[i].slot != PKTLENS_SLOT_UNREGISTERED && vals[i].slot < max_slots_) {
      used_.insert(vals[i].slot);
      pointed_[vals[i].slot] = keys[i];
    }

  const int hfd = bpf_map__fd(skel_->maps.pktlens_ifaces_hi);
  uint32_t key = 0, next = 0;
  const void* prev = nullptr;
  while (bpf_map_get_next_key(hfd, prev, &next) == 0) {
    pktlens_iface v{};
    if (bpf_map_lookup_elem(hfd, &next, &v) == 0 && v.slot < max_slots_) {
      used_.insert(v.slot);
      pointed_[v.slot] = next;
    }
    key = next;
    prev = &key;
  }
  const int ofd = bpf_map__fd(skel_->maps.pktlens_slot_owners);
  for (uint32_t s = PKTLENS_SLOT_UNREGISTERED + 1; s < max_slots_; s++) {
    pktlens_slot_owner o{};
    if (bpf_map_lookup_elem(ofd, &s, &o) == 0 && o.ifindex != 0) used_.insert(s);
  }
  scanned_ = true;
}

std::vector<IfaceRegistry::Owner> IfaceRegistry::owners() {
  if (!scanned_) scan();
  const int ofd = bpf_map__fd(skel_->maps.pktlens_slot_owners);
  std::vector<Owner> v;
  for (uint32_t s : used_) {
    pktlens_slot_owner o{};
    if (bpf_map_lookup_elem(ofd, &s, &o) != 0) fail("reading pktlens_slot_owners");
    // No record (a pktlensd from before them): the ifindex that points to it.
    const uint32_t ifindex = o.ifindex ? o.ifindex : pointed_[s];
    v.push_back({s, ifindex, std::string(o.name, strnlen(o.name, sizeof o.name))});
  }
  return v;
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
    fail("registering ifindex " + std::to_string(ifindex));
  used_.insert(v.slot);
}

void IfaceRegistry::set_owner(uint32_t slot, uint32_t ifindex, const std::string& name) {
  pktlens_slot_owner o{};
  o.ifindex = ifindex;
  std::memcpy(o.name, name.data(), std::min(name.size(), sizeof o.name - 1));
  if (bpf_map_update_elem(bpf_map__fd(skel_->maps.pktlens_slot_owners), &slot, &o, BPF_ANY) != 0)
    fail("recording the owner of slot " + std::to_string(slot));
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
  if (rc != 0) fail("unregistering ifindex " + std::to_string(ifindex));
}

void IfaceRegistry::zero(uint32_t slot) {
  for (uint32_t d = 0; d < PKTLENS_DIR_MAX; d++)
    zero_element(skel_->maps.pktlens_stats, slot * PKTLENS_DIR_MAX + d);
  zero_element(skel_->maps.pktlens_tcp_lat, slot);
  for (uint32_t r = 0; r < PKTLENS_HS_ROLES; r++)
    zero_element(skel_->maps.pktlens_hs_timeouts, slot * PKTLENS_HS_ROLES + r);
}

void IfaceRegistry::release(const std::vector<uint32_t>& slots) {
  if (slots.empty()) return;
  const std::set<uint32_t> gone(slots.begin(), slots.end());
  // A handshake still pending on a released slot would otherwise count its
  // timeout into the slot's next interface. Collected first, deleted after:
  // deleting the cursor would restart the walk.
  const int hfd = bpf_map__fd(skel_->maps.pktlens_handshakes);
  std::vector<pktlens_conn_key> stale;
  pktlens_conn_key key{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(hfd, prev, &next) == 0) {
    pktlens_hs_pending p{};
    if (bpf_map_lookup_elem(hfd, &next, &p) == 0 && gone.count(p.slot)) stale.push_back(next);
    key = next;
    prev = &key;
  }
  for (const auto& k : stale) bpf_map_delete_elem(hfd, &k);  // ENOENT: gone meanwhile
  for (uint32_t slot : gone) {
    zero(slot);
    set_owner(slot, 0, "");
    used_.erase(slot);
    next_free_ = std::min(next_free_, slot);
  }
}

std::optional<uint32_t> IfaceRegistry::free_slot() {
  for (uint32_t s = next_free_; s < max_slots_; s++)
    if (!used_.count(s)) {
      next_free_ = s + 1;
      return s;
    }
  next_free_ = max_slots_;
  return std::nullopt;
}

uint32_t IfaceRegistry::assign(uint32_t ifindex, const std::string& name, uint32_t mtu) {
  if (!scanned_) scan();
  if (auto old = read(ifindex); old && old->slot < max_slots_) {
    pktlens_slot_owner o{};
    const bool recorded =
        bpf_map_lookup_elem(bpf_map__fd(skel_->maps.pktlens_slot_owners), &old->slot, &o) == 0 &&
        o.ifindex != 0;
    if (!recorded || (o.ifindex == ifindex && name.compare(0, sizeof o.name, o.name) == 0)) {
      set_owner(old->slot, ifindex, name);
      write(ifindex, pktlens_iface{old->slot, mtu});
      return old->slot;
    }
    // The ifindex was given to another interface while no pktlensd ran:
    // the old slot is that interface's, retired by the loader.
  }
  const auto slot = free_slot();
  if (!slot)
    throw SlotsFull("all " + std::to_string(capacity()) +
                    " interface slots are in use (attached, or gone and within their "
                    "retention); raise interface_slots.max_entries or shorten "
                    "interface_slots.retention");
  zero(*slot);
  set_owner(*slot, ifindex, name);
  write(ifindex, pktlens_iface{*slot, mtu});
  return *slot;
}

void IfaceRegistry::reassign(uint32_t slot, uint32_t ifindex, const std::string& name,
                             uint32_t mtu) {
  set_owner(slot, ifindex, name);
  write(ifindex, pktlens_iface{slot, mtu});
}

}  // namespace pktlens::bpf
