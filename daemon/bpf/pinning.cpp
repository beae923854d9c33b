// SPDX-License-Identifier: Apache-2.0
#include "bpf/pinning.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace pktlens::bpf {
namespace {

// Unpins the map at `path` if its shape differs from `m`'s; true when the
// map will be created anew (not pinned yet, or unpinned here).
bool unpin_if_incompatible(bpf_map* m, const std::string& path) {
  const int fd = bpf_obj_get(path.c_str());
  if (fd < 0) return errno == ENOENT;  // not pinned yet: created anew
  bpf_map_info info{};
  uint32_t len = sizeof info;
  const int rc = bpf_obj_get_info_by_fd(fd, &info, &len);
  close(fd);
  const bool same =
      rc == 0 && info.type == bpf_map__type(m) && info.key_size == bpf_map__key_size(m) &&
      info.value_size == bpf_map__value_size(m) && info.max_entries == bpf_map__max_entries(m) &&
      info.map_flags == bpf_map__map_flags(m);
  if (same) return false;
  if (unlink(path.c_str()) != 0)
    throw std::system_error(errno, std::generic_category(), "unpinning incompatible map " + path);
  return true;
}

}  // namespace

void require_bpffs(const std::string& dir) {
  const std::string parent = std::filesystem::path(dir).parent_path();
  struct statfs st {};
  if (statfs(parent.c_str(), &st) != 0 || st.f_type != BPF_FS_MAGIC)
    throw std::runtime_error(parent +
                             " is not a BPF filesystem, so maps cannot be pinned there; "
                             "mount one with `mount -t bpf bpf /sys/fs/bpf`");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw std::system_error(ec, "creating " + dir);
}

std::vector<std::string> pin_maps(bpf_object* obj, const std::string& dir) {
  std::vector<std::string> recreated;
  bpf_map* m;
  bpf_object__for_each_map(m, obj) {
    if (bpf_map__is_internal(m)) continue;  // .rodata: part of this load only
    // The network tries are configuration, written anew at every start:
    // a pinned one would keep the prefixes of an older config.
    if (bpf_map__type(m) == BPF_MAP_TYPE_LPM_TRIE) continue;
    const std::string path = dir + "/" + bpf_map__name(m);
    if (unpin_if_incompatible(m, path)) recreated.push_back(bpf_map__name(m));
    const int rc = bpf_map__set_pin_path(m, path.c_str());
    if (rc != 0)
      throw std::system_error(-rc, std::generic_category(), "setting the pin path " + path);
  }
  return recreated;
}

}  // namespace pktlens::bpf
