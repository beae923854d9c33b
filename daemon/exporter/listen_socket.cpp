// SPDX-License-Identifier: Apache-2.0
#include "exporter/listen_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace pktlens::exporter {
namespace {

std::string cause(int err) {
  switch (err) {
    case EADDRINUSE:
      return "address already in use (another pktlensd or exporter on that port?)";
    case EADDRNOTAVAIL:
      return "address not available (no local interface has this address)";
    case EACCES:
      return "permission denied (ports below 1024 need CAP_NET_BIND_SERVICE)";
    case EAFNOSUPPORT:
      return "IPv6 is disabled in this kernel";
    default:
      return std::strerror(err);
  }
}

[[noreturn]] void fail(const config::ListenAddress& a, int err) {
  throw std::runtime_error("cannot listen on " + config::to_string(a) + ": " + cause(err) +
                           "; change \"listen:\" in the config or --web.listen-address");
}

bool every_address(const config::ListenAddress& a) { return a.host.empty() || a.host == "::"; }

// errno, or 0 with *fd set.
int open_bound(int family, const config::ListenAddress& a, bool dual_stack, int* fd_out) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (family == AF_INET6) {
    auto& sin6 = reinterpret_cast<sockaddr_in6&>(ss);
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(a.port);
    if (!a.host.empty() && inet_pton(AF_INET6, a.host.c_str(), &sin6.sin6_addr) != 1) return EINVAL;
    len = sizeof sin6;
  } else {
    auto& sin = reinterpret_cast<sockaddr_in&>(ss);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(a.port);
    if (!a.host.empty() && a.host != "::" && inet_pton(AF_INET, a.host.c_str(), &sin.sin_addr) != 1)
      return EINVAL;
    len = sizeof sin;
  }
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return errno;
  const int on = 1;
  const int v6only = dual_stack ? 0 : 1;
  // SO_REUSEADDR: a restart binds while the old connections sit in
  // TIME_WAIT; it never lets two listeners share a port on Linux.
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&ss), len) != 0 ||
      ::listen(fd, SOMAXCONN) != 0) {
    const int err = errno;
    ::close(fd);
    return err;
  }
  *fd_out = fd;
  return 0;
}

// errno, or 0 with *fd, *family and *ipv4_fallback set.
int bind_address(const config::ListenAddress& address, int* fd, int* family, bool* ipv4_fallback) {
  const bool v6 = address.host.find(':') != std::string::npos || address.host.empty();
  int err = open_bound(v6 ? AF_INET6 : AF_INET, address, every_address(address), fd);
  *family = v6 ? AF_INET6 : AF_INET;
  if (err == EAFNOSUPPORT && every_address(address)) {
    // ipv6.disable=1: every address is every IPv4 address then.
    err = open_bound(AF_INET, address, false, fd);
    *family = AF_INET;
    *ipv4_fallback = true;
  }
  return err;
}

}  // namespace

std::optional<std::string> unbindable(const config::ListenAddress& address) {
  config::ListenAddress any_port = address;
  any_port.port = 0;
  int fd = -1, family = 0;
  bool fallback = false;
  const int err = bind_address(any_port, &fd, &family, &fallback);
  if (fd >= 0) ::close(fd);
  if (err == 0) return std::nullopt;
  return cause(err);
}

ListenSocket::ListenSocket(const config::ListenAddress& address) {
  const int err = bind_address(address, &fd_, &family_, &ipv4_fallback_);
  if (err != 0) fail(address, err);
}

ListenSocket::~ListenSocket() {
  if (fd_ >= 0) ::close(fd_);
}

ListenSocket::ListenSocket(ListenSocket&& other) noexcept
    : fd_(other.fd_), family_(other.family_), ipv4_fallback_(other.ipv4_fallback_) {
  other.fd_ = -1;
}

int ListenSocket::release() {
  const int fd = fd_;
  fd_ = -1;
  return fd;
}

std::uint16_t ListenSocket::port() const {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (fd_ < 0 || getsockname(fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return 0;
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6&>(ss).sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in&>(ss).sin_port);
}

}  // namespace pktlens::exporter
