// SPDX-License-Identifier: Apache-2.0
// `pktlensd top`'s reader of the Prometheus text format.
#include <catch2/catch.hpp>
#include <cmath>

#include "top/exposition.hpp"

using pktlens::top::parse_exposition;
using pktlens::top::ParseError;

TEST_CASE("exposition: names, labels, values; comments and blank lines skipped") {
  const auto s = parse_exposition(
      "# HELP pktlens_packets_total Packets.\n"
      "# TYPE pktlens_packets_total counter\n"
      "\n"
      "pktlens_packets_total{interface=\"eth0\",dir=\"ingress\",l3=\"ipv4\",l4=\"tcp\"} 42\n"
      "pktlens_up 1\n"
      "process_start_time_seconds 1.7e9\n"
      "ns:rule_name{a=\"b\"} -0.5\n");
  REQUIRE(s.size() == 4);
  CHECK(s[0].name == "pktlens_packets_total");
  CHECK(s[0].labels.size() == 4);
  CHECK(s[0].label("interface") == "eth0");
  CHECK(s[0].label("l4") == "tcp");
  CHECK(s[0].label("missing").empty());
  CHECK(s[0].value == 42);
  CHECK(s[1].name == "pktlens_up");
  CHECK(s[1].labels.empty());
  CHECK(s[2].value == 1.7e9);
  CHECK(s[3].name == "ns:rule_name");
  CHECK(s[3].value == -0.5);
}

TEST_CASE("exposition: escapes in label values") {
  const auto s = parse_exposition(R"(m{a="x\"y",b="back\\slash",c="new\nline",d="",e="a,b=}"} 1)");
  REQUIRE(s.size() == 1);
  CHECK(s[0].label("a") == "x\"y");
  CHECK(s[0].label("b") == "back\\slash");
  CHECK(s[0].label("c") == "new\nline");
  CHECK(s[0].label("d").empty());
  CHECK(s[0].label("e") == "a,b=}");
}

TEST_CASE("exposition: special values, timestamps, blanks, CRLF, trailing comma") {
  const auto s = parse_exposition(
      "a +Inf\n"
      "b -Inf\n"
      "c NaN\n"
      "d 3 1700000000000\n"
      "e{ x = \"1\" , } \t 7\r\n"
      "f{} 2\n"
      "   # an indented comment\n"
      "g 1e-3");
  REQUIRE(s.size() == 7);
  CHECK(std::isinf(s[0].value));
  CHECK(s[0].value > 0);
  CHECK(s[1].value < 0);
  CHECK(std::isnan(s[2].value));
  CHECK(s[3].value == 3);
  CHECK(s[4].label("x") == "1");
  CHECK(s[4].value == 7);
  CHECK(s[5].labels.empty());
  CHECK(s[6].value == 0.001);
}

TEST_CASE("exposition: malformed lines are errors naming the line") {
  for (const char* bad : {
           "m",                      // no value
           "m{a=\"1\"}",             // no value
           "m{a=\"1} 1",             // unterminated value
           "m{a=1} 1",               // unquoted value
           "m{a=\"\\t\"} 1",         // unknown escape
           "m{a=\"1\" b=\"2\"} 1",   // no comma
           "m{a=\"1\",a=\"2\"} 1",   // label twice
           "m{a:b=\"1\"} 1",         // colon in a label name
           "1m 1",                   // name starts with a digit
           "m one",                  // not a number
           "m inf",                  // strtod's spelling, not the format's
           "m 0x10",                 // hex
           "m 1 2 3",                // trailing text
           "m 1 12a",                // bad timestamp
           "m{a=\"1\"}1",            // no blank before the value
       }) {
    INFO(bad);
    CHECK_THROWS_AS(parse_exposition(std::string("ok 1\n") + bad), ParseError);
  }
  try {
    parse_exposition("ok 1\n# c\nbad{\n");
    FAIL("no error");
  } catch (const ParseError& e) {
    CHECK(std::string(e.what()).starts_with("line 3: "));
  }
}

TEST_CASE("exposition: empty text has no samples") {
  CHECK(parse_exposition("").empty());
  CHECK(parse_exposition("\n\n# only comments\n").empty());
}
