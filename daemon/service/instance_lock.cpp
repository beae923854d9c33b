// SPDX-License-Identifier: Apache-2.0
#include "service/instance_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace pktlens::service {
namespace {

// The holder's PID: /proc/locks lists "... FLOCK ... PID MAJ:MIN:INODE ...".
std::string holder_of(int fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0) return "";
  std::ifstream locks("/proc/locks");
  std::string line;
  std::string inode = ":";  // appended: GCC 12's false -Wrestrict (PR 105651)
  inode += std::to_string(st.st_ino);
  inode += ' ';
  while (std::getline(locks, line)) {
    if (line.find("FLOCK") == std::string::npos || line.find(inode) == std::string::npos) continue;
    // fields: N: FLOCK ADVISORY WRITE PID DEV:INODE START END
    char kind[16], mode[16], rw[16];
    int n = 0, pid = 0;
    if (std::sscanf(line.c_str(), "%d: %15s %15s %15s %d", &n, kind, mode, rw, &pid) == 5)
      return std::to_string(pid);
  }
  return "";
}

}  // namespace

InstanceLock::InstanceLock(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    throw std::runtime_error("cannot create " + dir + ": " + ec.message() +
                             " (is a BPF filesystem mounted at /sys/fs/bpf? mount -t bpf bpf "
                             "/sys/fs/bpf)");
  fd_ = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "opening " + dir);
  if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    const std::string pid = holder_of(fd_);
    close(fd_);
    fd_ = -1;
    if (err == EWOULDBLOCK)
      throw std::runtime_error("another pktlensd" + (pid.empty() ? "" : " (PID " + pid + ")") +
                               " is running with the maps in " + dir +
                               "; stop it first (systemctl stop pktlens), or give this one its "
                               "own --bpf-pin-dir");
    throw std::system_error(err, std::generic_category(), "locking " + dir);
  }
}

InstanceLock::~InstanceLock() {
  if (fd_ >= 0) close(fd_);
}

}  // namespace pktlens::service
