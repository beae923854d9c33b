// SPDX-License-Identifier: Apache-2.0
#include "service/check_config.hpp"

#include <ostream>

#include "config/config.hpp"
#include "config/web_config.hpp"

namespace pktlens::service {

int check_config(const std::string& path, std::ostream& out, std::ostream& err) {
  try {
    const config::Config c = config::load_config_file(path);
    // The web config it names is checked too (its keys and values; the
    // certificates are loaded when pktlensd starts or reloads).
    const std::string web = config::path_relative_to(c.web_config_file, path);
    if (!web.empty()) config::load_web_config_file(web);
    out << "# " << path << ": valid; effective configuration:\n" << config::to_yaml(c);
    if (!web.empty()) out << "# web config " << web << ": valid\n";
    return 0;
  } catch (const config::ConfigError& e) {
    err << e.what() << '\n';
    return 1;
  }
}

}  // namespace pktlens::service
