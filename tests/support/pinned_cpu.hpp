// SPDX-License-Identifier: Apache-2.0
// The flow admission budget is per CPU, and a test run executes on the CPU
// of the caller: a test that counts on one budget stays on one CPU.
#pragma once

#include <sched.h>

#include <cerrno>
#include <system_error>

namespace pktlens::test {

class PinnedToOneCpu {
 public:
  PinnedToOneCpu() {
    CPU_ZERO(&saved_);
    if (sched_getaffinity(0, sizeof saved_, &saved_) != 0)
      throw std::system_error(errno, std::generic_category(), "sched_getaffinity");
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    if (sched_setaffinity(0, sizeof one, &one) != 0)
      throw std::system_error(errno, std::generic_category(), "sched_setaffinity");
  }
  ~PinnedToOneCpu() { sched_setaffinity(0, sizeof saved_, &saved_); }
  PinnedToOneCpu(const PinnedToOneCpu&) = delete;
  PinnedToOneCpu& operator=(const PinnedToOneCpu&) = delete;

 private:
  cpu_set_t saved_;
};

}  // namespace pktlens::test
