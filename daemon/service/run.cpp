// SPDX-License-Identifier: Apache-2.0
#include "service/run.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <system_error>
#include <thread>

#include "service/daemon.hpp"
#include "service/logging.hpp"
#include "service/notify.hpp"
#include "service/preflight.hpp"

namespace pktlens::service {
namespace {

using Clock = std::chrono::steady_clock;

// A stop that is a restart (pktlens.service: RestartKillSignal=SIGUSR2):
// the programs stay attached and counting, and the next pktlensd replaces
// them in place, so no frame goes uncounted across it. SIGTERM (systemctl
// stop) detaches everything: systemd sends the same SIGTERM for a stop and
// a restart unless told otherwise, and nothing else tells the two apart.
constexpr int kHandOverSignal = SIGUSR2;

// Blocked in every thread (the HTTP server's threads are started later and
// inherit the mask) and taken synchronously with sigtimedwait in the main
// loop: no handler, no flag, no race with the collection.
sigset_t block_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, kHandOverSignal);
  if (int rc = pthread_sigmask(SIG_BLOCK, &set, nullptr); rc != 0)
    throw std::system_error(rc, std::generic_category(), "blocking signals");
  return set;
}

// The signal that arrived within `timeout`, or 0.
int wait_signal(const sigset_t& set, Clock::duration timeout) {
  const auto ns =
      std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::nanoseconds>(timeout).count());
  timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  const int sig = sigtimedwait(&set, nullptr, &ts);
  if (sig > 0) return sig;
  if (errno == EAGAIN || errno == EINTR) return 0;
  throw std::system_error(errno, std::generic_category(), "waiting for signals");
}

config::Config load(const RunOptions& o) {
  std::string source;
  config::Config cfg = resolve_config(o.config_path, source);
  set_log_level(o.log_level.value_or(cfg.log_level));
  spdlog::info("pktlensd {} starting; configuration: {}", o.version, source);
  return cfg;
}

// HUP: re-read the same source; a bad file keeps the running config.
void reload(Daemon& d, const RunOptions& o) {
  std::string source;
  config::Config next;
  try {
    next = resolve_config(o.config_path, source);
  } catch (const std::exception& e) {
    spdlog::error("reload failed, keeping the running configuration: {}", e.what());
    return;
  }
  d.apply(next);
  set_log_level(o.log_level.value_or(next.log_level));
  spdlog::info("configuration reloaded from {}", source);
}

}  // namespace

config::Config resolve_config(const std::optional<std::string>& path, std::string& source) {
  if (path) {
    source = *path;
    return config::load_config_file(*path);
  }
  std::error_code ec;
  if (std::filesystem::exists(kSystemConfigPath, ec)) {
    source = kSystemConfigPath;
    return config::load_config_file(kSystemConfigPath);
  }
  source = std::string("the embedded default (no ") + kSystemConfigPath + ")";
  return config::default_config();
}

int run_daemon(const RunOptions& o) {
  const config::Config cfg = load(o);
  preflight();
  const sigset_t signals = block_signals();
  const Notifier notifier;

  Daemon d(cfg, DaemonOptions{o.pin_dir, true, o.version});
  d.sync_interfaces();
  d.collect();
  notifier.ready(d.status());
  spdlog::info("ready: {}", d.status());

  auto next = Clock::now() + d.config().interval;
  for (;;) {
    auto wait = next - Clock::now();
    if (notifier.watchdog_every().count() > 0)
      wait = std::min<Clock::duration>(wait, notifier.watchdog_every());
    const int sig = wait_signal(signals, wait);
    if (sig == SIGTERM || sig == SIGINT) {
      spdlog::info("{}: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
      break;
    }
    if (sig == kHandOverSignal) {
      spdlog::info("SIGUSR2: stopping for a restart; the programs stay attached");
      d.hand_over();
      break;
    }
    if (sig == SIGHUP) {
      reload(d, o);
      notifier.status(d.status());
    }
    notifier.watchdog();
    if (Clock::now() < next) continue;
    d.sync_interfaces();
    d.collect();
    notifier.status(d.status());
    next += d.config().interval;
    // A cycle that overran (a slow scrape of a huge table) does not queue
    // catch-up cycles behind it.
    if (next < Clock::now()) next = Clock::now() + d.config().interval;
  }
  notifier.stopping();
  return 0;  // ~Daemon detaches everything, unless handed over
}

int run_dump(const RunOptions& o, std::ostream& out) {
  const config::Config cfg = load(o);
  preflight();
  const sigset_t signals = block_signals();
  Daemon d(cfg, DaemonOptions{o.pin_dir, false, o.version});
  if (d.sync_interfaces() == 0) {
    spdlog::error("dump: no interface could be attached (see above); nothing to measure");
    return 1;
  }
  d.collect();  // the baseline the top-K ranks against
  const int sig = wait_signal(signals, d.config().interval);
  if (sig == SIGTERM || sig == SIGINT) return 1;
  if (!d.collect()) return 1;
  out << d.metrics_text() << std::flush;
  return 0;
}

}  // namespace pktlens::service
