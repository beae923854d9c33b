// SPDX-License-Identifier: Apache-2.0
// A network namespace of the test process's own (unshare), holding a veth
// pair pk0 <-> pk1 with IPv6 off so the kernel sends nothing by itself.
// Nothing can leave it, and it disappears with the process or with the
// next test's namespace: no cleanup can be forgotten.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pktlens::test {

class PrivateNetwork {
 public:
  PrivateNetwork();
  int if0 = 0;  // pk0
  int if1 = 0;  // pk1
};

// Runs a shell command; returns its stdout; throws on a non-zero exit.
std::string sh(const std::string& cmd);

// Sends each frame out of `ifindex` through an AF_PACKET socket.
void send_frames(int ifindex, const std::vector<std::vector<uint8_t>>& frames);

}  // namespace pktlens::test
