// SPDX-License-Identifier: Apache-2.0
// Where pktlensd's log lines go: journald when systemd connected our stderr
// to the journal (JOURNAL_STREAM names stderr's device and inode), else
// stderr. libbpf's own messages are routed into the same log at debug level:
// pktlensd reports every failure itself with its cause and a fix, and
// libbpf's lines (verifier logs, expected "filter not found" probes) are for
// --log-level debug.
#pragma once

#include <spdlog/spdlog.h>

#include <string_view>

#include "config/config.hpp"

namespace pktlens::service {

// Installs the default logger; call once, first thing in main().
// `format`: "" for pktlensd's own lines, or --log.format's logfmt / json
// (log_format.hpp); the journal takes fields, not lines, and ignores it.
void setup_logging(std::string_view format = "");
void set_log_level(config::LogLevel level);
spdlog::level::level_enum to_spdlog(config::LogLevel level);
// True when stderr is the journal stream systemd set up for us.
bool stderr_is_journal();

}  // namespace pktlens::service
