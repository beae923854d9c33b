// SPDX-License-Identifier: Apache-2.0
#include "ifname.hpp"

#include "quote.hpp"

namespace pktlens::config::detail {

std::optional<std::string> interface_name_problem(std::string_view name) {
  const std::string q = quote(name);
  if (name.empty()) return "an interface name is empty";
  if (name.size() > kMaxInterfaceName) {
    return q + " is " + std::to_string(name.size()) + " bytes long";
  }
  if (name == "." || name == "..") return q + " is not a valid interface name";
  for (char c : name) {
    if (c == '/' || c == ':') return q + " contains " + quote(std::string_view(&c, 1));
    // The kernel's isspace(): space, \t, \n, \v, \f, \r.
    if (c == ' ' || (c >= '\t' && c <= '\r')) return q + " contains whitespace";
  }
  return std::nullopt;
}

}  // namespace pktlens::config::detail
