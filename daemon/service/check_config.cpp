// SPDX-License-Identifier: Apache-2.0
#include "service/check_config.hpp"

#include <ostream>

#include "config/key_position.hpp"
#include "config/web_config.hpp"
#include "exporter/listen_socket.hpp"
#include "exporter/web_settings.hpp"

namespace pktlens::service {

void check_listen_on_host(const config::Config& c, const std::string& file) {
  if (const auto problem = exporter::unbindable(c.listen))
    config::fail_at_key(file, "listen",
                        "cannot listen on " + config::to_string(c.listen) + ": " + *problem,
                        "an address of this host, or \"\" for every address, e.g. ':9586'");
}

int check_config(const std::string& path, std::ostream& out, std::ostream& err) {
  try {
    const config::Config c = config::load_config_file(path);
    check_listen_on_host(c, path);
    // The web config it names, with its certificates and keys loaded as
    // the start loads them.
    const std::string web = config::path_relative_to(c.web_config_file, path);
    if (!web.empty()) exporter::make_web_settings(config::load_web_config_file(web));
    out << "# " << path << ": valid; effective configuration:\n" << config::to_yaml(c);
    if (!web.empty()) out << "# web config " << web << ": valid\n";
    return 0;
  } catch (const config::ConfigError& e) {
    err << e.what() << '\n';
    return 1;
  }
}

}  // namespace pktlens::service
