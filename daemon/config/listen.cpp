// SPDX-License-Identifier: Apache-2.0
#include "listen.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <string>

#include "quote.hpp"

namespace pktlens::config::detail {
namespace {

// inet_pton then inet_ntop: validates the literal and gives one spelling per
// address, so that "[0::1]" and "[::1]" compare equal.
std::optional<std::string> canonical(int family, const std::string& host) {
  unsigned char addr[sizeof(in6_addr)];
  if (inet_pton(family, host.c_str(), addr) != 1) return std::nullopt;
  char buf[INET6_ADDRSTRLEN];
  if (inet_ntop(family, addr, buf, sizeof buf) == nullptr) return std::nullopt;
  return std::string(buf);
}

Parsed<std::uint16_t> parse_port(std::string_view port, std::string_view text) {
  using R = Parsed<std::uint16_t>;
  if (port.empty()) return R::fail("no port in " + quote(text));
  for (char c : port) {
    if (c < '0' || c > '9') return R::fail("port " + quote(port) + " is not a number");
  }
  // More than 5 digits cannot be a port (and would overflow below).
  unsigned long value = 0;
  if (port.size() <= 5) {
    for (char c : port) value = value * 10 + static_cast<unsigned long>(c - '0');
  }
  if (port.size() > 5 || value == 0 || value > 65535) {
    return R::fail("port " + quote(port) + " is out of range");
  }
  return R::ok(static_cast<std::uint16_t>(value));
}

}  // namespace

Parsed<ListenAddress> parse_listen(std::string_view text) {
  using R = Parsed<ListenAddress>;
  std::string_view host;
  std::string_view port;
  int family = AF_INET;

  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return R::fail(quote(text) + " has no closing ']'");
    host = text.substr(1, close - 1);
    family = AF_INET6;
    const std::string_view rest = text.substr(close + 1);
    if (rest.empty()) return R::fail("no port in " + quote(text));
    if (rest.front() != ':') return R::fail("unexpected " + quote(rest) + " after ']'");
    port = rest.substr(1);
    if (host.empty()) return R::fail("'[]' is not an IPv6 address");
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return R::fail("no port in " + quote(text));
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      std::string bracketed = "[";  // appended: GCC 12's false -Wrestrict (PR 105651)
      bracketed.append(host).append("]:").append(port);
      return R::fail("IPv6 address " + quote(host) + " needs brackets, e.g. " + quote(bracketed));
    }
  }

  ListenAddress address;
  if (!host.empty()) {
    auto c = canonical(family, std::string(host));
    if (!c) {
      return R::fail(family == AF_INET6
                         ? quote(host) + " is not an IPv6 address"
                         : quote(host) + " is not an IPv4 address or an IPv6 address in brackets");
    }
    address.host = std::move(*c);
  }
  auto p = parse_port(port, text);
  if (!p.value) return R::fail(p.error);
  address.port = *p.value;
  return R::ok(std::move(address));
}

}  // namespace pktlens::config::detail
