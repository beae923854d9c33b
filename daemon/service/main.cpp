// SPDX-License-Identifier: Apache-2.0
// pktlensd's command line. Only what works is offered: today that is
// check-config; running the daemon (collector, exporter) is issue #3's
// remaining work and gets its subcommand when it exists.
#include <CLI/CLI.hpp>
#include <iostream>

#include "service/check_config.hpp"

#ifndef PKTLENS_VERSION
#error "PKTLENS_VERSION must be defined by the build"
#endif

int main(int argc, char** argv) {
  CLI::App app{"pktlensd: exact per-packet network metrics from eBPF", "pktlensd"};
  app.set_version_flag("--version", std::string("pktlensd ") + PKTLENS_VERSION);
  app.require_subcommand(1);

  std::string file;
  auto* check = app.add_subcommand("check-config",
                                   "validate a config file and print the effective configuration");
  check->add_option("FILE", file, "the config file, e.g. /etc/pktlens/pktlens.yaml")->required();

  CLI11_PARSE(app, argc, argv);
  if (*check) return pktlens::service::check_config(file, std::cout, std::cerr);
  return 1;
}
