// SPDX-License-Identifier: Apache-2.0
// Every way a config can be wrong, with the exact message: position, what is
// wrong and what would be valid. Messages are part of the interface: users
// act on them and scripts may match them.
#include <catch2/catch.hpp>
#include <initializer_list>
#include <string>

#include "config_test_util.hpp"

using namespace pktlens::config::test;

namespace {

struct Case {
  const char* yaml;
  std::string message;  // after "pktlens.yaml:"
};

void check(std::initializer_list<Case> cases) {
  for (const Case& c : cases) {
    CAPTURE(c.yaml);
    CHECK(error_of(c.yaml) == "pktlens.yaml:" + c.message);
  }
}

// The "(expected ...)" of each key, spelt out once.
const std::string kRootKeys =
    "(expected one of: interfaces, attach, interface_slots, listen, interval, flows, vlans, "
    "latency, loss, networks, threats, log_level, web_config_file, export, alerts)";
const std::string kFlowKeys =
    "(expected one of: enabled, max_entries, top_k, top_k_window, idle_timeout, "
    "max_new_per_second, cache_slots, key)";
const std::string kFlowsMapping =
    "(expected a mapping with the keys enabled, max_entries, top_k, top_k_window, "
    "idle_timeout, max_new_per_second, cache_slots, key)";
const std::string kCacheSlots =
    "(expected auto, 0 (off), or a power of two from 256 to 1048576 (slots per CPU))";
const std::string kInterfaces =
    "(expected a list of interface names, e.g. [eth0, eth1], all, or {include: [globs], exclude: "
    "[globs]})";
const std::string kName =
    "(expected an interface name of 1 to 15 bytes without '/', ':' or whitespace)";
const std::string kListen =
    "(expected HOST:PORT with PORT from 1 to 65535, e.g. ':9586', '127.0.0.1:9586' or "
    "'[::1]:9586')";
const std::string kInterval = "(expected a duration from 100ms to 1h, e.g. 5s)";
const std::string kIdle = "(expected a duration from interval to 24h, e.g. 2m)";
const std::string kTopK = "(expected an integer from 1 to 100000, at most flows.max_entries)";
const std::string kFlowEntries = "(expected an integer from 1024 to 16777216)";
const std::string kNewFlows = "(expected 0 for no limit, or an integer from 10 to 100000000)";
const std::string kVlanEntries = "(expected an integer from 64 to 1048576)";
const std::string kBool = "(expected true or false)";
const std::string kLatencyKeys = "(expected one of: handshake, rtt, srtt)";
const std::string kLossKeys = "(expected one of: retransmits, drops)";
const std::string kLogLevel = "(expected one of trace, debug, info, warn, error, critical or off)";

}  // namespace

TEST_CASE("YAML syntax errors carry yaml-cpp's position and words", "[config][errors]") {
  check({
      {"listen: [::]:9586\n", "1:13: invalid YAML: end of map not found"},
      {"interfaces: [eth0, eth1\n", "2:1: invalid YAML: end of sequence flow not found"},
      {"interval: 5s\n flows: x\n", "2:7: invalid YAML: illegal map value"},
      {"flows:\n\ttop_k: 5\n", "2:7: invalid YAML: illegal map value"},
      {"attach: tc: xdp\n", "1:11: invalid YAML: illegal map value"},
      {"]\n", "1:1: invalid YAML: illegal flow end"},
      // yaml-cpp 0.7's LoadAll never returns on these (yaml-cpp#1040).
      {",\n", "1:1: invalid YAML: unexpected ','"},
      {", interval: 5s\n", "1:1: invalid YAML: unexpected ','"},
      {"# comment\n  ,\n", "2:3: invalid YAML: unexpected ','"},
      {"---\n,\n", "2:1: invalid YAML: unexpected ','"},
  });
}

TEST_CASE("the document must be one mapping", "[config][errors]") {
  const std::string keys =
      "(expected a mapping with the keys interfaces, attach, interface_slots, listen, interval, "
      "flows, vlans, latency, loss, networks, threats, log_level, web_config_file, export, alerts)";
  check({
      {"- eth0\n- eth1\n", "1:1: the document is a list " + keys},
      {"eth0\n", "1:1: the document is 'eth0' " + keys},
      {"\"eth0\"\n", "1:1: the document is the quoted string 'eth0' " + keys},
      {"# comment\n\n  - eth0\n", "3:3: the document is a list " + keys},
      // At the "---" that starts it.
      {"interval: 5s\n---\ninterval: 10s\n",
       "2:1: a second YAML document (expected one document per file)"},
      {"interval: 5s\n---\n", "2:1: a second YAML document (expected one document per file)"},
      {"---\ninterval: 5s\n---\n", "3:1: a second YAML document (expected one document per file)"},
      {"---\n---\n", "2:1: a second YAML document (expected one document per file)"},
  });
}

TEST_CASE("unknown keys name the allowed ones and suggest a near one", "[config][errors]") {
  check({
      {"intervall: 5s\n", "1:1: unknown key 'intervall', did you mean 'interval'? " + kRootKeys},
      {"inetrval: 5s\n", "1:1: unknown key 'inetrval', did you mean 'interval'? " + kRootKeys},
      {"Interval: 5s\n", "1:1: unknown key 'Interval', did you mean 'interval'? " + kRootKeys},
      {"atach: tc\n", "1:1: unknown key 'atach', did you mean 'attach'? " + kRootKeys},
      {"interface: [eth0]\n",
       "1:1: unknown key 'interface', did you mean 'interfaces'? " + kRootKeys},
      {"loglevel: info\n", "1:1: unknown key 'loglevel', did you mean 'log_level'? " + kRootKeys},
      {"metrics: 1\n", "1:1: unknown key 'metrics' " + kRootKeys},
      {"interval: 5s\nfoo: 1\n", "2:1: unknown key 'foo' " + kRootKeys},
      {"flows:\n  topk: 5\n",
       "2:3: unknown key 'topk' in flows, did you mean 'top_k'? " + kFlowKeys},
      {"flows:\n  idle: 5s\n", "2:3: unknown key 'idle' in flows " + kFlowKeys},
      {"vlans: {enable: true}\n",
       "1:9: unknown key 'enable' in vlans, did you mean 'enabled'? (expected one of: enabled, "
       "max_entries, top_k, idle_timeout)"},
      {"\"intervall\": 5s\n",
       "1:1: unknown key 'intervall', did you mean 'interval'? " + kRootKeys},
  });
}

TEST_CASE("a section's key at the top level says where it belongs", "[config][errors]") {
  check({
      {"top_k: 20\n", "1:1: unknown key 'top_k', it belongs under flows or vlans " + kRootKeys},
      {"idle_timeout: 1m\n",
       "1:1: unknown key 'idle_timeout', it belongs under flows or vlans " + kRootKeys},
      {"enabled: false\n",
       "1:1: unknown key 'enabled', it belongs under flows or vlans " + kRootKeys},
      {"max_entries: 4096\n",
       "1:1: unknown key 'max_entries', it belongs under interface_slots or flows or vlans " +
           kRootKeys},
  });
}

TEST_CASE("keys must be names", "[config][errors]") {
  check({
      {"? [a, b]\n: 1\n", "1:3: a key is a list " + kRootKeys},
      {"? {a: 1}\n: 1\n", "1:3: a key is a mapping " + kRootKeys},
      {"flows:\n  ? [a]\n  : 1\n", "2:5: a key is a list in flows " + kFlowKeys},
  });
}

TEST_CASE("a key given twice is an error, not last-one-wins", "[config][errors]") {
  check({
      {"interval: 5s\ninterval: 10s\n",
       "2:1: duplicate key 'interval', first given at 1:1 (expected each key once)"},
      {"interval: 5s\nattach: tc\ninterval: 5s\n",
       "3:1: duplicate key 'interval', first given at 1:1 (expected each key once)"},
      {"flows:\n  top_k: 1\n  top_k: 2\n",
       "3:3: duplicate key 'top_k' in flows, first given at 2:3 (expected each key once)"},
      {"flows: {top_k: 1, top_k: 2}\n",
       "1:19: duplicate key 'top_k' in flows, first given at 1:9 (expected each key once)"},
      {"flows: {}\nflows: {}\n",
       "2:1: duplicate key 'flows', first given at 1:1 (expected each key once)"},
  });
}

TEST_CASE("null is never a value, and the message points at the key", "[config][errors]") {
  check({
      {"interval:\n", "1:1: interval: got null " + kInterval},
      {"interval: ~\n", "1:1: interval: got null " + kInterval},
      {"interval: null\n", "1:1: interval: got null " + kInterval},
      {"interval:\nattach: tc\n", "1:1: interval: got null " + kInterval},
      {"interfaces:\n", "1:1: interfaces: got null " + kInterfaces},
      {"listen:\n", "1:1: listen: got null " + kListen},
      {"attach: null\n", "1:1: attach: got null (expected tc or xdp)"},
      {"log_level: ~\n", "1:1: log_level: got null " + kLogLevel},
      {"flows:\n", "1:1: flows: got null " + kFlowsMapping},
      {"# flows are off\nflows:\n#  enabled: false\n", "2:1: flows: got null " + kFlowsMapping},
      {"vlans:\n", "1:1: vlans: got null (expected a mapping with the keys enabled, max_entries, top_k, idle_timeout)"},
      {"flows:\n  top_k:\n", "2:3: flows.top_k: got null " + kTopK},
      {"flows:\n  enabled: null\n", "2:3: flows.enabled: got null " + kBool},
      {"flows:\n  idle_timeout:\n  top_k: 5\n", "2:3: flows.idle_timeout: got null " + kIdle},
  });
}

TEST_CASE("values of the wrong type", "[config][errors]") {
  check({
      {"interfaces: {eth0: 1}\n",
       "1:14: unknown key 'eth0' in interfaces (expected one of: include, exclude)"},
      {"interfaces: eth0\n", "1:13: interfaces: got 'eth0' " + kInterfaces},
      {"interfaces: 5\n", "1:13: interfaces: got '5' " + kInterfaces},
      {"interfaces: \"eth0\"\n", "1:13: interfaces: got the quoted string 'eth0' " + kInterfaces},
      {"attach: [tc]\n", "1:9: attach: got a list (expected tc or xdp)"},
      {"listen: {port: 9586}\n", "1:9: listen: got a mapping " + kListen},
      {"interval: [5s]\n", "1:11: interval: got a list " + kInterval},
      {"log_level: {a: 1}\n", "1:12: log_level: got a mapping " + kLogLevel},
      {"flows: [top_k]\n", "1:8: flows: got a list " + kFlowsMapping},
      {"flows: true\n", "1:8: flows: got 'true' " + kFlowsMapping},
      {"vlans: 4096\n",
       "1:8: vlans: got '4096' (expected a mapping with the keys enabled, max_entries, top_k, idle_timeout)"},
      {"flows:\n  top_k: [1]\n", "2:10: flows.top_k: got a list " + kTopK},
      {"flows:\n  top_k: \"5\"\n", "2:10: flows.top_k: got the quoted string '5' " + kTopK},
      {"flows:\n  top_k: '5'\n", "2:10: flows.top_k: got the quoted string '5' " + kTopK},
      {"flows:\n  top_k: !!str 5\n",
       "2:10: flows.top_k: got '5' tagged tag:yaml.org,2002:str " + kTopK},
      {"flows:\n  top_k: many\n", "2:10: flows.top_k: 'many' is not an integer " + kTopK},
      {"flows:\n  top_k: 1.5\n", "2:10: flows.top_k: '1.5' is not an integer " + kTopK},
      {"flows:\n  top_k: 1e3\n", "2:10: flows.top_k: '1e3' is not an integer " + kTopK},
      {"flows:\n  top_k: 0x10\n", "2:10: flows.top_k: '0x10' is not an integer " + kTopK},
      {"flows:\n  top_k: 010\n", "2:10: flows.top_k: '010' is not an integer " + kTopK},
      {"flows:\n  top_k: +5\n", "2:10: flows.top_k: '+5' is not an integer " + kTopK},
      {"flows:\n  top_k: 1_000\n", "2:10: flows.top_k: '1_000' is not an integer " + kTopK},
      {"flows:\n  top_k: 5s\n", "2:10: flows.top_k: '5s' is not an integer " + kTopK},
      {"flows:\n  enabled: yes\n", "2:12: flows.enabled: 'yes' is not a boolean " + kBool},
      {"flows:\n  enabled: on\n", "2:12: flows.enabled: 'on' is not a boolean " + kBool},
      {"flows:\n  enabled: 1\n", "2:12: flows.enabled: '1' is not a boolean " + kBool},
      {"flows:\n  enabled: \"true\"\n",
       "2:12: flows.enabled: got the quoted string 'true' " + kBool},
      {"vlans:\n  enabled: [true]\n", "2:12: vlans.enabled: got a list " + kBool},
  });
}

TEST_CASE("integers out of range", "[config][errors]") {
  check({
      {"flows:\n  top_k: 0\n", "2:10: flows.top_k: '0' is out of range " + kTopK},
      {"flows:\n  top_k: -1\n", "2:10: flows.top_k: '-1' is out of range " + kTopK},
      {"flows:\n  top_k: 100001\n", "2:10: flows.top_k: '100001' is out of range " + kTopK},
      {"flows:\n  max_entries: 1024\n  top_k: 1025\n",
       "3:10: flows.top_k: '1025' is more than flows.max_entries 1024 " + kTopK},
      {"flows:\n  top_k: 5000\n  max_entries: 4096\n",
       "2:10: flows.top_k: '5000' is more than flows.max_entries 4096 " + kTopK},
      {"flows:\n  max_entries: 1023\n",
       "2:16: flows.max_entries: '1023' is out of range " + kFlowEntries},
      {"flows:\n  max_entries: 16777217\n",
       "2:16: flows.max_entries: '16777217' is out of range " + kFlowEntries},
      {"flows:\n  max_entries: 0\n",
       "2:16: flows.max_entries: '0' is out of range " + kFlowEntries},
      {"flows:\n  max_entries: 99999999999999999999999999\n",
       "2:16: flows.max_entries: '99999999999999999999999999' is out of range " + kFlowEntries},
      {"flows:\n  max_entries: -99999999999999999999999999\n",
       "2:16: flows.max_entries: '-99999999999999999999999999' is out of range " + kFlowEntries},
      {"flows:\n  max_new_per_second: 1\n",
       "2:23: flows.max_new_per_second: '1' is out of range " + kNewFlows},
      {"flows:\n  max_new_per_second: 9\n",
       "2:23: flows.max_new_per_second: '9' is out of range " + kNewFlows},
      {"flows:\n  max_new_per_second: 100000001\n",
       "2:23: flows.max_new_per_second: '100000001' is out of range " + kNewFlows},
      {"flows:\n  max_new_per_second: -1\n",
       "2:23: flows.max_new_per_second: '-1' is out of range " + kNewFlows},
      {"flows:\n  cache_slots: 300\n",
       "2:16: flows.cache_slots: '300' is not a power of two from 256 " + kCacheSlots},
      {"flows:\n  cache_slots: 128\n",
       "2:16: flows.cache_slots: '128' is not a power of two from 256 " + kCacheSlots},
      {"flows:\n  cache_slots: 2097152\n",
       "2:16: flows.cache_slots: '2097152' is out of range " + kCacheSlots},
      {"flows:\n  cache_slots: -1\n",
       "2:16: flows.cache_slots: '-1' is out of range " + kCacheSlots},
      {"flows:\n  cache_slots: automatic\n",
       "2:16: flows.cache_slots: 'automatic' is not an integer " + kCacheSlots},
      {"vlans:\n  max_entries: 63\n",
       "2:16: vlans.max_entries: '63' is out of range " + kVlanEntries},
      {"vlans:\n  max_entries: 1048577\n",
       "2:16: vlans.max_entries: '1048577' is out of range " + kVlanEntries},
  });
}

TEST_CASE("durations: syntax and range", "[config][errors]") {
  check({
      {"interval: 5\n", "1:11: interval: '5' has no unit " + kInterval},
      {"interval: 0\n", "1:11: interval: '0' has no unit " + kInterval},
      {"interval: 5 s\n", "1:11: interval: '5 s' is not a duration " + kInterval},
      {"interval: 5sec\n", "1:11: interval: '5sec' has an unknown unit 'sec' " + kInterval},
      {"interval: 5S\n", "1:11: interval: '5S' has an unknown unit 'S' " + kInterval},
      {"interval: 1d\n", "1:11: interval: '1d' has an unknown unit 'd' " + kInterval},
      {"interval: 1.5s\n",
       "1:11: interval: '1.5s' is not a whole number; use a smaller unit, e.g. 1500ms for 1.5s " +
           kInterval},
      {"interval: -5s\n", "1:11: interval: '-5s' is negative " + kInterval},
      {"interval: 1m30s\n", "1:11: interval: '1m30s' is not a duration " + kInterval},
      {"interval: s\n", "1:11: interval: 's' is not a duration " + kInterval},
      {"interval: \"\"\n", "1:11: interval: '' is not a duration " + kInterval},
      {"interval: 99999999999999999999h\n",
       "1:11: interval: '99999999999999999999h' is out of range " + kInterval},
      {"interval: 0s\n", "1:11: interval: '0s' is out of range " + kInterval},
      {"interval: 99ms\n", "1:11: interval: '99ms' is out of range " + kInterval},
      {"interval: 61m\n", "1:11: interval: '61m' is out of range " + kInterval},
      {"interval: 2h\n", "1:11: interval: '2h' is out of range " + kInterval},
      {"flows:\n  idle_timeout: 25h\n", "2:17: flows.idle_timeout: '25h' is out of range " + kIdle},
      {"flows:\n  idle_timeout: 0ms\n", "2:17: flows.idle_timeout: '0ms' is out of range " + kIdle},
  });
}

TEST_CASE("flows.idle_timeout must be at least interval", "[config][errors]") {
  check({
      {"flows:\n  idle_timeout: 4s\n",
       "2:17: flows.idle_timeout: '4s' is shorter than interval 5s " + kIdle},
      {"interval: 30s\nflows:\n  idle_timeout: 29999ms\n",
       "3:17: flows.idle_timeout: '29999ms' is shorter than interval 30s " + kIdle},
      {"flows:\n  idle_timeout: 10s\ninterval: 1m\n",
       "2:17: flows.idle_timeout: '10s' is shorter than interval 1m " + kIdle},
      // interval alone, against the default idle_timeout: point at interval.
      {"interval: 10m\n",
       "1:11: interval: '10m' is longer than flows.idle_timeout, 2m by default (expected at most "
       "flows.idle_timeout; raise flows.idle_timeout too)"},
      {"interval: 121s\nflows: {}\n",
       "1:11: interval: '121s' is longer than flows.idle_timeout, 2m by default (expected at "
       "most flows.idle_timeout; raise flows.idle_timeout too)"},
  });
}

TEST_CASE("enumerations", "[config][errors]") {
  check({
      {"attach: foo\n", "1:9: attach: unknown mode 'foo' (expected tc or xdp)"},
      {"attach: TC\n", "1:9: attach: unknown mode 'TC' (expected tc or xdp)"},
      {"attach: \"tc \"\n", "1:9: attach: unknown mode 'tc ' (expected tc or xdp)"},
      {"attach: both\n", "1:9: attach: unknown mode 'both' (expected tc or xdp)"},
      {"log_level: verbose\n", "1:12: log_level: unknown level 'verbose' " + kLogLevel},
      {"log_level: INFO\n", "1:12: log_level: unknown level 'INFO' " + kLogLevel},
      {"log_level: warning\n", "1:12: log_level: unknown level 'warning' " + kLogLevel},
      {"log_level: false\n", "1:12: log_level: unknown level 'false' " + kLogLevel},
  });
}

TEST_CASE("listen addresses", "[config][errors]") {
  check({
      {"listen: \":0\"\n", "1:9: listen: port '0' is out of range " + kListen},
      {"listen: \":65536\"\n", "1:9: listen: port '65536' is out of range " + kListen},
      {"listen: \"0.0.0.0:9999999999\"\n",
       "1:9: listen: port '9999999999' is out of range " + kListen},
      {"listen: \"0.0.0.0:http\"\n", "1:9: listen: port 'http' is not a number " + kListen},
      {"listen: \"0.0.0.0:-1\"\n", "1:9: listen: port '-1' is not a number " + kListen},
      {"listen: \"0.0.0.0: 80\"\n", "1:9: listen: port ' 80' is not a number " + kListen},
      {"listen: 9586\n", "1:9: listen: no port in '9586' " + kListen},
      {"listen: \"127.0.0.1\"\n", "1:9: listen: no port in '127.0.0.1' " + kListen},
      {"listen: \"127.0.0.1:\"\n", "1:9: listen: no port in '127.0.0.1:' " + kListen},
      {"listen: \":\"\n", "1:9: listen: no port in ':' " + kListen},
      {"listen: \"\"\n", "1:9: listen: no port in '' " + kListen},
      {"listen: \"[::1]\"\n", "1:9: listen: no port in '[::1]' " + kListen},
      {"listen: \"[::1]9586\"\n", "1:9: listen: unexpected '9586' after ']' " + kListen},
      {"listen: \"[::1:9586\"\n", "1:9: listen: '[::1:9586' has no closing ']' " + kListen},
      {"listen: \"::1:9586\"\n",
       "1:9: listen: IPv6 address '::1' needs brackets, e.g. '[::1]:9586' " + kListen},
      {"listen: \"[]:9586\"\n", "1:9: listen: '[]' is not an IPv6 address " + kListen},
      {"listen: \"[fe80::1%eth0]:9586\"\n",
       "1:9: listen: 'fe80::1%eth0' is not an IPv6 address " + kListen},
      {"listen: \"[127.0.0.1]:9586\"\n",
       "1:9: listen: '127.0.0.1' is not an IPv6 address " + kListen},
      {"listen: \"localhost:9586\"\n",
       "1:9: listen: 'localhost' is not an IPv4 address or an IPv6 address in brackets " + kListen},
      {"listen: \"256.0.0.1:9586\"\n",
       "1:9: listen: '256.0.0.1' is not an IPv4 address or an IPv6 address in brackets " + kListen},
      {"listen: \"10.1:9586\"\n",
       "1:9: listen: '10.1' is not an IPv4 address or an IPv6 address in brackets " + kListen},
      {"listen: \"010.0.0.1:9586\"\n",
       "1:9: listen: '010.0.0.1' is not an IPv4 address or an IPv6 address in brackets " + kListen},
      {"listen: \" :9586\"\n",
       "1:9: listen: ' ' is not an IPv4 address or an IPv6 address in brackets " + kListen},
  });
}

TEST_CASE("interface lists", "[config][errors]") {
  check({
      {"interfaces: []\n", "1:13: interfaces: the list is empty " + kInterfaces},
      {"interfaces: [eth0, eth0]\n",
       "1:20: interfaces: 'eth0' is listed twice, first at 1:14 (expected each interface once)"},
      {"interfaces:\n  - eth0\n  - eth1\n  - \"eth0\"\n",
       "4:5: interfaces: 'eth0' is listed twice, first at 2:5 (expected each interface once)"},
      {"interfaces: [abcdefghijklmnop]\n",
       "1:14: interfaces: 'abcdefghijklmnop' is 16 bytes long " + kName},
      {"interfaces: [\"\"]\n", "1:14: interfaces: an interface name is empty " + kName},
      {"interfaces: [a/b]\n", "1:14: interfaces: 'a/b' contains '/' " + kName},
      {"interfaces: [\"eth0:1\"]\n", "1:14: interfaces: 'eth0:1' contains ':' " + kName},
      {"interfaces: [\"eth 0\"]\n", "1:14: interfaces: 'eth 0' contains whitespace " + kName},
      {"interfaces: [\"eth0\\t\"]\n", "1:14: interfaces: 'eth0\\t' contains whitespace " + kName},
      {"interfaces: [\"eth0 \"]\n", "1:14: interfaces: 'eth0 ' contains whitespace " + kName},
      {"interfaces: [.]\n", "1:14: interfaces: '.' is not a valid interface name " + kName},
      {"interfaces: [..]\n", "1:14: interfaces: '..' is not a valid interface name " + kName},
      {"interfaces: [all]\n",
       "1:14: interfaces: 'all' inside a list (expected interface names, or 'interfaces: all' on "
       "its own)"},
      {"interfaces: [eth0, all]\n",
       "1:20: interfaces: 'all' inside a list (expected interface names, or 'interfaces: all' on "
       "its own)"},
      {"interfaces: [[eth0]]\n", "1:14: interfaces: item 1 is a list " + kName},
      {"interfaces: [eth0, {a: 1}]\n", "1:20: interfaces: item 2 is a mapping " + kName},
      // A null item points at the list (its own position is whatever follows it).
      {"interfaces: [eth0, ~]\n", "1:13: interfaces: item 2 is null " + kName},
      {"interfaces:\n  - eth0\n  -\n  - eth1\n", "2:3: interfaces: item 2 is null " + kName},
  });
}

TEST_CASE("the first problem in the file is the one reported", "[config][errors]") {
  check({
      {"attach: foo\ninterval: 5\n", "1:9: attach: unknown mode 'foo' (expected tc or xdp)"},
      {"interval: 5\nattach: foo\n", "1:11: interval: '5' has no unit " + kInterval},
      {"flows:\n  top_k: 0\nfoo: 1\n", "2:10: flows.top_k: '0' is out of range " + kTopK},
  });
}

TEST_CASE("long and multi-line values are shown on one line, cut", "[config][errors]") {
  check({
      {"attach: |\n  tc\n  xdp\n", "1:9: attach: unknown mode 'tc\\nxdp\\n' (expected tc or xdp)"},
      {"attach: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
       "1:9: attach: unknown mode "
       "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' (expected tc or xdp)"},
  });
}

TEST_CASE("the name given for in-memory text stands for the file", "[config][errors]") {
  CHECK(error_of("attach: foo\n", "<embedded>") ==
        "<embedded>:1:9: attach: unknown mode 'foo' (expected tc or xdp)");
}

TEST_CASE("latency and loss switches: types, unknown keys, nulls", "[config][errors]") {
  check({
      {"latency:\n  srtt: yes\n", "2:9: latency.srtt: 'yes' is not a boolean " + kBool},
      {"latency:\n  handshake: 1\n", "2:14: latency.handshake: '1' is not a boolean " + kBool},
      {"latency:\n  rtt: \"false\"\n", "2:8: latency.rtt: got the quoted string 'false' " + kBool},
      {"latency: {rtt: ~}\n", "1:11: latency.rtt: got null " + kBool},
      {"loss:\n  drops: [true]\n", "2:10: loss.drops: got a list " + kBool},
      {"loss:\n  retransmits: off\n", "2:16: loss.retransmits: 'off' is not a boolean " + kBool},
      {"latency: true\n",
       "1:10: latency: got 'true' (expected a mapping with the keys handshake, rtt, srtt)"},
      {"loss:\n", "1:1: loss: got null (expected a mapping with the keys retransmits, drops)"},
      {"latency:\n  strt: false\n",
       "2:3: unknown key 'strt' in latency, did you mean 'srtt'? " + kLatencyKeys},
      {"loss:\n  drop: false\n",
       "2:3: unknown key 'drop' in loss, did you mean 'drops'? " + kLossKeys},
      {"loss:\n  srtt: false\n", "2:3: unknown key 'srtt' in loss " + kLossKeys},
      {"srtt: false\n", "1:1: unknown key 'srtt', it belongs under latency " + kRootKeys},
      {"drops: false\n", "1:1: unknown key 'drops', it belongs under loss " + kRootKeys},
      {"latency: {rtt: true, rtt: false}\n",
       "1:22: duplicate key 'rtt' in latency, first given at 1:11 (expected each key once)"},
  });
}

namespace {

const std::string kNetworks =
    "(expected a mapping of network names to {prefixes: [...], action: count or drop})";
const std::string kNetworkKeys = "(expected a mapping with the keys prefixes, action)";
const std::string kPrefix = "(expected an IPv4 or IPv6 prefix ADDRESS/LENGTH, e.g. 198.18.0.0/15)";
const std::string kPrefixes =
    "(expected a list of IPv4 or IPv6 prefixes, e.g. [198.18.0.0/15, 'fd00::/8'])";

// `count` networks named n0, n1, ..., each with one IPv4 /32.
std::string many_networks(int count) {
  std::string y = "networks:\n";
  for (int i = 0; i < count; i++)
    y += "  n" + std::to_string(i) + ": {prefixes: [10.0." + std::to_string(i / 256) + "." +
         std::to_string(i % 256) + "/32]}\n";
  return y;
}

// One network with `count` distinct /32s of 10.0.0.0/8, one per line.
std::string many_prefixes(int count) {
  std::string y = "networks:\n  big:\n    prefixes:\n";
  for (int i = 0; i < count; i++)
    y += "      - 10." + std::to_string(i >> 16) + "." + std::to_string((i >> 8) & 255) + "." +
         std::to_string(i & 255) + "\n";
  return y;
}

}  // namespace

TEST_CASE("networks: shape, names, prefixes, duplicates, actions", "[config][errors]") {
  check({
      {"networks: [a]\n", "1:11: networks: got a list " + kNetworks},
      {"networks:\n", "1:1: networks: got null " + kNetworks},
      {"networks:\n  office: [198.18.0.0/16]\n",
       "2:11: networks.office: got a list " + kNetworkKeys},
      {"networks:\n  office:\n", "2:3: networks.office: got null " + kNetworkKeys},
      {"networks:\n  office: {action: drop}\n",
       "2:3: networks.office: prefixes is missing " + kNetworkKeys},
      {"networks:\n  \"bad name\": {prefixes: [198.18.0.0/16]}\n",
       "2:3: networks: 'bad name' is not a valid network name (expected 1 to 63 characters from "
       "A-Z, a-z, 0-9, '_', '.' and '-')"},
      {"networks:\n  office: {prefixes: [198.18.0.0/16]}\n  office: {prefixes: "
       "[198.19.0.0/16]}\n",
       "3:3: networks: network 'office' is defined twice, first at 2:3 (expected each network "
       "name once)"},
      {"networks:\n  office: {prefixes: [198.18.0.300/16]}\n",
       "2:23: networks.office.prefixes: '198.18.0.300' is not an IPv4 or IPv6 address " + kPrefix},
      {"networks:\n  office: {prefixes: [198.18.0.0/33]}\n",
       "2:23: networks.office.prefixes: prefix length '33' is not from 0 to 32 " + kPrefix},
      {"networks:\n  office: {prefixes: [198.18.0.0/]}\n",
       "2:23: networks.office.prefixes: prefix length '' is not from 0 to 32 " + kPrefix},
      {"networks:\n  office: {prefixes: [\"fd00::/129\"]}\n",
       "2:23: networks.office.prefixes: prefix length '129' is not from 0 to 128 " + kPrefix},
      {"networks:\n  office: {prefixes: [198.18.1.0/16]}\n",
       "2:23: networks.office.prefixes: '198.18.1.0/16' has host bits set; the network is "
       "198.18.0.0/16 " +
           kPrefix},
      {"networks:\n  office: {prefixes: [\"fd00::1/8\"]}\n",
       "2:23: networks.office.prefixes: 'fd00::1/8' has host bits set; the network is fd00::/8 " +
           kPrefix},
      {"networks:\n  office: {prefixes: [198.18.0.0/16]}\n  lab:\n    prefixes: [198.19.0.0/16, "
       "198.18.0.0/16]\n",
       "4:31: networks.lab.prefixes: '198.18.0.0/16' is already in network 'office' at 2:23 "
       "(expected each prefix in one network, once)"},
      // The same prefix spelt two ways is still the same prefix.
      {"networks:\n  office: {prefixes: [\"fd00::/8\", \"fd00:0::/8\"]}\n",
       "2:35: networks.office.prefixes: 'fd00::/8' is already in network 'office' at 2:23 "
       "(expected each prefix in one network, once)"},
      {"networks:\n  office: {prefixes: [198.18.0.0/16], action: block}\n",
       "2:47: networks.office.action: unknown action 'block' (expected count or drop)"},
      {"networks:\n  office: {prefixes: []}\n",
       "2:22: networks.office.prefixes: the list is empty " + kPrefixes},
      {"networks:\n  office: {prefixes: 198.18.0.0/16}\n",
       "2:22: networks.office.prefixes: got '198.18.0.0/16' " + kPrefixes},
      {"networks:\n  office: {prefixes: [[1]]}\n",
       "2:23: networks.office.prefixes: an item is a list " + kPrefix},
      {"networks:\n  office: {prefixes: [198.18.0.0/16], actoin: drop}\n",
       "2:39: unknown key 'actoin' in networks.office, did you mean 'action'? (expected one of: "
       "prefixes, action)"},
  });
}

TEST_CASE("networks: more than the data plane has room for", "[config][errors]") {
  CHECK(error_of(many_networks(256)) == "loaded");
  CHECK(error_of(many_networks(257)) ==
        "pktlens.yaml:258:3: networks: network 'n256' is one more than the 256 the data plane "
        "has room for (expected at most 256 networks)");
  CHECK(error_of(many_prefixes(65536)) == "loaded");
  CHECK(error_of(many_prefixes(65537)) ==
        "pktlens.yaml:65540:9: networks.big.prefixes: one IPv4 prefix more than the 65536 the "
        "data plane has room for (expected at most 65536 prefixes per address family, all "
        "networks together)");
  // A name of 63 characters fits the data plane's name slot, 64 do not.
  const std::string name63(63, 'n');
  CHECK(error_of("networks:\n  " + name63 + ": {prefixes: [198.18.0.0/16]}\n") == "loaded");
  CHECK(error_of("networks:\n  " + name63 + "x: {prefixes: [198.18.0.0/16]}\n") ==
        "pktlens.yaml:2:3: networks: '" + name63 +
            "x' is not a valid network name (expected 1 to 63 characters from A-Z, a-z, 0-9, '_', "
            "'.' and '-')");
}
TEST_CASE("threat signals: ranges, types, unknown keys", "[config][errors]") {
  const std::string entries = "(expected an integer from 64 to 1048576)";
  const std::string top_k = "(expected an integer from 1 to 1000)";
  check({
      {"threats:\n  syn_flood:\n    max_entries: 63\n",
       "3:18: threats.syn_flood.max_entries: '63' is out of range " + entries},
      {"threats:\n  syn_flood:\n    max_entries: 1048577\n",
       "3:18: threats.syn_flood.max_entries: '1048577' is out of range " + entries},
      {"threats:\n  syn_flood:\n    top_k: 1001\n",
       "3:12: threats.syn_flood.top_k: '1001' is out of range " + top_k},
      {"threats:\n  syn_flood:\n    enabled: yes\n",
       "3:14: threats.syn_flood.enabled: 'yes' is not a boolean " + kBool},
      {"threats:\n  syn_flood: true\n",
       "2:14: threats.syn_flood: got 'true' (expected a mapping with the keys enabled, "
       "max_entries, top_k)"},
      {"threats:\n  synflood: {}\n",
       "2:3: unknown key 'synflood' in threats, did you mean 'syn_flood'? (expected one of: "
       "syn_flood, icmp_echo, udp_ports, port_scan)"},
      {"threats:\n  port_scan:\n    window: 500ms\n",
       "3:13: threats.port_scan.window: '500ms' is out of range (expected a duration from 1s to "
       "1h, e.g. 60s)"},
      {"threats:\n  port_scan:\n    threshold: 1\n",
       "3:16: threats.port_scan.threshold: '1' is out of range (expected an integer from 2 to "
       "7000)"},
      {"threats:\n  port_scan:\n    max_new_per_second: 5\n",
       "3:25: threats.port_scan.max_new_per_second: '5' is out of range (expected 0 for no "
       "limit, or an integer from 10 to 100000000)"},
      {"threats:\n  icmp_echo:\n    max_entries: 0\n",
       "3:18: threats.icmp_echo.max_entries: '0' is out of range " + entries},
      {"threats:\n  udp_ports:\n    top_k: 0\n",
       "3:12: threats.udp_ports.top_k: '0' is out of range " + top_k},
      {"threats:\n  udp_ports:\n    max_entries: 10\n",
       "3:5: unknown key 'max_entries' in threats.udp_ports (expected one of: enabled, top_k)"},
      {"syn_flood: {}\n", "1:1: unknown key 'syn_flood', it belongs under threats " + kRootKeys},
  });
}

TEST_CASE("a document nested deeper than 32 levels is refused at the 33rd, with its position",
          "[config][errors]") {
  // yaml-cpp's own recursion limit answered "invalid YAML: bad file" at the
  // end of the file.
  const std::string flow = "a: " + std::string(3000, '[') + std::string(3000, ']') + "\n";
  CHECK(error_of(flow) ==
        "pktlens.yaml:1:35: nested deeper than 32 levels (expected the few levels of "
        "docs/configuration.md)");
  std::string block;
  for (int i = 0; i < 40; i++) block += std::string(2 * i, ' ') + "k" + std::to_string(i) + ":\n";
  block += std::string(80, ' ') + "v\n";
  CHECK_THAT(error_of(block), Catch::StartsWith("pktlens.yaml:33:") &&
                                  Catch::Contains(": nested deeper than 32 levels"));
}

TEST_CASE("interfaces by pattern: bad patterns and mappings, with their position",
          "[config][errors]") {
  const std::string kGlobs = "(expected a list of fnmatch patterns, e.g. [\"eth*\", \"veth*\"])";
  check({
      {"interfaces: {}\n",
       "1:13: interfaces: the mapping is empty (expected a mapping with the keys include, "
       "exclude)"},
      {"interfaces: {include: []}\n", "1:23: interfaces.include: the list is empty " + kGlobs},
      {"interfaces: {include: eth0}\n", "1:23: interfaces.include: got 'eth0' " + kGlobs},
      {"interfaces: {include: [\"eth[0\"]}\n",
       "1:24: interfaces.include: 'eth[0' has a '[' that is not closed " + kGlobs},
      {"interfaces: {exclude: [\"a/b\"]}\n",
       "1:24: interfaces.exclude: 'a/b' contains '/' " + kGlobs},
      {"interfaces: {exclude: [\"a b\"]}\n",
       "1:24: interfaces.exclude: 'a b' contains whitespace " + kGlobs},
      {"interfaces: {include: [\"\"]}\n", "1:24: interfaces.include: a pattern is empty " + kGlobs},
      {"interfaces: {include: [\"x\\\\\"]}\n",
       "1:24: interfaces.include: 'x\\' ends in an escaping '\\' " + kGlobs},
      {"interfaces: {include: [a*, a*]}\n",
       "1:28: interfaces.include: 'a*' is listed twice, first at 1:24 (expected each pattern "
       "once)"},
      {"interfaces: {inclde: [a*]}\n",
       "1:14: unknown key 'inclde' in interfaces, did you mean 'include'? (expected one of: "
       "include, exclude)"},
  });
}

TEST_CASE("interface_slots: ranges and the retention against the interval", "[config][errors]") {
  check({
      {"interface_slots:\n  max_entries: 15\n",
       "2:16: interface_slots.max_entries: '15' is out of range (expected an integer from 16 to "
       "65535)"},
      {"interval: 10s\ninterface_slots:\n  retention: 5s\n",
       "3:14: interface_slots.retention: '5s' is shorter than interval 10s (expected a duration "
       "from interval to 24h, e.g. 5m)"},
  });
}

TEST_CASE("export.ipfix: collectors, transport and timeouts with their positions",
          "[config][errors]") {
  const std::string kCollectors =
      "(expected a list of HOST:PORT, HOST an IPv4 address or an IPv6 address in brackets, e.g. "
      "['198.18.0.1:4739', '[fd00::1]:4739'], or [] for no export)";
  check({
      {"export:\n  ipfix:\n    collectors: 198.18.0.1:4739\n",
       "3:17: export.ipfix.collectors: got '198.18.0.1:4739' " + kCollectors},
      {"export:\n  ipfix:\n    collectors: [\":4739\"]\n",
       "3:18: export.ipfix.collectors: item 1 has no host " + kCollectors},
      {"export:\n  ipfix:\n    collectors: [\"198.18.0.1:4739\", \"198.18.0.1:4739\"]\n",
       "3:37: export.ipfix.collectors: item 2 repeats 198.18.0.1:4739 " + kCollectors},
      {"export:\n  ipfix:\n    collectors: [\"collector:4739\"]\n",
       "3:18: export.ipfix.collectors: item 1: 'collector' is not an IPv4 address or an IPv6 "
       "address in brackets " +
           kCollectors},
      {"export:\n  ipfix:\n    transport: sctp\n",
       "3:16: export.ipfix.transport: unknown transport 'sctp' (expected udp or tcp)"},
      {"export:\n  ipfix:\n    active_timeout: 500ms\n",
       "3:21: export.ipfix.active_timeout: '500ms' is out of range (expected a duration from 1s "
       "to 24h, e.g. 60s)"},
  });
}
