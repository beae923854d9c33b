// SPDX-License-Identifier: Apache-2.0
// node_exporter's flags as pktlensd reads them, and the --log.format lines.
#include <spdlog/details/log_msg.h>

#include <CLI/CLI.hpp>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "service/exporter_flags.hpp"
#include "service/log_format.hpp"

using namespace pktlens;

namespace {

// Parses `args` as pktlensd's command line would; "" when it parsed, else
// CLI11's message.
std::string parse(std::vector<std::string> args, service::RunOptions& run) {
  CLI::App app;
  service::add_exporter_flags(app, run);
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return e.what();
  }
  return "";
}

std::string line(std::string_view format, std::string_view message) {
  auto f = service::make_log_formatter(format);
  REQUIRE(f);
  spdlog::details::log_msg msg(spdlog::source_loc{}, "pktlensd", spdlog::level::warn, message);
  msg.time = spdlog::log_clock::time_point(std::chrono::milliseconds(1714564800123));
  spdlog::memory_buf_t out;
  f->format(msg, out);
  return std::string(out.data(), out.size());
}

}  // namespace

TEST_CASE("exporter flags: as node_exporter spells them", "[service][web]") {
  service::RunOptions run;
  CHECK(parse({"--web.listen-address", "127.0.0.1:9100", "--web.listen-address=[::1]:9101",
               "--web.config.file", "web.yml", "--web.telemetry-path", "/x/metrics", "--log.format",
               "json"},
              run) == "");
  CHECK(run.listen == std::vector<config::ListenAddress>{{"127.0.0.1", 9100}, {"::1", 9101}});
  CHECK(run.web_config_file == "web.yml");
  CHECK(run.telemetry_path == "/x/metrics");
  CHECK(run.log_format == "json");

  service::RunOptions defaults;
  CHECK(parse({}, defaults) == "");
  CHECK(defaults.listen.empty());
  CHECK_FALSE(defaults.web_config_file);
  CHECK(defaults.telemetry_path == "/metrics");

  service::RunOptions none;
  CHECK(parse({"--web.config.file", ""}, none) == "");
  CHECK(none.web_config_file == "");  // given empty: no web config, whatever the file says

  service::RunOptions bad;
  CHECK_THAT(parse({"--web.listen-address", "localhost:9100"}, bad),
             Catch::Contains("'localhost' is not an IPv4 address or an IPv6 address in brackets"));
  CHECK_THAT(parse({"--web.telemetry-path", "metrics"}, bad),
             Catch::Contains("a path starting with '/'"));
  CHECK_THAT(parse({"--log.format", "text"}, bad), Catch::Contains("text not in {logfmt,json}"));
}

TEST_CASE("log format: logfmt and json lines", "[service][web]") {
  CHECK(line("logfmt", "ready: 1 interface (eth0)") ==
        "ts=2024-05-01T12:00:00.123Z level=warn msg=\"ready: 1 interface (eth0)\"\n");
  CHECK(line("json", "a \"quoted\" \\ path\nnext\x01") ==
        "{\"ts\":\"2024-05-01T12:00:00.123Z\",\"level\":\"warn\",\"msg\":\"a \\\"quoted\\\" \\\\ "
        "path\\nnext\\u0001\"}\n");
  CHECK_FALSE(service::make_log_formatter(""));
  CHECK_FALSE(service::make_log_formatter("text"));
}
