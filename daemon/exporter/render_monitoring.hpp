// SPDX-License-Identifier: Apache-2.0
// Which interfaces pktlensd monitors, and how: the loader's view after its
// last sync (bpf::Loader::monitoring), handed over by the service as plain
// strings so the exporter needs no loader. Pure, like render.hpp.
#pragma once

#include <prometheus/metric_family.h>

#include <cstdint>
#include <string>
#include <vector>

namespace pktlens::exporter {

struct InterfaceMonitoring {
  std::string interface;
  // "tc", "xdp_native", "xdp_generic"; "" while not monitored (the
  // interface is missing, attaching failed, or another program took
  // pktlens's place).
  std::string how;
  bool operator==(const InterfaceMonitoring&) const = default;
};

//   pktlens_interface_monitored{interface,how}: 1 while monitored (how:
//   tc, xdp_native, xdp_generic), 0 while not (how="none"); one series per
//   interface pktlensd should monitor, in the given order. Nothing when
//   there is none.
std::vector<prometheus::MetricFamily> render_monitoring(
    const std::vector<InterfaceMonitoring>& interfaces);

// The table of interface slots (bpf::Loader::slot_use), as plain numbers.
struct SlotTable {
  uint32_t capacity = 0;  // 0: not known yet (no sync); nothing rendered
  uint32_t attached = 0;
  uint32_t retained = 0;
  uint32_t waiting = 0;
  bool operator==(const SlotTable&) const = default;
};

//   pktlens_interface_slots{state}: slots attached (interfaces counted
//   now), retained (gone interfaces exporting their final values), free;
//   they add up to interface_slots.max_entries.
//   pktlens_interface_slots_waiting: interfaces to attach that found no free
//   slot (retried every interval); above 0 is the alert condition.
//   Both declared always; no series while capacity is 0.
std::vector<prometheus::MetricFamily> render_slots(const SlotTable& slots);

}  // namespace pktlens::exporter
