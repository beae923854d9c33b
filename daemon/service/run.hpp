// SPDX-License-Identifier: Apache-2.0
// The two ways pktlensd runs: as the daemon (foreground, systemd style,
// until SIGTERM/SIGINT) and as `dump` (attach, wait one interval, print the
// metrics once, detach). Both return the process's exit code and have said
// why in the log when it is not 0.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace pktlens::service {

inline constexpr const char* kSystemConfigPath = "/etc/pktlens/pktlens.yaml";

struct RunOptions {
  std::optional<std::string> config_path;     // --config
  std::optional<config::LogLevel> log_level;  // --log-level, over the config's
  std::string pin_dir;                        // --bpf-pin-dir
  std::string version;
  // The node_exporter flags (exporter_flags.hpp).
  std::vector<config::ListenAddress> listen;   // --web.listen-address: over `listen`
  std::optional<std::string> web_config_file;  // --web.config.file: over `web_config_file`
  std::string telemetry_path = "/metrics";     // --web.telemetry-path
  std::string log_format;                      // --log.format: "", "logfmt" or "json"
};

// --config FILE if given, else /etc/pktlens/pktlens.yaml if it exists, else
// the embedded default. `source` says which, for the log.
config::Config resolve_config(const std::optional<std::string>& path, std::string& source);

int run_daemon(const RunOptions& o);
int run_dump(const RunOptions& o, std::ostream& out);

}  // namespace pktlens::service
