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

#include "bpf/kernel_features.hpp"
#include "bpf/pin_dir.hpp"
#include "bpf/pinning.hpp"
#include "config/web_config.hpp"
#include "exporter/web_settings.hpp"
#include "service/check_config.hpp"
#include "service/daemon.hpp"
#include "service/logging.hpp"
#include "service/notify.hpp"
#include "service/preflight.hpp"
#include "service/privileges.hpp"

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

config::Config load(const RunOptions& o, std::string& source) {
  config::Config cfg = resolve_config(o.config_path, source);
  set_log_level(o.log_level.value_or(cfg.log_level));
  spdlog::info("pktlensd {} starting; configuration: {}", o.version, source);
  return cfg;
}

// Before anything is pinned (the instance lock lives in the pin dir): a
// fresh machine whose /sys/fs/bpf is not mounted gets one, as Cilium's
// agent does, so the first start works without a manual step. The pin dir
// is then created private (0700), or refused when someone else could
// touch it.
void prepare_pin_dir(const RunOptions& o) {
  if (bpf::ensure_bpffs(o.pin_dir))
    spdlog::info("mounted a BPF filesystem at {} (none was mounted; the maps are pinned in {})",
                 bpf::kBpffsRoot, o.pin_dir);
  bpf::make_private_pin_dir(o.pin_dir);
}

// What the kernel offers, probed once: one line per path the collector can
// take, so a fallback is explained in the log rather than found in a
// benchmark.
bpf::KernelFeatures probe_kernel(const RunOptions& o) {
  bpf::KernelFeatures f = bpf::probe_kernel_features(o.pin_dir);
  for (auto name :
       {bpf::kCheckTracing, bpf::kCheckMmap, bpf::kCheckBatch, bpf::kCheckLookupDelete,
        bpf::kCheckTcx}) {
    const bpf::FeatureCheck* c = bpf::find_check(f, name);
    if (!c) continue;
    if (c->ok)
      spdlog::info("kernel: {} work: {}", c->name, c->meaning);
    else
      spdlog::info("kernel: {} unavailable: {}; {}", c->name, c->detail, c->meaning);
  }
  spdlog::debug("kernel: {}", f.summary_line());
  return f;
}

DaemonOptions daemon_options(const RunOptions& o, const bpf::KernelFeatures& f, bool serve_http) {
  return DaemonOptions{.pin_dir = o.pin_dir,
                       .serve_http = serve_http,
                       .version = o.version,
                       .map_iterators = f.tracing,
                       .mmapable_maps = f.mmapable,
                       .batch_ops = f.batch_ops,
                       .lookup_and_delete = f.lookup_and_delete,
                       .tcx_links = f.tcx};
}

// The web config in force: --web.config.file, else the config's
// web_config_file (relative to the config file), else none (plain HTTP).
// Certificates are loaded here, so a bad one fails the start or the reload.
exporter::WebSettings load_web(const RunOptions& o, const config::Config& cfg,
                               const std::string& config_source) {
  const std::string path = o.web_config_file
                               ? *o.web_config_file
                               : config::path_relative_to(cfg.web_config_file, config_source);
  if (path.empty()) return {};
  return exporter::make_web_settings(config::load_web_config_file(path));
}

// After the first attachment: the main thread keeps only what attaching,
// re-attaching and reloading need (service/privileges.hpp says why each);
// the HTTP threads hold none since they started.
void drop_privileges() {
  const std::vector<int> keep = kept_capabilities();
  std::string kept, dropped;
  for (int cap : keep) kept += (kept.empty() ? "" : ",") + capability_name(cap);
  for (const auto& n : restrict_thread_capabilities(keep))
    dropped += (dropped.empty() ? "" : ",") + n;
  spdlog::info(
      "privileges: main thread keeps {} (those of them it had), HTTP threads none, "
      "no_new_privs set; dropped: {}",
      kept, dropped.empty() ? "nothing else was held" : dropped);
}

// HUP: re-read the same sources; a bad file (config or web config) keeps
// everything running as it is.
void reload(Daemon& d, const RunOptions& o) {
  std::string source;
  config::Config next;
  exporter::WebSettings web;
  try {
    next = resolve_config(o.config_path, source);
    web = load_web(o, next, source);
  } catch (const std::exception& e) {
    spdlog::error("reload failed, keeping the running configuration: {}", e.what());
    return;
  }
  d.apply(next);
  const std::string summary = web.summary;
  d.apply_web(std::move(web));
  set_log_level(o.log_level.value_or(next.log_level));
  spdlog::info("configuration reloaded from {}; /metrics: {}", source, summary);
}

// The watchdog is petted only while the HTTP server makes progress too:
// a stuck /metrics is as dead to Prometheus as a stuck collection.
void pet_watchdog(const Notifier& notifier, const Daemon& d, bool& http_stuck) {
  if (const auto stuck = d.http_stalled()) {
    if (!http_stuck)
      spdlog::error("{}; not petting the systemd watchdog, so systemd restarts pktlensd", *stuck);
    http_stuck = true;
    return;
  }
  if (http_stuck) spdlog::info("the HTTP server makes progress again");
  http_stuck = false;
  notifier.watchdog();
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
  std::string source;
  const config::Config cfg = load(o, source);
  exporter::WebSettings web = load_web(o, cfg, source);
  // As check-config refuses it; --web.listen-address replaces `listen`.
  if (o.listen.empty()) check_listen_on_host(cfg, source);
  preflight();
  // Before the first thread starts, so that every thread inherits it.
  forbid_new_privileges();
  prepare_pin_dir(o);
  const bpf::KernelFeatures features = probe_kernel(o);
  const sigset_t signals = block_signals();
  const Notifier notifier;

  DaemonOptions options = daemon_options(o, features, true);
  options.listen = o.listen;
  options.web = std::move(web);
  options.telemetry_path = o.telemetry_path;
  Daemon d(cfg, std::move(options));
  d.sync_interfaces();
  d.collect();
  drop_privileges();
  notifier.ready(d.status());
  spdlog::info("ready: {}", d.status());

  auto next = Clock::now() + d.config().interval;
  bool http_stuck = false;
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
    pet_watchdog(notifier, d, http_stuck);
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
  std::string source;
  const config::Config cfg = load(o, source);
  preflight();
  prepare_pin_dir(o);
  const bpf::KernelFeatures features = probe_kernel(o);
  const sigset_t signals = block_signals();
  Daemon d(cfg, daemon_options(o, features, false));
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
