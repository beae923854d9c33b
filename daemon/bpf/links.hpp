// SPDX-License-Identifier: Apache-2.0
// The network interfaces of the current namespace as the loader needs them:
// read fresh on every call, so an interface that appears, is renamed or goes
// away is seen at the next look.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace pktlens::bpf {

struct Link {
  uint32_t ifindex = 0;
  std::string name;
  bool up = false;        // IFF_UP
  bool loopback = false;  // IFF_LOOPBACK
  uint32_t mtu = 0;       // L3 MTU; 0 when it could not be read

  bool operator==(const Link&) const = default;
};

// Every link, ordered by ifindex. Throws std::system_error when the kernel
// cannot be asked at all.
std::vector<Link> list_links();

}  // namespace pktlens::bpf
