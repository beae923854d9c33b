// SPDX-License-Identifier: Apache-2.0
// The alert state machine (daemon/alerts/engine.*): `for`, `clear_after`,
// aggregation by `by` and `match`, the bound on label sets, reloads. Time
// is given, never read: every step is exact.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "alerts/engine.hpp"
#include "alerts/summary.hpp"

using namespace pktlens;
using namespace pktlens::alerts;
using namespace std::chrono_literals;
using config::AlertRule;
using config::Severity;

namespace {

AlertRule syn_flood() {
  return {.name = "SynFlood",
          .signal = "tcp_half_open",
          .by = {"dst", "dport"},
          .above = 500,
          .for_duration = 10s,
          .clear_after = 0s,
          .severity = Severity::critical,
          .summary = "SYN flood against {{dst}}:{{dport}} ({{value}}/s)"};
}

Sample half_open(std::string dst, std::string dport, double v) {
  return {"tcp_half_open", {{"dst", std::move(dst)}, {"dport", std::move(dport)}}, v};
}

// Evaluations every 5s from t = 0.
struct Clock {
  AlertEngine::Time now{0};
  std::vector<Transition> step(AlertEngine& e, const std::vector<Sample>& s) {
    auto out = e.evaluate(s, now);
    now += 5s;
    return out;
  }
};

Labels dst80(const char* dst = "198.18.0.2") { return {{"dst", dst}, {"dport", "80"}}; }

}  // namespace

TEST_CASE("an alert fires after `for` above the threshold and resolves when below",
          "[alerts][engine]") {
  AlertEngine e({syn_flood()});
  Clock c;
  // t=0: above, pending.
  CHECK(c.step(e, {half_open("198.18.0.2", "80", 800)}).empty());
  REQUIRE(e.status().size() == 1);
  CHECK(e.status()[0] ==
        SeriesStatus{"SynFlood", Severity::critical, dst80(), 800, /*firing=*/false});
  // t=5: still pending (5s < 10s).
  CHECK(c.step(e, {half_open("198.18.0.2", "80", 900)}).empty());
  // t=10: 10s above: fires, once.
  const auto fired = c.step(e, {half_open("198.18.0.2", "80", 1000)});
  REQUIRE(fired.size() == 1);
  CHECK(fired[0].series == SeriesStatus{"SynFlood", Severity::critical, dst80(), 1000, true});
  CHECK(fired[0].summary == "SYN flood against 198.18.0.2:80 (1000/s)");
  CHECK(fired[0].above == 500);
  CHECK(c.step(e, {half_open("198.18.0.2", "80", 1000)}).empty());
  CHECK(e.status()[0].firing);
  // t=20: exactly at the threshold is not above: resolves (clear_after 0s).
  const auto resolved = c.step(e, {half_open("198.18.0.2", "80", 500)});
  REQUIRE(resolved.size() == 1);
  CHECK(resolved[0].series == SeriesStatus{"SynFlood", Severity::critical, dst80(), 500, false});
  CHECK(e.status().empty());
}

TEST_CASE("a pending alert that drops below starts over", "[alerts][engine]") {
  AlertEngine e({syn_flood()});
  Clock c;
  CHECK(c.step(e, {half_open("198.18.0.2", "80", 800)}).empty());  // t=0 pending
  CHECK(c.step(e, {half_open("198.18.0.2", "80", 100)}).empty());  // t=5 inactive
  CHECK(e.status().empty());
  CHECK(c.step(e, {half_open("198.18.0.2", "80", 800)}).empty());      // t=10 pending again
  CHECK(c.step(e, {half_open("198.18.0.2", "80", 800)}).empty());      // t=15: 5s
  CHECK(c.step(e, {half_open("198.18.0.2", "80", 800)}).size() == 1);  // t=20: 10s
}

TEST_CASE("for: 0s fires at the first evaluation above", "[alerts][engine]") {
  AlertRule r = syn_flood();
  r.for_duration = 0s;
  AlertEngine e({r});
  Clock c;
  CHECK(c.step(e, {half_open("198.18.0.2", "80", 500)}).empty());  // not above
  CHECK(c.step(e, {half_open("198.18.0.2", "80", 500.5)}).size() == 1);
}

TEST_CASE("clear_after keeps an alert firing until it was not above for that long",
          "[alerts][engine]") {
  AlertRule r = syn_flood();
  r.for_duration = 0s;
  r.clear_after = 12s;
  AlertEngine e({r});
  Clock c;
  CHECK(c.step(e, {half_open("198.18.0.2", "80", 600)}).size() == 1);  // t=0 fires; last above 0
  CHECK(c.step(e, {half_open("198.18.0.2", "80", 10)}).empty());       // t=5: 5s since
  CHECK(e.status().at(0) == SeriesStatus{"SynFlood", Severity::critical, dst80(), 10, true});
  CHECK(c.step(e, {}).empty());  // t=10: absent, 10s
  CHECK(e.status().at(0).value == 0);
  CHECK(c.step(e, {half_open("198.18.0.2", "80", 700)}).empty());  // t=15: above again
  CHECK(c.step(e, {}).empty());                                    // t=20: 5s
  CHECK(c.step(e, {}).empty());                                    // t=25: 10s
  const auto resolved = c.step(e, {});                             // t=30: 15s >= 12s
  REQUIRE(resolved.size() == 1);
  CHECK_FALSE(resolved[0].series.firing);
  CHECK(e.status().empty());
}

TEST_CASE("a series without a sample counts as not above", "[alerts][engine]") {
  AlertRule r = syn_flood();
  r.for_duration = 0s;
  AlertEngine e({r});
  Clock c;
  CHECK(c.step(e, {half_open("198.18.0.2", "80", 600)}).size() == 1);
  const auto t = c.step(e, {half_open("198.18.0.3", "80", 10)});
  REQUIRE(t.size() == 1);
  CHECK(t[0].series == SeriesStatus{"SynFlood", Severity::critical, dst80(), 0, false});
}

TEST_CASE("by sums the other labels away; match filters; max for gauges", "[alerts][engine]") {
  const std::vector<Sample> anomalies{
      {"anomaly_rate", {{"interface", "eth0"}, {"dir", "ingress"}, {"kind", "truncated"}}, 3},
      {"anomaly_rate", {{"interface", "eth0"}, {"dir", "egress"}, {"kind", "truncated"}}, 4},
      {"anomaly_rate", {{"interface", "eth0"}, {"dir", "ingress"}, {"kind", "land"}}, 100},
      {"anomaly_rate", {{"interface", "eth1"}, {"dir", "ingress"}, {"kind", "truncated"}}, 1},
      {"packet_rate", {{"interface", "eth0"}, {"dir", "ingress"}}, 1e6},
  };
  AlertRule r{.name = "Truncated",
              .signal = "anomaly_rate",
              .by = {"interface"},
              .match = {{"kind", "truncated"}},
              .above = 0};
  CHECK(aggregate(r, anomalies) ==
        std::map<Labels, double>{{{{"interface", "eth0"}}, 7}, {{{"interface", "eth1"}}, 1}});
  r.by = {};
  r.match = {};
  CHECK(aggregate(r, anomalies) == std::map<Labels, double>{{{}, 108}});
  r.by = {"kind", "dir"};  // by order is the label order
  CHECK(aggregate(r, anomalies).begin()->first == Labels{{"kind", "land"}, {"dir", "ingress"}});

  const std::vector<Sample> scans{{"scan_ports", {{"src", "a"}}, 30},
                                  {"scan_ports", {{"src", "b"}}, 200}};
  const AlertRule scan{.name = "Scan", .signal = "scan_ports", .above = 100};
  CHECK(aggregate(scan, scans) == std::map<Labels, double>{{{}, 200}});
}

TEST_CASE("at most max_series label sets per alert; firing ones keep their place",
          "[alerts][engine]") {
  AlertRule r = syn_flood();
  r.for_duration = 0s;
  AlertEngine e({r}, EngineOptions{.max_series = 2});
  Clock c;
  auto fired = c.step(e, {half_open("a", "80", 600), half_open("b", "80", 900),
                          half_open("c", "80", 700), half_open("d", "80", 100)});
  // The two highest win; the third above is refused.
  REQUIRE(fired.size() == 2);
  CHECK(fired[0].series.labels == Labels{{"dst", "b"}, {"dport", "80"}});
  CHECK(fired[1].series.labels == Labels{{"dst", "c"}, {"dport", "80"}});
  CHECK(e.refused_series() == 1);
  // A higher newcomer does not evict a firing series.
  fired =
      c.step(e, {half_open("a", "80", 5000), half_open("b", "80", 900), half_open("c", "80", 700)});
  CHECK(fired.empty());
  CHECK(e.refused_series() == 1);
  CHECK(e.status().size() == 2);
  // Room again once one resolves.
  fired = c.step(e, {half_open("a", "80", 5000), half_open("b", "80", 900)});
  REQUIRE(fired.size() == 2);
  CHECK_FALSE(fired[0].series.firing);  // c resolved
  CHECK(fired[1].series.firing);        // a admitted
  CHECK(e.refused_series() == 0);
}

TEST_CASE("several alerts on one signal are independent", "[alerts][engine]") {
  AlertRule warn = syn_flood();
  warn.name = "SynWarn";
  warn.above = 100;
  warn.for_duration = 0s;
  warn.severity = Severity::warning;
  AlertEngine e({syn_flood(), warn});
  Clock c;
  const auto t = c.step(e, {half_open("198.18.0.2", "80", 200)});
  REQUIRE(t.size() == 1);
  CHECK(t[0].series.alert == "SynWarn");
  CHECK(e.status().size() == 1);  // SynFlood: 200 is not above 500
}

TEST_CASE("a reload keeps unchanged alerts and resolves removed ones", "[alerts][engine]") {
  AlertRule a = syn_flood();
  a.for_duration = 0s;
  AlertRule b = a;
  b.name = "Other";
  AlertEngine e({a, b});
  Clock c;
  CHECK(c.step(e, {half_open("198.18.0.2", "80", 600)}).size() == 2);
  // `a` unchanged (moved to the end), `b` changed: b resolves, a keeps firing silently.
  AlertRule b2 = b;
  b2.above = 1000;
  const auto resolved = e.reconfigure({b2, a});
  REQUIRE(resolved.size() == 1);
  CHECK(resolved[0].series.alert == "Other");
  CHECK_FALSE(resolved[0].series.firing);
  REQUIRE(e.status().size() == 1);
  CHECK(e.status()[0].alert == "SynFlood");
  CHECK(e.status()[0].firing);
  CHECK(c.step(e, {half_open("198.18.0.2", "80", 600)}).empty());
  CHECK(e.reconfigure({}).size() == 1);
  CHECK(e.status().empty());
}

TEST_CASE("summary templates", "[alerts][summary]") {
  const Labels l{{"dst", "198.18.0.2"}, {"dport", "80"}};
  CHECK(render_summary("SYN flood against {{dst}}:{{ dport }}, {{value}}/s", l, 812.25) ==
        "SYN flood against 198.18.0.2:80, 812.25/s");
  CHECK(render_summary("no placeholders", l, 1) == "no placeholders");
  CHECK(render_summary("{{value}}", {}, 0.123456789) == "0.123457");
  CHECK(render_summary("{{value}}", {}, 2.5e6) == "2.5e+06");
  CHECK(prometheus_summary("SYN flood against {{dst}}:{{ dport }} ({{value}}/s)") ==
        "SYN flood against {{ $labels.dst }}:{{ $labels.dport }} ({{ $value }}/s)");
}
