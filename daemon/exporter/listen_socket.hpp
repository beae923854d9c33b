// SPDX-License-Identifier: Apache-2.0
// A bound, listening TCP socket for one listen address, opened before any
// thread starts so that a taken port fails the start with one line.
//   ""  and "::"  -> one IPv6 socket with IPV6_V6ONLY off: IPv6 and IPv4
//                    (as ::ffff:a.b.c.d) on the same port, as Go's
//                    net.Listen does for node_exporter; where the kernel
//                    has no IPv6, an IPv4 socket on every address instead;
//   an IPv4 literal -> that IPv4 address ("0.0.0.0": every IPv4 address);
//   another IPv6 literal -> that address only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "config/config.hpp"

namespace pktlens::exporter {

// Why `address` can never be bound on this host, e.g. "address not
// available (no local interface has this address)", or nothing: a bind to
// its host on any port, so a port that is busy now (the running pktlensd's)
// is no problem. check-config and the start refuse with it before anything
// is attached.
std::optional<std::string> unbindable(const config::ListenAddress& address);

class ListenSocket {
 public:
  // Throws std::runtime_error with one line naming the address, the cause
  // and a fix, e.g.
  //   cannot listen on 127.0.0.1:9586: address already in use (another
  //   pktlensd or exporter on that port?); change "listen:" in the config
  //   or --web.listen-address
  explicit ListenSocket(const config::ListenAddress& address);
  ~ListenSocket();
  ListenSocket(ListenSocket&& other) noexcept;
  ListenSocket& operator=(ListenSocket&&) = delete;
  ListenSocket(const ListenSocket&) = delete;
  ListenSocket& operator=(const ListenSocket&) = delete;

  int fd() const { return fd_; }
  // Hands the descriptor over (to an Asio acceptor).
  int release();
  int family() const { return family_; }  // AF_INET or AF_INET6
  // True for "" / "::" on a kernel without IPv6: IPv4 only.
  bool ipv4_fallback() const { return ipv4_fallback_; }
  std::uint16_t port() const;  // as bound (differs when the address had port 0)

 private:
  int fd_ = -1;
  int family_ = 0;
  bool ipv4_fallback_ = false;
};

}  // namespace pktlens::exporter
