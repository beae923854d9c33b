// SPDX-License-Identifier: Apache-2.0
// The i-th of many distinct flow keys, for tests and benchmarks that fill
// the flow map from user space: spread over interfaces, directions, VLANs,
// protocols and families, so reads cross every part of the key.
#pragma once

#include <cstdint>

#include "bpf/abi.hpp"

namespace pktlens::test {

inline pktlens_flow_key synthetic_flow_key(uint32_t i) {
  pktlens_flow_key k{};
  k.ifindex = 2 + i % 7;
  k.dir = static_cast<uint8_t>(i % 2);
  k.vlan = static_cast<uint16_t>(i % 5);
  k.proto = i % 3 ? 17 : 6;
  k.family = i % 4 ? 4 : 6;
  k.src[0] = 198;
  k.src[1] = 18;
  k.src[2] = static_cast<uint8_t>(i >> 8);
  k.src[3] = static_cast<uint8_t>(i);
  k.dst[0] = 198;
  k.dst[1] = 19;
  k.dst[15] = static_cast<uint8_t>(i % 11);
  k.sport = static_cast<uint16_t>(1024 + i);
  k.dport = static_cast<uint16_t>(i % 13);
  return k;
}

}  // namespace pktlens::test
