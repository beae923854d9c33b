// SPDX-License-Identifier: Apache-2.0
#include "service/check_config.hpp"

#include <ostream>

#include "config/config.hpp"

namespace pktlens::service {

int check_config(const std::string& path, std::ostream& out, std::ostream& err) {
  try {
    const config::Config c = config::load_config_file(path);
    out << "# " << path << ": valid; effective configuration:\n" << config::to_yaml(c);
    return 0;
  } catch (const config::ConfigError& e) {
    err << e.what() << '\n';
    return 1;
  }
}

}  // namespace pktlens::service
