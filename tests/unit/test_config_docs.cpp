// SPDX-License-Identifier: Apache-2.0
// docs/configuration.md stays true: every ```yaml block loads, except those
// marked with <!-- invalid --> on the line above, which must fail with
// exactly the message in the ```text block that follows them; and its
// table of keys gives each key the default and range the reader has. Also
// docs/alerting.md's table of the shipped alerts.
#include <catch2/catch.hpp>
#include <map>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "config/duration.hpp"
#include "config/keys.hpp"
#include "config_test_util.hpp"

using namespace pktlens::config;
using namespace pktlens::config::test;

namespace {

struct Example {
  int line;  // of the opening fence, for the failure report
  std::string yaml;
  bool invalid;
  std::string message;  // for invalid ones: the text block after it
};

std::vector<Example> examples(const std::string& markdown) {
  std::vector<Example> out;
  std::istringstream in(markdown);
  std::string line;
  std::string previous;
  int number = 0;
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t awaiting_message = kNone;  // index of an invalid example
  auto read_block = [&] {
    std::string body;
    while (std::getline(in, line) && line != "```") {
      ++number;
      body += line + "\n";
    }
    ++number;
    return body;
  };
  while (std::getline(in, line)) {
    ++number;
    if (line == "```yaml") {
      const bool invalid = previous == "<!-- invalid -->";
      const int at = number;
      out.push_back({at, read_block(), invalid, ""});
      awaiting_message = invalid ? out.size() - 1 : kNone;
    } else if (line == "```text" && awaiting_message != kNone) {
      std::string body = read_block();
      if (!body.empty() && body.back() == '\n') body.pop_back();
      out[awaiting_message].message = body;
      awaiting_message = kNone;
    }
    previous = line;
  }
  return out;
}

}  // namespace

TEST_CASE("every example in docs/configuration.md does what the page says", "[config][docs]") {
  const auto all = examples(read_text(source_path("docs/configuration.md")));
  int valid = 0;
  int invalid = 0;
  for (const Example& e : all) {
    INFO("docs/configuration.md:" << e.line << "\n" << e.yaml);
    if (e.invalid) {
      ++invalid;
      REQUIRE_FALSE(e.message.empty());  // every invalid example shows its message
      CHECK(error_of(e.yaml) == e.message);
    } else {
      ++valid;
      CHECK(error_of(e.yaml) == "loaded");
    }
  }
  // The page has many of both; far fewer means the markers stopped matching.
  CHECK(valid >= 15);
  CHECK(invalid >= 8);
}

namespace {

// The rows of the table under "## Keys": key -> its columns after the key
// (type, default, range), cells trimmed.
std::map<std::string, std::vector<std::string>> key_table(const std::string& markdown) {
  std::map<std::string, std::vector<std::string>> rows;
  std::istringstream in(markdown);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("| [`")) continue;
    std::vector<std::string> cells;
    std::istringstream row(line.substr(1));
    for (std::string cell; std::getline(row, cell, '|');) {
      const auto first = cell.find_first_not_of(' ');
      const auto last = cell.find_last_not_of(' ');
      cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
    }
    const std::string key = cells[0].substr(2, cells[0].find("`]") - 2);
    rows[key] = std::vector<std::string>(cells.begin() + 1, cells.end());
  }
  return rows;
}

std::string without_backticks(std::string s) {
  std::erase(s, '`');
  return s;
}

}  // namespace

TEST_CASE("docs/configuration.md lists every key with the default and range the reader has",
          "[config][docs]") {
  using namespace pktlens::config::detail;
  const auto table = key_table(read_text(source_path("docs/configuration.md")));
  Config defaults;
  int scalars = 0;
  for (const KeySpec& key : config_keys()) {
    const std::string path(key.path);
    INFO("docs/configuration.md, key " << path);
    REQUIRE(table.contains(path));
    const std::vector<std::string>& row = table.at(path);
    REQUIRE(row.size() >= 3);
    const std::string& type = row[0];
    const std::string& def = row[1];
    const std::string& range = row[2];
    if (const auto* k = std::get_if<BoolKey>(&key.kind)) {
      CHECK(type == "boolean");
      CHECK(def == (k->value(defaults) ? "`true`" : "`false`"));
      CHECK(range.empty());
    } else if (const auto* k = std::get_if<IntegerKey>(&key.kind)) {
      const IntegerLimits& l = k->limits;
      CHECK(type == "integer");
      CHECK(def == "`" + std::to_string(k->value(defaults)) + "`");
      const std::string within = std::to_string(l.min) + " to " + std::to_string(l.max);
      CHECK(without_backticks(range) == (l.zero_means_no_limit ? "0 (no limit), or " : "") +
                                            within +
                                            (l.also.empty() ? "" : ", " + std::string(l.also)));
    } else if (const auto* k = std::get_if<DurationKey>(&key.kind)) {
      const DurationLimits& l = k->limits;
      CHECK(type == "duration");
      REQUIRE(def.size() > 2);
      const auto documented = parse_duration(def.substr(1, def.size() - 2));
      REQUIRE(documented.value);
      CHECK(*documented.value == k->value(defaults));
      const std::string min =
          l.min_key.empty() ? format_duration(l.min) : "`" + std::string(l.min_key) + "`";
      CHECK(without_backticks(range) ==
            without_backticks(min) + " to " + format_duration(l.max) +
                (l.also.empty() ? "" : ", " + std::string(l.also)));
    } else {
      continue;  // lists, names and addresses: described in their own sections
    }
    ++scalars;
  }
  // Every row of a whole key (not networks.NAME.*, alerts[].*) is a key the reader has.
  for (const auto& [path, row] : table) {
    if (path.find("NAME") != std::string::npos || path.find("[]") != std::string::npos) continue;
    INFO("docs/configuration.md lists " << path);
    CHECK_NOTHROW(config_key(path));
  }
  CHECK(scalars >= 25);
}

TEST_CASE("docs/alerting.md lists the shipped alerts as config/pktlens.yaml has them",
          "[config][docs][alerts]") {
  // Rows of "## Shipped alerts": | `Name` | `signal` by `a, b`[, `k: v`] | when | severity |
  std::istringstream in(read_text(source_path("docs/alerting.md")));
  std::vector<std::string> documented;
  bool in_section = false;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("## ")) in_section = line == "## Shipped alerts";
    if (!in_section || !line.starts_with("| `")) continue;
    std::vector<std::string> cells;
    std::istringstream row(line.substr(1));
    for (std::string cell; std::getline(row, cell, '|');) cells.push_back(cell);
    REQUIRE(cells.size() >= 4);
    documented.push_back(without_backticks(cells[0] + "|" + cells[1] + "|" + cells[3]));
  }
  std::vector<std::string> shipped;
  for (const AlertRule& a : default_config().alerts) {
    std::string by;
    for (const auto& label : a.by) by += (by.empty() ? " by " : ", ") + label;
    for (const auto& [label, value] : a.match) by += ", " + label + ": " + value;
    shipped.push_back(" " + a.name + " | " + a.signal + by + " | " +
                      std::string(to_string(a.severity)) + " ");
  }
  CHECK(documented == shipped);
}
