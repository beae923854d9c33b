// SPDX-License-Identifier: Apache-2.0
// An address as the data plane stores it (IPv4 in the first 4 bytes) as
// inet_ntop text: the label value of every address label, so the exporter
// and the alerts name a host the same way.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>

namespace pktlens::collector {

// False when family is neither 4 nor 6.
inline bool address_text(uint8_t family, const std::array<uint8_t, 16>& addr, std::string& out) {
  char buf[INET6_ADDRSTRLEN];
  const int af = family == 4 ? AF_INET : family == 6 ? AF_INET6 : AF_UNSPEC;
  if (af == AF_UNSPEC || inet_ntop(af, addr.data(), buf, sizeof buf) == nullptr) return false;
  out = buf;
  return true;
}

}  // namespace pktlens::collector
