// SPDX-License-Identifier: Apache-2.0
// pktlens_alert_firing / pktlens_alert_value: exact exposition text,
// promtool clean, present (empty) when nothing is active.
#include <catch2/catch.hpp>
#include <string>

#include "exporter/render_alerts.hpp"
#include "exposition.hpp"

using namespace pktlens;
using test::serialize;

TEST_CASE("render_alerts: firing and pending series with their by labels", "[alerts][render]") {
  const std::vector<alerts::SeriesStatus> s{
      {"SynFlood",
       config::Severity::critical,
       {{"dst", "198.18.0.2"}, {"dport", "80"}},
       812.5,
       true},
      {"SynFlood",
       config::Severity::critical,
       {{"dst", "198.18.0.3"}, {"dport", "22"}},
       600,
       false},
      {"FlowTableFull", config::Severity::warning, {}, 0.95, true},
  };
  const std::string text = serialize(exporter::render_alerts(s));
  CHECK(text ==
        "# HELP pktlens_alert_firing 1 while the alert fires, 0 while it is pending (above its "
        "threshold, waiting for its for: duration); see docs/alerting.md.\n"
        "# TYPE pktlens_alert_firing gauge\n"
        "pktlens_alert_firing{alert=\"SynFlood\",severity=\"critical\",dst=\"198.18.0.2\","
        "dport=\"80\"} 1\n"
        "pktlens_alert_firing{alert=\"SynFlood\",severity=\"critical\",dst=\"198.18.0.3\","
        "dport=\"22\"} 0\n"
        "pktlens_alert_firing{alert=\"FlowTableFull\",severity=\"warning\"} 1\n"
        "# HELP pktlens_alert_value The alert's signal at the last evaluation, for each pending "
        "or firing label set (rates per second).\n"
        "# TYPE pktlens_alert_value gauge\n"
        "pktlens_alert_value{alert=\"SynFlood\",severity=\"critical\",dst=\"198.18.0.2\","
        "dport=\"80\"} 812.5\n"
        "pktlens_alert_value{alert=\"SynFlood\",severity=\"critical\",dst=\"198.18.0.3\","
        "dport=\"22\"} 600\n"
        "pktlens_alert_value{alert=\"FlowTableFull\",severity=\"warning\"} 0.95\n");
  const auto [code, output] = test::promtool_check(text);
  INFO(output);
  CHECK(code == 0);
  CHECK(output.empty());
}

TEST_CASE("render_alerts: nothing active still declares both families", "[alerts][render]") {
  const auto families = exporter::render_alerts({});
  REQUIRE(families.size() == 2);
  CHECK(families[0].metric.empty());
  const auto [code, output] = test::promtool_check(serialize(families));
  INFO(output);
  CHECK(code == 0);
}
