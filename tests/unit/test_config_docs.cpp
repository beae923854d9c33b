// SPDX-License-Identifier: Apache-2.0
// docs/configuration.md stays true: every ```yaml block loads, except those
// marked with <!-- invalid --> on the line above, which must fail with
// exactly the message in the ```text block that follows them.
#include <catch2/catch.hpp>
#include <sstream>
#include <vector>

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
