// SPDX-License-Identifier: Apache-2.0
// Values the loader derives from the config for the data plane's switches.
#include "config.hpp"

namespace pktlens::config {

namespace {

std::uint32_t per_window(std::uint64_t per_second) {
  // Rounded up: 25 new flows/s become 3 per 100 ms, never 2 (a lower limit
  // than asked) nor 0 (which the data plane reads as unlimited).
  constexpr std::uint64_t kWindowsPerSecond = 1000 / kFlowAdmissionWindow.count();
  return static_cast<std::uint32_t>((per_second + kWindowsPerSecond - 1) / kWindowsPerSecond);
}

}  // namespace

std::uint32_t flow_inserts_per_window(const FlowsConfig& flows) {
  return per_window(flows.max_new_per_second);
}

std::uint32_t scan_inserts_per_window(const PortScanConfig& scan) {
  return per_window(scan.max_new_per_second);
}

}  // namespace pktlens::config
