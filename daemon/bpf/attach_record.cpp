// SPDX-License-Identifier: Apache-2.0
#include "bpf/attach_record.hpp"

#include <bpf/bpf.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace pktlens::bpf {
namespace {

constexpr const char* kPinName = "pktlens_attached";
// A few places per interface; far more than interfaces pktlens can count.
constexpr uint32_t kMaxEntries = 4096;

struct Key {
  uint32_t ifindex;
  uint32_t place;
  uint32_t prog_id;
};
static_assert(sizeof(Key) == 12);
using Value = uint32_t;  // unused: a hash map needs a value

Key key_of(const Held& h) { return Key{h.ifindex, static_cast<uint32_t>(h.place), h.prog_id}; }

[[noreturn]] void fail(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

bool our_shape(int fd) {
  bpf_map_info info{};
  uint32_t len = sizeof info;
  return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.type == BPF_MAP_TYPE_HASH &&
         info.key_size == sizeof(Key) && info.value_size == sizeof(Value) &&
         info.max_entries == kMaxEntries;
}

int create() {
  LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_NO_PREALLOC);
  const int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "pktlens_attach", sizeof(Key), sizeof(Value),
                                kMaxEntries, &o);
  if (fd < 0) fail(errno, "creating the attachment record map");
  return fd;
}

}  // namespace

std::string_view to_string(Place p) {
  switch (p) {
    case Place::tc_ingress:
      return "tc ingress";
    case Place::tc_egress:
      return "tc egress";
    case Place::xdp:
      return "XDP";
    case Place::tcx_ingress:
      return "tcx ingress";
    case Place::tcx_egress:
      return "tcx egress";
    case Place::clsact:
      return "clsact";
  }
  return "?";
}

AttachRecord::AttachRecord(const std::string& pin_dir) {
  if (pin_dir.empty()) {
    fd_ = create();
    return;
  }
  const std::string path = pin_dir + "/" + kPinName;
  fd_ = bpf_obj_get(path.c_str());
  if (fd_ >= 0 && our_shape(fd_)) {
    found_pinned_ = true;
    return;
  }
  if (fd_ >= 0) {
    // Another build's layout: it cannot be read as ours.
    close(fd_);
    fd_ = -1;
    if (unlink(path.c_str()) != 0) fail(errno, "unpinning the incompatible " + path);
  } else if (errno != ENOENT) {
    fail(errno, "opening " + path);
  }
  fd_ = create();
  if (bpf_obj_pin(fd_, path.c_str()) != 0) {
    const int err = errno;
    close(fd_);
    fail(err, "pinning " + path);
  }
}

AttachRecord::~AttachRecord() {
  if (fd_ >= 0) close(fd_);
}

bool AttachRecord::has(const Held& h) const {
  const Key k = key_of(h);
  Value v = 0;
  return bpf_map_lookup_elem(fd_, &k, &v) == 0;
}

void AttachRecord::add(const Held& h) {
  const Key k = key_of(h);
  const Value v = 0;
  if (bpf_map_update_elem(fd_, &k, &v, BPF_ANY) != 0)
    fail(errno, "recording pktlens's " + std::string(to_string(h.place)) + " on ifindex " +
                    std::to_string(h.ifindex));
}

void AttachRecord::remove(const Held& h) {
  const Key k = key_of(h);
  bpf_map_delete_elem(fd_, &k);  // ENOENT: not recorded, nothing to remove
}

std::vector<Held> AttachRecord::entries() const {
  std::vector<Held> out;
  Key cur{}, next{};
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd_, prev, &next) == 0) {
    out.push_back(Held{next.ifindex, static_cast<Place>(next.place), next.prog_id});
    cur = next;
    prev = &cur;
  }
  return out;
}

void AttachRecord::forget(uint32_t ifindex) {
  for (const Held& h : entries())
    if (h.ifindex == ifindex) remove(h);
}

}  // namespace pktlens::bpf
