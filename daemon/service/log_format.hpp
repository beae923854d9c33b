// SPDX-License-Identifier: Apache-2.0
// The log line formats of --log.format, as node_exporter writes them, for
// log shippers that parse stderr:
//   logfmt: ts=2024-05-01T12:00:00.000Z level=info msg="ready: 1 interface (eth0)"
//   json:   {"ts":"2024-05-01T12:00:00.000Z","level":"info","msg":"ready: ..."}
// Timestamps in UTC with milliseconds; levels trace, debug, info, warn,
// error, critical.
#pragma once

#include <spdlog/formatter.h>

#include <memory>
#include <string_view>

namespace pktlens::service {

// "logfmt" or "json"; null for anything else (the caller keeps its pattern).
std::unique_ptr<spdlog::formatter> make_log_formatter(std::string_view format);

}  // namespace pktlens::service
