// SPDX-License-Identifier: Apache-2.0
// Configured networks in the data plane (bpf/lib/networks.h): prefixes in
// the LPM tries pktlens_net4 / pktlens_net6, and a network id per name that
// survives restarts, so the pinned per-network counters stay with their
// network even when the list is reordered.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

struct pktlens_bpf;

namespace pktlens::bpf {

struct NetPrefix {
  uint8_t family = 4;              // 4 or 6
  std::array<uint8_t, 16> addr{};  // network byte order, host bits zero; IPv4 in the first 4
  uint8_t length = 0;              // prefix length, 0..32 or 0..128
};

struct NetworkSpec {
  std::string name;  // at most PKTLENS_NET_NAME_LEN - 1 bytes, unique
  bool drop = false;
  std::vector<NetPrefix> prefixes;  // unique across all networks
};

// Prefixes per family and whether any network drops: map sizes and the
// bits of the .rodata switch cfg_net.
struct NetworkSizes {
  uint32_t v4 = 0;
  uint32_t v6 = 0;
  bool drop = false;
};
NetworkSizes network_sizes(const std::vector<NetworkSpec>& networks);

// Into a loaded object: each network keeps the id pktlens_net_names gives
// its name, else takes the lowest id that is free or held by a name no
// longer configured (its counters are zeroed first); then its prefixes go
// into the tries. Returns the name of every id, "" where unused. Throws
// std::system_error on map errors, std::invalid_argument on more networks
// or longer names than the ABI allows.
std::vector<std::string> install_networks(pktlens_bpf* skel,
                                          const std::vector<NetworkSpec>& networks);

}  // namespace pktlens::bpf
