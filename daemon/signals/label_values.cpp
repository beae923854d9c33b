// SPDX-License-Identifier: Apache-2.0
#include "signals/label_values.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>

namespace pktlens::signals {
namespace {

constexpr std::array<std::string_view, 2> kDirs{"ingress", "egress"};
constexpr std::array<std::string_view, 2> kSides{"src", "dst"};
constexpr std::array<std::string_view, 14> kAnomalyKinds{
    "truncated", "bad_ip_header", "bad_ip_length", "ttl_expired", "land",
    "tcp_null",  "tcp_xmas",      "tcp_syn_fin",   "tcp_syn_rst", "bad_tcp_offset",
    "fragment",  "tiny_fragment", "ip_options",    "oversize"};

std::string quoted(std::string_view v) { return "'" + std::string(v) + "'"; }

// A port as exported: decimal, 0 to 65535, no sign or leading zero.
bool is_port(std::string_view v) {
  if (v.empty() || (v.size() > 1 && v.front() == '0')) return false;
  uint32_t n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  return ec == std::errc() && end == v.data() + v.size() && n <= 65535;
}

// An address as exported: inet_ntop's text of an IPv4 or IPv6 address.
bool is_address_text(std::string_view v) {
  const std::string s(v);
  unsigned char buf[16];
  char text[INET6_ADDRSTRLEN];
  for (int af : {AF_INET, AF_INET6}) {
    if (inet_pton(af, s.c_str(), buf) == 1)
      return inet_ntop(af, buf, text, sizeof text) != nullptr && s == text;
  }
  return false;
}

// A drop reason as exported: the kernel's enumerator without
// SKB_DROP_REASON_ (upper case), unknown_N, or overflow.
bool is_drop_reason(std::string_view v) {
  if (v == "overflow") return true;
  if (v.starts_with("unknown_")) return is_port(v.substr(8));
  return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

std::span<const std::string_view> label_vocabulary(std::string_view label) {
  if (label == "dir") return kDirs;
  if (label == "side") return kSides;
  if (label == "kind") return kAnomalyKinds;
  return {};
}

std::optional<std::string> label_value_problem(std::string_view label, std::string_view value) {
  const auto vocabulary = label_vocabulary(label);
  if (!vocabulary.empty()) {
    if (std::find(vocabulary.begin(), vocabulary.end(), value) != vocabulary.end()) return {};
    std::string problem = quoted(value) + " is no " + std::string(label) + " (one of";
    for (size_t i = 0; i < vocabulary.size(); i++)
      problem += (i ? ", " : " ") + std::string(vocabulary[i]);
    return problem + ")";
  }
  if (label == "dport" && !is_port(value))
    return quoted(value) + " is no port as exported (0 to 65535, no leading zero)";
  if ((label == "src" || label == "dst") && !is_address_text(value))
    return quoted(value) +
           " is no address as exported (an IPv4 or IPv6 address in canonical form, e.g. "
           "198.18.0.1 or fd00::1)";
  if (label == "reason" && !is_drop_reason(value))
    return quoted(value) +
           " is no drop reason as exported (the kernel's name without SKB_DROP_REASON_, in "
           "upper case, e.g. NO_SOCKET)";
  return {};
}

}  // namespace pktlens::signals
