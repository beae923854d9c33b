// SPDX-License-Identifier: Apache-2.0
// How a Daemon runs beyond its configuration: the pin directory, whether it
// serves /metrics, and what the kernel offers (the start-up feature probe).
#pragma once

#include <string>
#include <vector>

#include "config/config.hpp"
#include "exporter/web_settings.hpp"

namespace pktlens::service {

struct DaemonOptions {
  std::string pin_dir;     // where the maps are pinned (and the instance lock)
  bool serve_http = true;  // false for `dump`
  std::string version;
  // The optional kernel features the collector may use
  // (bpf::probe_kernel_features): each off takes its fallback path.
  bool map_iterators = true;
  bool mmapable_maps = true;
  bool batch_ops = true;
  bool lookup_and_delete = true;
  bool tcx_links = true;
  // Where and how /metrics is served: the addresses of --web.listen-address
  // (none: the config's `listen`), the web config's TLS and users, the path.
  std::vector<config::ListenAddress> listen;
  exporter::WebSettings web;
  std::string telemetry_path = "/metrics";
};

}  // namespace pktlens::service
