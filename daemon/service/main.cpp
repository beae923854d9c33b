// SPDX-License-Identifier: Apache-2.0
// pktlensd's command line: the daemon by default, `dump` for one look
// without Prometheus, `check-config` to validate a file before using it,
// `rules` for the Prometheus alerting rules of its alerts, `doctor` for what
// this machine offers pktlens, `top` for a live view of a running one.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bpf/kernel_features.hpp"
#include "bpf/object.hpp"
#include "config/names.hpp"
#include "service/check_config.hpp"
#include "service/doctor.hpp"
#include "service/exporter_flags.hpp"
#include "service/logging.hpp"
#include "service/rules_command.hpp"
#include "service/run.hpp"
#include "service/version.hpp"
#include "top/top_command.hpp"

#ifndef PKTLENS_VERSION
#error "PKTLENS_VERSION must be defined by the build"
#endif

int main(int argc, char** argv) {
  using pktlens::config::LogLevel;
  CLI::App app{"pktlensd: exact per-packet network metrics from eBPF", "pktlensd"};
  app.set_version_flag("--version", pktlens::service::version_text(PKTLENS_VERSION));
  app.require_subcommand(0, 1);

  pktlens::service::RunOptions run;
  run.version = PKTLENS_VERSION;
  run.pin_dir = pktlens::bpf::default_pin_dir();
  std::string config_path;
  std::map<std::string, LogLevel> levels;
  std::vector<std::string> level_names;
  for (const auto& [level, name] : pktlens::config::detail::kLogLevels) {
    levels.emplace(name, level);
    level_names.emplace_back(name);
  }
  std::string level_name;

  app.add_option("-c,--config", config_path,
                 std::string("config file (default: ") + pktlens::service::kSystemConfigPath +
                     " if it exists, else the embedded default)");
  auto* level_opt =
      app.add_option("--log-level,--log.level", level_name, "overrides log_level of the config")
          ->check(CLI::IsMember(level_names));
  app.add_option("--bpf-pin-dir", run.pin_dir,
                 "where the maps are pinned and counters persist across restarts; one pktlensd "
                 "per directory")
      ->capture_default_str();
  pktlens::service::add_exporter_flags(app, run);

  std::string check_file;
  auto* check = app.add_subcommand("check-config",
                                   "validate a config file and print the effective configuration");
  check->add_option("FILE", check_file, "the config file, e.g. /etc/pktlens/pktlens.yaml")
      ->required();
  auto* dump = app.add_subcommand(
      "dump", "attach, wait one interval, print the metrics once, detach and exit");
  dump->fallthrough();  // `pktlensd dump --config FILE`
  std::string rate_window = "1m";
  auto* rules = app.add_subcommand(
      "rules", "print a Prometheus rules file with the alerts of the configuration");
  rules
      ->add_option("--rate-window", rate_window,
                   "rate() window of counter signals, at least 2 scrape intervals")
      ->capture_default_str();
  rules->fallthrough();  // `pktlensd rules --config FILE`

  bool doctor_brief = false;
  auto* doctor = app.add_subcommand(
      "doctor",
      "check what this kernel and process offer pktlens; exit 0 when pktlensd can run here");
  doctor->add_flag("--brief", doctor_brief, "one line: \"kernel capabilities: ...\"");
  doctor->fallthrough();  // `pktlensd doctor --bpf-pin-dir DIR`

  pktlens::top::TopOptions top_options;
  auto* top = pktlens::top::add_top_command(app, top_options);

  CLI11_PARSE(app, argc, argv);
  if (*top) return pktlens::top::run_top(top_options);
  if (*check) return pktlens::service::check_config(check_file, std::cout, std::cerr);
  if (*rules) {
    // Nothing to log: the rules go to stdout, a config error to stderr.
    try {
      std::string source;
      const auto cfg = pktlens::service::resolve_config(
          config_path.empty() ? std::nullopt : std::optional<std::string>(config_path), source);
      return pktlens::service::print_rules(cfg, rate_window, std::cout, std::cerr);
    } catch (const std::exception& e) {
      std::cerr << e.what() << '\n';
      return 1;
    }
  }

  pktlens::service::setup_logging(run.log_format);
  if (*doctor) {
    // libbpf's messages of the probes (a refused iterator's verifier log)
    // stay at debug level; the checklist says what they mean.
    if (level_opt->count()) pktlens::service::set_log_level(levels.at(level_name));
    const auto features = pktlens::bpf::probe_kernel_features(run.pin_dir);
    return doctor_brief ? pktlens::service::print_doctor_brief(features, std::cout)
                        : pktlens::service::print_doctor(features, run.pin_dir, std::cout);
  }
  if (!config_path.empty()) run.config_path = config_path;
  if (level_opt->count()) {
    run.log_level = levels.at(level_name);
    pktlens::service::set_log_level(*run.log_level);
  }
  try {
    return *dump ? pktlens::service::run_dump(run, std::cout) : pktlens::service::run_daemon(run);
  } catch (const std::exception& e) {
    // Everything attached so far was detached while this unwound.
    spdlog::critical("{}", e.what());
    return 1;
  }
}
