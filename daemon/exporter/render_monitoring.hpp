// SPDX-License-Identifier: Apache-2.0
// Which interfaces pktlensd monitors, and how: the loader's view after its
// last sync (bpf::Loader::monitoring), handed over by the service as plain
// strings so the exporter needs no loader. Pure, like render.hpp.
#pragma once

#include <prometheus/metric_family.h>

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

}  // namespace pktlens::exporter
