// SPDX-License-Identifier: Apache-2.0
// A file descriptor closed when it goes out of scope: BPF objects, iterator
// reads, probes. (config/ keeps its own for the config file: it depends on
// no other module.)
#pragma once

#include <unistd.h>

namespace pktlens::bpf {

class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const { return fd_; }
  // Closes the one held, holds `fd`.
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  // Gives the fd up without closing it.
  int release() {
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

}  // namespace pktlens::bpf
