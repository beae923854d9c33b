// SPDX-License-Identifier: Apache-2.0
#include "exporter/http_routes.hpp"

namespace pktlens::exporter {

std::string_view target_path(std::string_view target) {
  // RFC 9112, 3.2.2: a server accepts the absolute form too.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.substr(0, scheme.size()) == scheme) {
      target.remove_prefix(scheme.size());
      const auto slash = target.find('/');
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
      break;
    }
  }
  const auto end = target.find_first_of("?#");
  return target.substr(0, end);
}

Route route(std::string_view method, std::string_view target, std::string_view telemetry_path) {
  const std::string_view path = target_path(target);
  Route known;
  if (path == telemetry_path) {
    known = Route::metrics;
  } else if (path == "/") {
    known = Route::landing_page;
  } else {
    return Route::not_found;
  }
  if (method != "GET" && method != "HEAD") return Route::method_not_allowed;
  return known;
}

}  // namespace pktlens::exporter
