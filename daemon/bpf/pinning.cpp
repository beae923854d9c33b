// SPDX-License-Identifier: Apache-2.0
#include "bpf/pinning.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "bpf/pin_dir.hpp"

namespace pktlens::bpf {
namespace {

// Unpins the map at `path` if its shape differs from `m`'s; true when the
// map will be created anew (not pinned yet, or unpinned here). Something
// else under its name (a directory, a program, another uid's map) is
// refused by name: libbpf would fail the load with a misleading errno.
bool unpin_if_incompatible(bpf_map* m, const std::string& path) {
  if (const std::string why = pinned_map_problem(path); !why.empty()) throw std::runtime_error(why);
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

BpffsState bpffs_state(const std::string& dir) {
  std::filesystem::path p = std::filesystem::path(dir).lexically_normal();
  for (;;) {
    struct statfs st {};
    if (statfs(p.c_str(), &st) == 0)
      return BpffsState{p.string(), static_cast<unsigned long>(st.f_type) == BPF_FS_MAGIC};
    if (errno != ENOENT && errno != ENOTDIR) return BpffsState{p.string(), false};
    if (!p.has_relative_path()) return BpffsState{};  // "/" itself failed
    p = p.parent_path();
  }
}

bool under_bpffs_root(const std::string& dir) {
  const auto p = std::filesystem::path(dir).lexically_normal();
  const auto rel = p.lexically_relative(kBpffsRoot);
  return p.is_absolute() && !rel.empty() && *rel.begin() != "..";
}

bool ensure_bpffs(const std::string& dir) {
  const BpffsState now = bpffs_state(dir);
  if (now.mounted) return false;
  const std::string root = kBpffsRoot;
  // Under /sys/fs/bpf but on another filesystem mounted below it: a bpffs
  // at /sys/fs/bpf would not be where the maps go.
  const bool below_root = now.existing.size() > std::string(kBpffsRoot).size() &&
                          under_bpffs_root(now.existing);
  if (!under_bpffs_root(dir) || below_root)
    throw std::runtime_error(
        dir + " is not on a BPF filesystem (" + (now.existing.empty() ? dir : now.existing) +
        " is not a BPF filesystem), so maps cannot be pinned there; pktlensd mounts one only at " +
        root + ": give a --bpf-pin-dir under " + root + ", or mount one at the directory first (`mkdir -p " +
        dir + " && mount -t bpf bpf " + dir + "`)");
  const std::string fix = "; mount it as root with `mount -t bpf bpf " + root +
                          "` (systemd does at boot), then start pktlensd again";
  struct stat st {};
  if (stat(root.c_str(), &st) != 0 && mkdir(root.c_str(), 0700) != 0 && errno != EEXIST)
    throw std::runtime_error("no BPF filesystem is mounted at " + root + " and the mount point " +
                             "cannot be created: " + std::strerror(errno) + fix);
  if (mount("bpffs", root.c_str(), "bpf", 0, "mode=0700") != 0) {
    const int err = errno;
    throw std::runtime_error(
        "no BPF filesystem is mounted at " + root + " and pktlensd cannot mount one: " +
        std::strerror(err) +
        (err == EPERM ? " (mounting needs CAP_SYS_ADMIN)"
                      : err == EROFS ? " (/sys is read-only here)" : "") +
        fix);
  }
  return true;
}

void require_bpffs(const std::string& dir) {
  ensure_bpffs(dir);
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
