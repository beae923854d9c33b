// SPDX-License-Identifier: Apache-2.0
#include "service/exporter_flags.hpp"

#include <string>
#include <vector>

#include "config/listen.hpp"

namespace pktlens::service {

void add_exporter_flags(CLI::App& app, RunOptions& run) {
  app.add_option_function<std::vector<std::string>>(
         "--web.listen-address",
         [&run](const std::vector<std::string>& addresses) {
           run.listen.clear();
           for (const auto& a : addresses)
             run.listen.push_back(*config::detail::parse_listen(a).value);
         },
         "address of /metrics, HOST:PORT as `listen` takes it; repeat it for several addresses; "
         "overrides `listen` of the config")
      ->check([](const std::string& a) { return config::detail::parse_listen(a).error; })
      ->type_name("HOST:PORT");
  app.add_option_function<std::string>(
         "--web.config.file", [&run](const std::string& file) { run.web_config_file = file; },
         "exporter-toolkit web config (TLS, basic auth) for /metrics; overrides "
         "`web_config_file` of the config (\"\" for none)")
      ->type_name("FILE");
  app.add_option("--web.telemetry-path", run.telemetry_path, "path of the metrics")
      ->check([](const std::string& p) {
        return !p.empty() && p.front() == '/' ? std::string()
                                              : "a path starting with '/', e.g. /metrics";
      })
      ->capture_default_str();
  app.add_option("--log.format", run.log_format,
                 "logfmt or json for log lines on stderr (the journal gets fields either way); "
                 "default: timestamp, level, message")
      ->check(CLI::IsMember({"logfmt", "json"}));
}

}  // namespace pktlens::service
