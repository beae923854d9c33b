// SPDX-License-Identifier: Apache-2.0
#include "alerts/summary.hpp"

#include <cstdio>
#include <functional>

namespace pktlens::alerts {
namespace {

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(' ');
  if (first == std::string_view::npos) return "";
  return std::string(s.substr(first, s.find_last_not_of(' ') - first + 1));
}

// Calls `field` for every {{name}} and copies the text around it.
std::string substitute(std::string_view tmpl,
                       const std::function<std::string(const std::string&)>& field) {
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t open = tmpl.find("{{", pos);
    const std::size_t close = open == std::string_view::npos ? open : tmpl.find("}}", open + 2);
    if (close == std::string_view::npos) {
      out += tmpl.substr(pos);
      return out;
    }
    out += tmpl.substr(pos, open - pos);
    out += field(trim(tmpl.substr(open + 2, close - open - 2)));
    pos = close + 2;
  }
}

}  // namespace

std::string format_value(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  return buf;
}

std::string render_summary(std::string_view tmpl, const Labels& labels, double value) {
  return substitute(tmpl, [&](const std::string& name) -> std::string {
    if (name == "value") return format_value(value);
    for (const auto& [k, v] : labels)
      if (k == name) return v;
    return "";
  });
}

std::string prometheus_summary(std::string_view tmpl) {
  return substitute(tmpl, [](const std::string& name) -> std::string {
    if (name == "value") return "{{ $value }}";
    return "{{ $labels." + name + " }}";
  });
}

}  // namespace pktlens::alerts
