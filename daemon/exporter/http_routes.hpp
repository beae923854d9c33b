// SPDX-License-Identifier: Apache-2.0
// Which answer a request gets, by method and target alone: exact paths
// only, so "/METRICS", "/metrics/" and "/metrics%00.html" are 404, and
// HEAD is answered like GET. Pure, so every case is unit-tested.
#pragma once

#include <string_view>

namespace pktlens::exporter {

enum class Route {
  metrics,             // the telemetry path (default /metrics)
  landing_page,        // "/", a page linking to the metrics
  not_found,           // 404
  method_not_allowed,  // 405 on a known path: only GET and HEAD are
};

// The path of a request target: origin form ("/metrics?x=1" -> "/metrics")
// or absolute form ("http://host:9586/metrics" -> "/metrics"), not
// percent-decoded ("/metrics%2f" stays itself, and is no known path).
std::string_view target_path(std::string_view target);

// `telemetry_path` as --web.telemetry-path sets it; when it is "/", there
// is no landing page.
Route route(std::string_view method, std::string_view target, std::string_view telemetry_path);

}  // namespace pktlens::exporter
