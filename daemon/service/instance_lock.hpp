// SPDX-License-Identifier: Apache-2.0
// One pktlensd per pin directory. Two daemons sharing pinned maps would each
// take the other's filters for stale ones and replace them, and each would
// expire flows the other still ranks; the second one is refused instead,
// naming the first one's PID.
#pragma once

#include <string>

namespace pktlens::service {

class InstanceLock {
 public:
  // Creates `dir` if needed and locks it (flock on the directory itself,
  // released by the kernel when the process dies, even by SIGKILL).
  // Throws std::runtime_error when another process holds it.
  explicit InstanceLock(const std::string& dir);
  ~InstanceLock();
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace pktlens::service
