// SPDX-License-Identifier: Apache-2.0
// A BPF filesystem instance of a test's own: `mount -t bpf bpf DIR` on a
// fresh temporary directory, unmounted (the pins go with the instance) and
// removed however the test ends. Tests pin there, never under the host's
// /sys/fs/bpf, so they give the same result whether or not it is mounted.
#pragma once

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <system_error>

namespace pktlens::test {

class BpfFs {
 public:
  BpfFs() {
    std::string tmpl = "/tmp/pktlens-bpffs-XXXXXX";
    if (!mkdtemp(tmpl.data()))
      throw std::system_error(errno, std::generic_category(), "creating a bpffs mount point");
    mountpoint_ = tmpl;
    if (mount("bpf", mountpoint_.c_str(), "bpf", 0, nullptr) != 0) {
      const int err = errno;
      rmdir(mountpoint_.c_str());
      throw std::system_error(err, std::generic_category(),
                              "mount -t bpf bpf " + mountpoint_ + " (needs root)");
    }
  }
  ~BpfFs() {
    // Busy only while something still has a file of it open: detach then.
    if (umount2(mountpoint_.c_str(), 0) != 0) umount2(mountpoint_.c_str(), MNT_DETACH);
    rmdir(mountpoint_.c_str());
  }
  BpfFs(const BpfFs&) = delete;
  BpfFs& operator=(const BpfFs&) = delete;

  const std::string& mountpoint() const { return mountpoint_; }
  // A pin directory inside the instance (its parent is the bpffs, as
  // bpf::require_bpffs wants); created by whoever pins there.
  std::string pin_dir(const std::string& name = "pktlens") const {
    return mountpoint_ + "/" + name;
  }

 private:
  std::string mountpoint_;
};

}  // namespace pktlens::test
