// SPDX-License-Identifier: Apache-2.0
// The `alerts:` list: what loads, and every way an entry can be wrong, with
// the exact message (docs/alerting.md, docs/configuration.md).
#include <catch2/catch.hpp>
#include <initializer_list>
#include <string>

#include "config_test_util.hpp"
#include "signals/catalog.hpp"

using namespace pktlens::config;
using namespace pktlens::config::test;
using namespace std::chrono_literals;

namespace {

struct Case {
  std::string yaml;
  std::string message;  // after "pktlens.yaml:"
};

void check(std::initializer_list<Case> cases) {
  for (const Case& c : cases) {
    CAPTURE(c.yaml);
    CHECK(error_of(c.yaml) == "pktlens.yaml:" + c.message);
  }
}

const std::string kSignals =
    "(expected one of: packet_rate, byte_rate, tcp_half_open, syn_rate, scan_ports, "
    "icmp_echo_rate, udp_rate, anomaly_rate, blocked_rate, network_byte_rate, retransmit_rate, "
    "drop_rate, flow_table_fill)";
const std::string kAbove = "(expected a number from 0 to 1000000000000000, e.g. 500 or 0.9)";
const std::string kFor = "(expected a duration from 0s to 24h, e.g. 10s)";

// One alert with `extra` lines added (each "    key: value\n").
std::string alert(const std::string& extra, const std::string& signal = "tcp_half_open") {
  return "alerts:\n  - name: SynFlood\n    signal: " + signal + "\n" + extra;
}

}  // namespace

TEST_CASE("an alert with every key loads as written", "[config][alerts]") {
  const Config c = load_config_string(R"y(alerts:
  - name: SynFlood
    signal: tcp_half_open
    by: [dst, dport]
    above: 500
    for: 10s
    clear_after: 30s
    severity: critical
    summary: "SYN flood against {{dst}}:{{ dport }} ({{value}}/s)"
  - name: Truncated
    signal: anomaly_rate
    match: {kind: truncated, dir: ingress}
    above: 0.5
)y",
                                      "t");
  REQUIRE(c.alerts.size() == 2);
  const AlertRule& a = c.alerts[0];
  CHECK(a.name == "SynFlood");
  CHECK(a.signal == "tcp_half_open");
  CHECK(a.by == std::vector<std::string>{"dst", "dport"});
  CHECK(a.match.empty());
  CHECK(a.above == 500);
  CHECK(a.for_duration == 10s);
  CHECK(a.clear_after == 30s);
  CHECK(a.severity == Severity::critical);
  CHECK(a.summary == "SYN flood against {{dst}}:{{ dport }} ({{value}}/s)");
  // Defaults: one series, fires at once, resolves at once, warning, the name.
  const AlertRule& b = c.alerts[1];
  CHECK(b.by.empty());
  CHECK(b.match == std::map<std::string, std::string>{{"dir", "ingress"}, {"kind", "truncated"}});
  CHECK(b.above == 0.5);
  CHECK(b.for_duration == 0ms);
  CHECK(b.clear_after == 0ms);
  CHECK(b.severity == Severity::warning);
  CHECK(b.summary == "Truncated");
}

TEST_CASE("alerts: [] means no alerts; leaving the key out keeps the defaults",
          "[config][alerts]") {
  CHECK(load_config_string("alerts: []\n", "t").alerts.empty());
  CHECK(load_config_string("interval: 5s\n", "t").alerts == default_alert_rules());
}

TEST_CASE("thresholds are numbers as YAML and PromQL both read them", "[config][alerts]") {
  const auto above = [](const std::string& v) {
    return load_config_string(alert("    above: " + v + "\n"), "t").alerts.at(0).above;
  };
  CHECK(above("0") == 0);
  CHECK(above("-0") == 0);
  CHECK(above("500") == 500);
  CHECK(above("0.9") == 0.9);
  CHECK(above("1e3") == 1000);
  CHECK(above("2.5E-1") == 0.25);
  CHECK(above("!!float 7") == 7);
  CHECK(above("1000000000000000") == 1e15);
  CHECK(format_number(500) == "500");
  CHECK(format_number(0.9) == "0.9");
  CHECK(format_number(0.25) == "0.25");
  CHECK(format_number(1e15) == "1000000000000000");
}

TEST_CASE("alert entries that are wrong say where and why", "[config][alerts][errors]") {
  check({
      {"alerts: {a: 1}\n",
       "1:9: alerts: got a mapping (expected a list of alerts, each a mapping with name, signal "
       "and above)"},
      {"alerts:\n  - 5\n",
       "2:5: alerts[1]: got '5' (expected a mapping with the keys name, signal, by, match, above, "
       "for, clear_after, severity, summary)"},
      // Unknown signal, with a suggestion when one is near.
      {alert("    above: 1\n", "tcp_halfopen"),
       "3:13: alerts[1].signal: unknown signal 'tcp_halfopen', did you mean 'tcp_half_open'? " +
           kSignals},
      {alert("    above: 1\n", "synflood"),
       "3:13: alerts[1].signal: unknown signal 'synflood' " + kSignals},
      // A `by` or `match` label the signal lacks.
      {alert("    by: [dst, interface]\n    above: 1\n"),
       "4:15: alerts[1].by: signal tcp_half_open has no label 'interface' (expected labels of "
       "tcp_half_open: dst, dport)"},
      {alert("    by: [interface]\n    above: 0.5\n", "flow_table_fill"),
       "4:10: alerts[1].by: signal flow_table_fill has no label 'interface' (expected no labels: "
       "flow_table_fill is one series)"},
      {alert("    by: [dst, dst]\n    above: 1\n"),
       "4:15: alerts[1].by: 'dst' is listed twice (expected each label once)"},
      {alert("    match: {reason: x}\n    above: 1\n"),
       "4:13: alerts[1].match: signal tcp_half_open has no label 'reason' (expected labels of "
       "tcp_half_open: dst, dport)"},
      // `by` before `signal` is checked against the signal all the same.
      {"alerts:\n  - by: [kind]\n    name: X\n    signal: drop_rate\n    above: 1\n",
       "2:10: alerts[1].by: signal drop_rate has no label 'kind' (expected labels of drop_rate: "
       "reason)"},
      // Thresholds.
      {alert("    above: -5\n"), "4:12: alerts[1].above: '-5' is negative " + kAbove},
      {alert("    above: -0.1\n"), "4:12: alerts[1].above: '-0.1' is negative " + kAbove},
      {alert("    above: 5k\n"), "4:12: alerts[1].above: '5k' is not a number " + kAbove},
      {alert("    above: .5\n"), "4:12: alerts[1].above: '.5' is not a number " + kAbove},
      {alert("    above: \"5\"\n"), "4:12: alerts[1].above: got the quoted string '5' " + kAbove},
      {alert("    above: 2e15\n"), "4:12: alerts[1].above: '2e15' is out of range " + kAbove},
      {alert("    above: 1e999\n"), "4:12: alerts[1].above: '1e999' is out of range " + kAbove},
      // Durations.
      {alert("    above: 1\n    for: 10\n"), "5:10: alerts[1].for: '10' has no unit " + kFor},
      {alert("    above: 1\n    for: -1s\n"), "5:10: alerts[1].for: '-1s' is negative " + kFor},
      {alert("    above: 1\n    clear_after: 25h\n"),
       "5:18: alerts[1].clear_after: '25h' is out of range " + kFor},
      // Missing keys point at the entry.
      {"alerts:\n  - name: X\n    signal: packet_rate\n",
       "2:5: alerts[1]: missing key 'above' (expected name, signal and above in every alert)"},
      {"alerts:\n  - signal: packet_rate\n    above: 1\n",
       "2:5: alerts[1]: missing key 'name' (expected name, signal and above in every alert)"},
      // Names: valid, and unique.
      {"alerts:\n  - name: Syn Flood\n",
       "2:11: alerts[1].name: 'Syn Flood' is not a valid name (expected a name of letters, "
       "digits and _, not starting with a digit)"},
      {alert("    above: 1\n") + "  - name: SynFlood\n    signal: syn_rate\n    above: 2\n",
       "5:11: alerts[2].name: 'SynFlood' is used twice, first at 2:11 (expected each alert name "
       "once)"},
      // Severity, summary, unknown keys.
      {alert("    above: 1\n    severity: page\n"),
       "5:15: alerts[1].severity: unknown severity 'page' (expected critical, warning or info)"},
      {alert("    by: [dst]\n    above: 1\n    summary: \"flood on {{dport}}\"\n"),
       "6:14: alerts[1].summary: '{{dport}}' is not a label of by (expected {{value}}, or "
       "{{LABEL}} with LABEL one of by: dst)"},
      {alert("    above: 1\n    summary: \"flood {{value\"\n"),
       "5:14: alerts[1].summary: '{{' without a closing '}}' (expected {{value}}, or {{LABEL}} "
       "with LABEL one of by (by is empty))"},
      {alert("    above: 1\n    threshold: 5\n"),
       "5:5: unknown key 'threshold' in alerts[1] (expected one of: name, signal, by, match, "
       "above, for, clear_after, severity, summary)"},
      {alert("    abov: 1\n"),
       "4:5: unknown key 'abov' in alerts[1], did you mean 'above'? (expected one of: name, "
       "signal, by, match, above, for, clear_after, severity, summary)"},
  });
}

TEST_CASE("the catalog's labels are what the config accepts", "[config][alerts]") {
  for (const auto& s : pktlens::signals::signal_catalog()) {
    std::string by;
    for (auto l : s.labels) by += (by.empty() ? "" : ", ") + std::string(l);
    CAPTURE(s.name);
    CHECK(error_of("alerts:\n  - name: A\n    signal: " + std::string(s.name) + "\n    by: [" + by +
                   "]\n    above: 1\n") == "loaded");
  }
}
