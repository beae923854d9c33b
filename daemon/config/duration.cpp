// SPDX-License-Identifier: Apache-2.0
#include "duration.hpp"

#include <array>
#include <cstdint>
#include <limits>

#include "quote.hpp"

namespace pktlens::config::detail {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t ms;
};
// Largest first, for format_duration.
constexpr std::array<Unit, 4> kUnits{{{"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}}};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

Parsed<std::chrono::milliseconds> parse_duration(std::string_view text) {
  using R = Parsed<std::chrono::milliseconds>;
  const std::string q = quote(text);
  if (!text.empty() && text.front() == '-') return R::fail(q + " is negative");

  std::size_t i = 0;
  while (i < text.size() && is_digit(text[i])) ++i;
  const std::string_view digits = text.substr(0, i);
  const std::string_view unit = text.substr(i);
  if (digits.empty()) return R::fail(q + " is not a duration");
  if (unit.empty()) return R::fail(q + " has no unit");
  if (unit.front() == '.' || unit.front() == ',') {
    return R::fail(q + " is not a whole number; use a smaller unit, e.g. 1500ms for 1.5s");
  }

  const Unit* found = nullptr;
  for (const Unit& u : kUnits) {
    if (unit == u.name) found = &u;
  }
  if (found == nullptr) {
    for (char c : unit) {
      if (!is_letter(c)) return R::fail(q + " is not a duration");
    }
    return R::fail(q + " has an unknown unit " + quote(unit));
  }

  // Overflow-checked digits * unit: the result must fit in int64 milliseconds.
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  std::int64_t count = 0;
  for (char c : digits) {
    const int d = c - '0';
    if (count > (kMax - d) / 10) return R::fail(q + " is out of range");
    count = count * 10 + d;
  }
  if (count > kMax / found->ms) return R::fail(q + " is out of range");
  return R::ok(std::chrono::milliseconds(count * found->ms));
}

std::string format_duration(std::chrono::milliseconds duration) {
  const std::int64_t ms = duration.count();
  if (ms == 0) return "0s";
  for (const Unit& u : kUnits) {
    if (ms % u.ms == 0) return std::to_string(ms / u.ms) + std::string(u.name);
  }
  return std::to_string(ms) + "ms";  // unreachable: the ms unit divides everything
}

}  // namespace pktlens::config::detail
