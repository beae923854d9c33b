// SPDX-License-Identifier: Apache-2.0
// Pinning the maps of a BPF object before load, shared by every object
// pktlensd pins (bpf::Object, bpf::TcpEvents): same directory, same rules.
#pragma once

#include <string>
#include <vector>

struct bpf_object;

namespace pktlens::bpf {

inline constexpr const char* kBpffsRoot = "/sys/fs/bpf";

// The nearest existing directory of `dir` (itself, or its closest existing
// parent), and whether it is on a BPF filesystem (statfs f_type ==
// BPF_FS_MAGIC): where pinning under `dir` would happen.
struct BpffsState {
  std::string existing;  // "" when not even "/" could be examined
  bool mounted = false;
};
BpffsState bpffs_state(const std::string& dir);

// True when `dir` is /sys/fs/bpf or below it: the one place pktlensd mounts
// a BPF filesystem itself.
bool under_bpffs_root(const std::string& dir);

// Makes sure `dir` lies on a BPF filesystem. When it does not and `dir` is
// under /sys/fs/bpf, mounts one at /sys/fs/bpf (creating the mount point if
// needed), as systemd does at boot; returns true when it mounted. Throws a
// message a user can act on when it cannot (no CAP_SYS_ADMIN, a read-only
// /sys), or when `dir` is elsewhere and not on a BPF filesystem.
bool ensure_bpffs(const std::string& dir);

// ensure_bpffs(dir), then creates `dir`.
void require_bpffs(const std::string& dir);

// Sets the pin path of every map of `obj` (not .rodata and the like) to
// dir/NAME. libbpf reuses a pinned map only if type, sizes, max_entries and
// flags all match, and fails the load otherwise: a pinned map whose shape
// changed is unpinned, so a new one is created. Returns the names of the
// maps that will be created anew (missing or incompatible). LPM tries (the
// configured networks) are never pinned: their contents are configuration.
std::vector<std::string> pin_maps(bpf_object* obj, const std::string& dir);

}  // namespace pktlens::bpf
