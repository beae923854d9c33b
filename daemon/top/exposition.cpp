// SPDX-License-Identifier: Apache-2.0
#include "top/exposition.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace pktlens::top {

std::string_view Sample::label(std::string_view key) const {
  for (const auto& [k, v] : labels)
    if (k == key) return v;
  return {};
}

namespace {

bool name_start(char c, bool colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}
bool name_char(char c, bool colon) { return name_start(c, colon) || (c >= '0' && c <= '9'); }

class Line {
 public:
  Line(std::string_view text, std::size_t number) : s_(text), number_(number) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw ParseError("line " + std::to_string(number_) + ": " + what + ": " + std::string(s_));
  }
  bool done() const { return i_ >= s_.size(); }
  char peek() const { return done() ? '\0' : s_[i_]; }
  // Whether there were any.
  bool skip_blanks() {
    const auto start = i_;
    while (!done() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
    return i_ != start;
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++i_;
  }
  std::string name(bool colon) {
    const auto start = i_;
    if (!name_start(peek(), colon)) fail("expected a name");
    while (!done() && name_char(s_[i_], colon)) ++i_;
    return std::string(s_.substr(start, i_ - start));
  }
  std::string quoted() {
    expect('"');
    std::string out;
    for (;;) {
      if (done()) fail("unterminated label value");
      const char c = s_[i_++];
      if (c == '"') return out;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (done()) fail("unterminated escape");
      switch (const char e = s_[i_++]) {
        case '\\': out.push_back('\\'); break;
        case '"': out.push_back('"'); break;
        case 'n': out.push_back('\n'); break;
        default: fail(std::string("unknown escape \\") + e);
      }
    }
  }
  std::string_view token() {
    const auto start = i_;
    while (!done() && s_[i_] != ' ' && s_[i_] != '\t') ++i_;
    return s_.substr(start, i_ - start);
  }

 private:
  std::string_view s_;
  std::size_t number_;
  std::size_t i_ = 0;
};

double parse_value(std::string_view t, const Line& line) {
  if (t == "+Inf" || t == "Inf") return std::numeric_limits<double>::infinity();
  if (t == "-Inf") return -std::numeric_limits<double>::infinity();
  if (t == "NaN") return std::numeric_limits<double>::quiet_NaN();
  const std::string copy(t);
  if (copy.empty()) line.fail("expected a value");
  // strtod would also take "inf", "nan", hex floats: the format has none.
  for (const char c : copy)
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'))
      line.fail("bad value");
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) line.fail("bad value");
  return v;
}

Sample parse_sample(Line& line) {
  Sample s;
  s.name = line.name(true);
  bool blank = line.skip_blanks();
  if (line.peek() == '{') {
    line.expect('{');
    line.skip_blanks();
    while (line.peek() != '}') {
      std::string key = line.name(false);
      line.skip_blanks();
      line.expect('=');
      line.skip_blanks();
      std::string value = line.quoted();
      for (const auto& [k, _] : s.labels)
        if (k == key) line.fail("label " + key + " twice");
      s.labels.emplace_back(std::move(key), std::move(value));
      line.skip_blanks();
      if (line.peek() == ',') {
        line.expect(',');
        line.skip_blanks();
      } else if (line.peek() != '}') {
        line.fail("expected ',' or '}'");
      }
    }
    line.expect('}');
    blank = line.skip_blanks();
  }
  if (!blank) line.fail("expected a blank before the value");
  s.value = parse_value(line.token(), line);
  line.skip_blanks();
  if (!line.done()) {
    const auto ts = line.token();
    for (const char c : ts)
      if (!((c >= '0' && c <= '9') || c == '-')) line.fail("bad timestamp");
    line.skip_blanks();
    if (!line.done()) line.fail("trailing text");
  }
  return s;
}

}  // namespace

std::vector<Sample> parse_exposition(std::string_view text) {
  std::vector<Sample> out;
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    const auto nl = text.find('\n');
    auto raw = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    Line line(raw, number);
    line.skip_blanks();
    if (line.done() || line.peek() == '#') continue;
    out.push_back(parse_sample(line));
  }
  return out;
}

}  // namespace pktlens::top
