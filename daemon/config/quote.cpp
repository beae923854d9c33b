// SPDX-License-Identifier: Apache-2.0
#include "quote.hpp"

#include <cstdio>

namespace pktlens::config::detail {

std::string quote(std::string_view value) {
  constexpr std::size_t kMax = 64;
  const bool cut = value.size() > kMax;
  if (cut) value = value.substr(0, kMax - 3);
  std::string out = "'";
  for (unsigned char c : value) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  if (cut) out += "...";
  out += "'";
  return out;
}

}  // namespace pktlens::config::detail
