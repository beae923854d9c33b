// SPDX-License-Identifier: Apache-2.0
// The flags node_exporter users already type, spelt as node_exporter spells
// them; each overrides the config key it corresponds to:
//   --web.listen-address ADDR  (repeatable)  over `listen`
//   --web.config.file FILE                   over `web_config_file`
//   --web.telemetry-path PATH                (no key; default /metrics)
//   --log.format logfmt|json                 (no key; stderr only)
// --log.level is another name of --log-level (main.cpp).
#pragma once

#include <CLI/CLI.hpp>

#include "service/run.hpp"

namespace pktlens::service {

// Adds the flags to `app`; parsing fills `run`. A listen address or path
// that is not valid fails the parse with CLI11's message naming the flag.
void add_exporter_flags(CLI::App& app, RunOptions& run);

}  // namespace pktlens::service
