// SPDX-License-Identifier: Apache-2.0
// One series per interface whose value is the alert condition itself
// (0: blind on it), so a rule needs no absent() and no knowledge of the
// configuration; `how` says which hook counts, since tc and XDP count
// different frames (docs/metrics.md).
#include "exporter/render_monitoring.hpp"

#include "exporter/family_builder.hpp"

namespace pktlens::exporter {

std::vector<prometheus::MetricFamily> render_monitoring(
    const std::vector<InterfaceMonitoring>& interfaces) {
  if (interfaces.empty()) return {};
  auto f = detail::make_family(
      "pktlens_interface_monitored",
      "1 while pktlens's programs count the interface's frames (how: tc, xdp_native, "
      "xdp_generic), 0 while they do not (how=\"none\"): missing, attaching failed, or another "
      "program took their place.",
      prometheus::MetricType::Gauge);
  for (const auto& i : interfaces)
    detail::add_gauge(f, {{"interface", i.interface}, {"how", i.how.empty() ? "none" : i.how}},
                      i.how.empty() ? 0 : 1);
  std::vector<prometheus::MetricFamily> out;
  out.push_back(std::move(f));
  return out;
}

std::vector<prometheus::MetricFamily> render_slots(const SlotTable& slots) {
  auto used = detail::make_family(
      "pktlens_interface_slots",
      "Interface slots by state: attached (counted now), retained (gone, final values exported "
      "until interface_slots.retention ends), free; they add up to "
      "interface_slots.max_entries.",
      prometheus::MetricType::Gauge);
  auto waiting = detail::make_family(
      "pktlens_interface_slots_waiting",
      "Interfaces to attach that found no free interface slot; retried every interval.",
      prometheus::MetricType::Gauge);
  // Declared always; series once the loader has looked at the interfaces.
  if (slots.capacity != 0) {
    const uint32_t taken = slots.attached + slots.retained;
    detail::add_gauge(used, {{"state", "attached"}}, slots.attached);
    detail::add_gauge(used, {{"state", "retained"}}, slots.retained);
    detail::add_gauge(used, {{"state", "free"}},
                      taken < slots.capacity ? slots.capacity - taken : 0);
    detail::add_gauge(waiting, {}, slots.waiting);
  }
  return detail::families({&used, &waiting});
}

}  // namespace pktlens::exporter
