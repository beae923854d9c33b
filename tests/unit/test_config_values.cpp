// SPDX-License-Identifier: Apache-2.0
// Single values, through the small parsers the schema is built from:
// durations, listen addresses, interface names, key suggestions.
#include <catch2/catch.hpp>
#include <limits>

#include "config/duration.hpp"
#include "config/ifname.hpp"
#include "config/listen.hpp"
#include "config/quote.hpp"
#include "config/suggest.hpp"
#include "config_test_util.hpp"

using namespace pktlens::config;
using namespace pktlens::config::detail;
using namespace pktlens::config::test;
using namespace std::chrono_literals;

TEST_CASE("durations that parse", "[config][duration]") {
  struct Row {
    const char* text;
    std::chrono::milliseconds value;
  };
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  const Row rows[] = {
      {"500ms", 500ms},
      {"5s", 5s},
      {"2m", 2min},
      {"1h", 1h},
      {"0s", 0ms},  // the parser takes it; each key's range decides
      {"0ms", 0ms},
      {"1ms", 1ms},
      {"1500ms", 1500ms},
      {"120s", 120s},
      {"90m", 90min},
      {"24h", 24h},
      {"007s", 7s},  // not octal: the unit makes it a duration, not a YAML number
      {"9223372036854775807ms", std::chrono::milliseconds(kMax)},
      {"2562047788015h", std::chrono::milliseconds(2562047788015LL * 3600000)},
  };
  for (const Row& r : rows) {
    CAPTURE(r.text);
    const auto p = parse_duration(r.text);
    REQUIRE(p.value);
    CHECK(*p.value == r.value);
    CHECK(p.error.empty());
  }
}

TEST_CASE("durations that do not parse say why", "[config][duration]") {
  struct Row {
    const char* text;
    const char* error;
  };
  const Row rows[] = {
      {"5", "'5' has no unit"},
      {"", "'' is not a duration"},
      {"s", "'s' is not a duration"},
      {"ms", "'ms' is not a duration"},
      {"5 s", "'5 s' is not a duration"},
      {" 5s", "' 5s' is not a duration"},
      {"5s ", "'5s ' is not a duration"},
      {"5sec", "'5sec' has an unknown unit 'sec'"},
      {"5S", "'5S' has an unknown unit 'S'"},
      {"5MS", "'5MS' has an unknown unit 'MS'"},
      {"5us", "'5us' has an unknown unit 'us'"},
      {"1d", "'1d' has an unknown unit 'd'"},
      {"1.5s", "'1.5s' is not a whole number; use a smaller unit, e.g. 1500ms for 1.5s"},
      {"1,5s", "'1,5s' is not a whole number; use a smaller unit, e.g. 1500ms for 1.5s"},
      {".5s", "'.5s' is not a duration"},
      {"-5s", "'-5s' is negative"},
      {"-0s", "'-0s' is negative"},
      {"+5s", "'+5s' is not a duration"},
      {"1m30s", "'1m30s' is not a duration"},
      {"5s5", "'5s5' is not a duration"},
      {"0x10s", "'0x10s' is not a duration"},
      {"9223372036854775808ms", "'9223372036854775808ms' is out of range"},
      {"2562047788016h", "'2562047788016h' is out of range"},
      {"99999999999999999999999999h", "'99999999999999999999999999h' is out of range"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.text);
    const auto p = parse_duration(r.text);
    CHECK_FALSE(p.value);
    CHECK(p.error == r.error);
  }
}

TEST_CASE("durations print in the largest exact unit", "[config][duration]") {
  struct Row {
    std::chrono::milliseconds value;
    const char* text;
  };
  const Row rows[] = {
      {0ms, "0s"},    {1ms, "1ms"}, {999ms, "999ms"}, {1000ms, "1s"}, {1500ms, "1500ms"},
      {59s, "59s"},   {60s, "1m"},  {90s, "90s"},     {120s, "2m"},   {3600s, "1h"},
      {90min, "90m"}, {24h, "24h"}, {3601s, "3601s"}, {25h, "25h"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.text);
    CHECK(format_duration(r.value) == r.text);
    CHECK(parse_duration(r.text).value == r.value);
  }
}

TEST_CASE("durations in a config, at the edges of their ranges", "[config][duration]") {
  CHECK(load_config_string("interval: 100ms", "t").interval == 100ms);
  CHECK(load_config_string("interval: 1h\nflows: {idle_timeout: 1h}", "t").interval == 1h);
  CHECK(load_config_string("interval: 60m\nflows: {idle_timeout: 3600000ms}", "t").interval == 1h);
  CHECK(load_config_string("interval: \"5s\"", "t").interval == 5s);  // strings may be quoted
  CHECK(load_config_string("flows: {idle_timeout: 24h}", "t").flows.idle_timeout == 24h);
  CHECK(load_config_string("flows: {idle_timeout: 5s}", "t").flows.idle_timeout == 5s);
  CHECK(load_config_string("interval: 2m", "t").interval == 2min);  // == default idle_timeout
}

TEST_CASE("listen addresses that parse, in canonical form", "[config][listen]") {
  struct Row {
    const char* text;
    const char* host;
    std::uint16_t port;
    const char* printed;
  };
  const Row rows[] = {
      {":9586", "", 9586, ":9586"},
      {"0.0.0.0:9586", "0.0.0.0", 9586, "0.0.0.0:9586"},
      {"127.0.0.1:1", "127.0.0.1", 1, "127.0.0.1:1"},
      {"192.0.2.1:65535", "192.0.2.1", 65535, "192.0.2.1:65535"},
      {"[::]:9586", "::", 9586, "[::]:9586"},
      {"[::1]:9586", "::1", 9586, "[::1]:9586"},
      {"[0:0::1]:80", "::1", 80, "[::1]:80"},
      {"[2001:DB8::A]:80", "2001:db8::a", 80, "[2001:db8::a]:80"},
      {"[::ffff:192.0.2.1]:80", "::ffff:192.0.2.1", 80, "[::ffff:192.0.2.1]:80"},
      {":09586", "", 9586, ":9586"},
  };
  for (const Row& r : rows) {
    CAPTURE(r.text);
    const auto p = parse_listen(r.text);
    REQUIRE(p.value);
    CHECK(p.value->host == r.host);
    CHECK(p.value->port == r.port);
    CHECK(to_string(*p.value) == r.printed);
  }
  // In a file: plain or quoted.
  CHECK(load_config_string("listen: :9586", "t").listen == ListenAddress{.host = "", .port = 9586});
  CHECK(load_config_string("listen: 127.0.0.1:80", "t").listen.host == "127.0.0.1");
  CHECK(load_config_string("listen: \"[::1]:80\"", "t").listen.host == "::1");
}

TEST_CASE("interface names as the kernel takes them", "[config][interfaces]") {
  for (const char* ok : {"eth0", "e", "bond0.100", "br-lan", "veth#1", "wg_0", "enp3s0f1np1",
                         "123456789012345", "é", "...", "all0", "ALL"}) {
    CAPTURE(ok);
    CHECK_FALSE(interface_name_problem(ok));
  }
  const auto c = load_config_string("interfaces: [eth0, bond0.100, \"123456789012345\"]", "t");
  CHECK(c.interfaces ==
        InterfaceSelection{.all = false, .names = {"eth0", "bond0.100", "123456789012345"}});
  CHECK(load_config_string("interfaces: all", "t").interfaces == InterfaceSelection{});
  CHECK(load_config_string("interfaces: \"all\"", "t").interfaces == InterfaceSelection{});
  // Order is kept: it is the order the loader attaches in.
  CHECK(load_config_string("interfaces: [b, a]", "t").interfaces.names ==
        std::vector<std::string>{"b", "a"});
  // Plain scalars that YAML 1.1 would read as other types are names here.
  CHECK(load_config_string("interfaces: [yes, 1, 0x10]", "t").interfaces.names ==
        std::vector<std::string>{"yes", "1", "0x10"});
}

TEST_CASE("booleans and integers at their edges", "[config]") {
  for (const char* t : {"true", "True", "TRUE", "!!bool true"}) {
    CAPTURE(t);
    CHECK(load_config_string(std::string("flows: {enabled: ") + t + "}", "t").flows.enabled);
  }
  for (const char* f : {"false", "False", "FALSE"}) {
    CAPTURE(f);
    CHECK_FALSE(load_config_string(std::string("vlans: {enabled: ") + f + "}", "t").vlans.enabled);
  }
  auto flows = [](const std::string& yaml) { return load_config_string(yaml, "t").flows; };
  CHECK(flows("flows: {max_entries: 1024}").max_entries == 1024);
  CHECK(flows("flows: {max_entries: 16777216}").max_entries == 16777216);
  CHECK(flows("flows: {max_entries: !!int 2048}").max_entries == 2048);
  CHECK(flows("flows: {top_k: 1}").top_k == 1);
  CHECK(flows("flows: {top_k: 100000}").top_k == 100000);
  CHECK(flows("flows: {top_k: 1024, max_entries: 1024}").top_k == 1024);
  CHECK(flows("flows: {max_new_per_second: 0}").max_new_per_second == 0);
  CHECK(flows("flows: {max_new_per_second: 10}").max_new_per_second == 10);
  CHECK(flows("flows: {max_new_per_second: 100000000}").max_new_per_second == 100000000);
  auto vlans = [](const std::string& yaml) { return load_config_string(yaml, "t").vlans; };
  CHECK(vlans("vlans: {max_entries: 64}").max_entries == 64);
  CHECK(vlans("vlans: {max_entries: 1048576}").max_entries == 1048576);
  CHECK(load_config_string("attach: xdp", "t").attach == AttachMode::xdp);
  CHECK(load_config_string("log_level: off", "t").log_level == LogLevel::off);  // not false
  CHECK(load_config_string("log_level: critical", "t").log_level == LogLevel::critical);
}

TEST_CASE("YAML features that carry no surprise are accepted", "[config]") {
  // Anchors and aliases, flow style, comments, a document marker, quoted keys.
  const auto c = load_config_string(R"(--- # pktlens
interval: &i 10s   # trailing comment
flows: {idle_timeout: *i, "top_k": 7}
...
)",
                                    "t");
  CHECK(c.interval == 10s);
  CHECK(c.flows.idle_timeout == 10s);
  CHECK(c.flows.top_k == 7);
}

TEST_CASE("edit distance counts swaps as one edit", "[config][suggest]") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("interval", "interval") == 0);
  CHECK(edit_distance("intervall", "interval") == 1);
  CHECK(edit_distance("inetrval", "interval") == 1);
  CHECK(edit_distance("intreval", "interval") == 1);
  CHECK(edit_distance("top", "top_k") == 2);
  CHECK(edit_distance("abc", "") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);
  const std::string_view keys[] = {"enabled", "max_entries", "top_k"};
  CHECK(closest("enable", keys) == "enabled");
  CHECK(closest("topk", keys) == "top_k");
  CHECK(closest("max_entires", keys) == "max_entries");
  CHECK_FALSE(closest("entries", keys));  // 4 edits from max_entries
  CHECK_FALSE(closest("xyz", keys));
}

TEST_CASE("values in messages stay on one line", "[config]") {
  CHECK(quote("eth0") == "'eth0'");
  CHECK(quote("") == "''");
  CHECK(quote("a\nb\tc\x01") == "'a\\nb\\tc\\x01'");
  CHECK(quote(std::string(64, 'x')) == "'" + std::string(64, 'x') + "'");
  CHECK(quote(std::string(65, 'x')) == "'" + std::string(61, 'x') + "...'");
}
