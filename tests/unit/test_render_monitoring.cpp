// SPDX-License-Identifier: Apache-2.0
// Which interfaces are monitored -> pktlens_interface_monitored{interface,how}:
// exact exposition text, 0 with how="none" for an interface not monitored,
// nothing without interfaces, promtool clean; and a scrape shows it even
// when no snapshot could be read.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "exporter/render_monitoring.hpp"
#include "exporter/snapshot_collectable.hpp"
#include "exposition.hpp"

using namespace pktlens;
using exporter::InterfaceMonitoring;
using exporter::SlotTable;
using test::serialize;

TEST_CASE("render_monitoring: 1 and the hook while monitored, 0 and none while not") {
  const std::vector<InterfaceMonitoring> in{
      {"eth0", "tc"}, {"eth1", ""}, {"eth2", "xdp_native"}, {"eth3", "xdp_generic"}};
  const std::string text = serialize(exporter::render_monitoring(in));
  const std::string golden =
      R"golden(# HELP pktlens_interface_monitored 1 while pktlens's programs count the interface's frames (how: tc, xdp_native, xdp_generic), 0 while they do not (how="none"): missing, attaching failed, or another program took their place.
# TYPE pktlens_interface_monitored gauge
pktlens_interface_monitored{interface="eth0",how="tc"} 1
pktlens_interface_monitored{interface="eth1",how="none"} 0
pktlens_interface_monitored{interface="eth2",how="xdp_native"} 1
pktlens_interface_monitored{interface="eth3",how="xdp_generic"} 1
)golden";
  CHECK(text == golden);
  const auto [rc, out] = test::promtool_check(text);
  CHECK(rc == 0);
  CHECK(out.empty());
}

TEST_CASE("render_monitoring: no interface to monitor, no family") {
  CHECK(exporter::render_monitoring({}).empty());
}

TEST_CASE("collectable: the monitored gauge is served even without a snapshot") {
  exporter::SnapshotCollectable c("9.9.9");
  auto p = std::make_shared<exporter::Published>();
  p->monitoring = {{"eth0", ""}};
  c.publish(p);
  const std::string text = serialize(c.Collect());
  CHECK(text.find("\npktlens_interface_monitored{interface=\"eth0\",how=\"none\"} 0\n") !=
        std::string::npos);
  CHECK(text.find("\npktlens_up 0\n") != std::string::npos);
}

TEST_CASE("render_slots: the slot table by state, and the interfaces waiting for one") {
  const std::string text = serialize(exporter::render_slots(
      SlotTable{.capacity = 1024, .attached = 150, .retained = 35, .waiting = 2}));
  const std::string golden =
      R"golden(# HELP pktlens_interface_slots Interface slots by state: attached (counted now), retained (gone, final values exported until interface_slots.retention ends), free; they add up to interface_slots.max_entries.
# TYPE pktlens_interface_slots gauge
pktlens_interface_slots{state="attached"} 150
pktlens_interface_slots{state="retained"} 35
pktlens_interface_slots{state="free"} 839
# HELP pktlens_interface_slots_waiting Interfaces to attach that found no free interface slot; retried every interval.
# TYPE pktlens_interface_slots_waiting gauge
pktlens_interface_slots_waiting 2
)golden";
  CHECK(text == golden);
  const auto [rc, out] = test::promtool_check(text);
  CHECK(rc == 0);
  CHECK(out.empty());
}

TEST_CASE("render_slots: before the first look at the interfaces, declared without series") {
  const auto families = exporter::render_slots({});
  REQUIRE(families.size() == 2);
  CHECK(families[0].metric.empty());
  CHECK(families[1].metric.empty());
}
