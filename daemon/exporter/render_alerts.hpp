// SPDX-License-Identifier: Apache-2.0
// The in-daemon alerts' state (alerts::AlertEngine::status()) as metrics.
// Pure, like render.hpp.
#pragma once

#include <prometheus/metric_family.h>

#include <vector>

#include "alerts/sample.hpp"

namespace pktlens::exporter {

//   pktlens_alert_firing{alert,severity,<by labels>}: 1 while firing, 0
//     while pending (above, waiting for `for`);
//   pktlens_alert_value{alert,severity,<by labels>}: the signal's value at
//     the last evaluation.
// One series each per pending or firing label set (at most max_series per
// alert); an inactive alert has none. Both families are always present
// (HELP and TYPE), empty when nothing is active.
std::vector<prometheus::MetricFamily> render_alerts(const std::vector<alerts::SeriesStatus>& s);

}  // namespace pktlens::exporter
