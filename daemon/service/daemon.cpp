// SPDX-License-Identifier: Apache-2.0
#include "service/daemon.hpp"

#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <sstream>

#include "alerts/signal_extractor.hpp"
#include "config/reload.hpp"
#include "export/sent_handover.hpp"
#include "service/daemon_log.hpp"
#include "service/module_options.hpp"
#include "service/privileges.hpp"

namespace pktlens::service {
namespace {

// The iterator where the kernel accepts it (it refuses BTF tracing
// programs under lockdown); null, with the reason logged, where not.
std::unique_ptr<bpf::FlowIterator> open_flow_iterator(const bpf::Object& object, bool flows,
                                                      bool map_iterators) {
  if (!flows || !map_iterators) return nullptr;
  try {
    return std::make_unique<bpf::FlowIterator>(object.skel());
  } catch (const std::exception& e) {
    spdlog::info("flow table: no map iterator ({}); walks use batch reads", e.what());
    return nullptr;
  }
}

std::string join(const std::vector<std::string>& v);

// The `how` of pktlens_interface_monitored (docs/metrics.md); "" while not
// monitored.
std::string how_label(const std::optional<bpf::AttachedAs>& as) {
  if (!as) return "";
  switch (*as) {
    case bpf::AttachedAs::tc:
      return "tc";
    case bpf::AttachedAs::xdp_native:
      return "xdp_native";
    case bpf::AttachedAs::xdp_generic:
      return "xdp_generic";
  }
  return "";
}

// The tracepoint object when any of its signals is on. A kernel that
// refuses its BTF tracepoint programs (tp_btf) costs those signals only:
// pktlensd runs on, says which families it cannot export, and why.
std::unique_ptr<bpf::TcpEvents> open_tcp_events(const config::Config& c,
                                                const std::string& pin_dir) {
  if (!c.loss.drops && !c.loss.retransmits && !c.latency.srtt) return nullptr;
  try {
    auto events = std::make_unique<bpf::TcpEvents>(events_options(c, pin_dir));
    spdlog::info("tracepoints attached: {}", join(events->attached()));
    return events;
  } catch (const std::exception& e) {
    spdlog::warn(
        "tracepoints not loaded ({}): pktlens_drops_total, pktlens_tcp_retransmits_total and "
        "pktlens_tcp_srtt_seconds are not exported; every other metric is. Switch loss.drops, "
        "loss.retransmits and latency.srtt off to silence this; see pktlensd doctor",
        e.what());
    return nullptr;
  }
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// The IPFIX exporter when export.ipfix lists collectors (and flows are on),
// taking up what the previous pktlensd on `pin_dir` sent.
std::unique_ptr<flowexport::FlowExporter> open_flow_exporter(const config::Config& c,
                                                             const std::string& pin_dir) {
  const config::IpfixConfig& x = c.exports.ipfix;
  if (x.collectors.empty()) return nullptr;
  if (!c.flows.enabled) {
    spdlog::warn("export.ipfix has collectors but flows.enabled is false: no flow is exported");
    return nullptr;
  }
  flowexport::FlowExporterOptions o;
  for (const auto& a : x.collectors)
    o.collectors.push_back({a.host, a.port,
                            x.transport == config::IpfixTransport::tcp
                                ? flowexport::Transport::tcp
                                : flowexport::Transport::udp});
  o.observation_domain = x.observation_domain;
  o.template_refresh = x.template_refresh;
  o.thread_start = drop_all_thread_capabilities;
  o.flows.active_timeout = x.active_timeout;
  o.flows.idle_timeout = x.idle_timeout;
  o.flows.forget_after = 2 * (c.flows.idle_timeout + c.interval);
  o.flows.xdp = c.attach == config::AttachMode::xdp;
  std::vector<std::string> where;
  for (const auto& a : x.collectors) where.push_back(config::to_string(a));
  spdlog::info("exporting flows as IPFIX over {} to {}", config::to_string(x.transport),
               join(where));
  try {
    o.restore = flowexport::take_sent(pin_dir);
    if (!o.restore.empty())
      spdlog::info("IPFIX: {} flows continue from what the previous pktlensd sent of them",
                   o.restore.size());
  } catch (const std::exception& e) {
    spdlog::warn("IPFIX: {}; the flows' counts so far are sent again", e.what());
  }
  return std::make_unique<flowexport::FlowExporter>(std::move(o));
}

}  // namespace

Daemon::DataPlane::DataPlane(const config::Config& cfg, const DaemonOptions& o,
                             bpf::AttachRecord& record)
    : object(object_options(cfg, o)),
      flow_iterator(open_flow_iterator(object, cfg.flows.enabled, o.map_iterators)),
      registry(object.skel()),
      loader(object.skel(), registry, record, loader_options(cfg, o)) {}

Daemon::Daemon(const config::Config& cfg, const DaemonOptions& o)
    : cfg_(cfg),
      opts_(o),
      lock_(o.pin_dir),
      record_(o.pin_dir),
      plane_(std::make_unique<DataPlane>(cfg, o, record_)),
      events_(open_tcp_events(cfg, o.pin_dir)),
      collectable_(std::make_shared<exporter::SnapshotCollectable>(o.version)),
      collector_(make_collector(cfg)),
      flow_exporter_(open_flow_exporter(cfg, o.pin_dir)),
      alerts_(cfg.alerts) {
  auto recreated = plane_->object.recreated_maps();
  if (events_)
    recreated.insert(recreated.end(), events_->recreated_maps().begin(),
                     events_->recreated_maps().end());
  if (!recreated.empty())
    spdlog::info("maps created in {} (new, or their shape changed; their counters start at 0): {}",
                 o.pin_dir, join(recreated));
  if (o.serve_http) {
    const auto addresses = o.listen.empty() ? std::vector{cfg.listen} : o.listen;
    http_ = make_server(addresses);
    const auto fallbacks = http_->ipv4_fallbacks();
    std::vector<std::string> where;
    for (std::size_t i = 0; i < addresses.size(); ++i)
      where.push_back(config::to_string(addresses[i]) +
                      (fallbacks[i] ? " (IPv4 only: IPv6 is disabled in this kernel)" : ""));
    spdlog::info("serving {} on {}: {}", o.telemetry_path, join(where), o.web.summary);
  }
  if (const auto* ft = collector_->flow_table(); ft && !ft->touch_log_off_reason().empty())
    spdlog::info("flow table: touch log not followed ({}); every cycle walks the table",
                 ft->touch_log_off_reason());
  for (const auto& n : cfg.networks)
    spdlog::info("network {}: {} prefixes, action {}", n.name, n.prefixes.size(),
                 config::to_string(n.action));
}

Daemon::~Daemon() {
  if (flow_exporter_ && !handed_over_) {
    // A real stop: one last read, so the forced-end records hold every
    // packet counted until now.
    try {
      auto cycle =
          collector_->collect({plane_->loader.slot_names(), plane_->loader.ifindex_names()});
      flow_exporter_->submit(std::move(cycle.flow_changes));
    } catch (const std::exception& e) {
      spdlog::error("reading the flows for the last IPFIX records failed: {}", e.what());
    }
  }
  if (flow_exporter_) {
    // For the next pktlensd on these maps: what was sent of each flow.
    try {
      flowexport::store_sent(opts_.pin_dir, flow_exporter_->finish());
    } catch (const std::exception& e) {
      spdlog::error("IPFIX: {}; the next pktlensd sends the flows' counts so far again", e.what());
    }
  }
  flow_exporter_.reset();  // sends what it holds, while logging still works
  // The packets the CPUs cached go into the table, and no more are cached:
  // the next pktlensd finds them there, even with other cache sizes.
  try {
    collector_->close_flow_cache();
  } catch (const std::exception& e) {
    spdlog::error("closing the flow caches failed: {}", e.what());
  }
  if (!plane_->loader.attached_count()) return;
  if (handed_over_)
    spdlog::info("leaving the programs attached to {} for the next pktlensd, counting meanwhile",
                 join(plane_->loader.attached_names()));
  else
    spdlog::info("detaching from {}", join(plane_->loader.attached_names()));
}

void Daemon::hand_over() {
  plane_->loader.keep_attached();
  if (flow_exporter_) flow_exporter_->keep_flows();
  handed_over_ = true;
}

size_t Daemon::sync_interfaces() {
  try {
    log_sync(plane_->loader.sync(), sync_log_context());
  } catch (const std::exception& e) {
    spdlog::error("listing interfaces failed: {}", e.what());
  }
  return plane_->loader.attached_count();
}

bool Daemon::collect() {
  const auto start = std::chrono::steady_clock::now();
  std::shared_ptr<collector::Snapshot> snap;
  try {
    auto cycle = collector_->collect({plane_->loader.slot_names(), plane_->loader.ifindex_names()});
    cycle_log_.log(cycle.stats);
    if (cycle.stats.flows) {
      self_.flow_cache = cycle.stats.flows->cache;
      self_.flow_cache_cpus = cycle.stats.flows->cache_cpus;
    }
    if (flow_exporter_) flow_exporter_->submit(std::move(cycle.flow_changes));
    snap = std::move(cycle.snapshot);
    last_flows_ = snap->flow_table_entries;
  } catch (const std::exception& e) {
    self_.collect_errors++;
    spdlog::error("collecting the maps failed: {}", e.what());
  }
  const bool ok = snap != nullptr;
  self_.last_collect_ok = ok;
  self_.last_collect_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  spdlog::debug("collect cycle took {:.1f} ms", self_.last_collect_seconds * 1e3);

  // A failed cycle keeps serving the last good counters, with pktlens_up 0,
  // and leaves the alerts as they are.
  if (ok) {
    if (last_good_) evaluate_alerts(*last_good_, *snap);
    last_good_ = std::move(snap);
  }
  auto pub = std::make_shared<exporter::Published>();
  pub->snapshot = last_good_;
  pub->self = self_;
  pub->alerts = alerts_.status();
  for (const auto& m : plane_->loader.monitoring())
    pub->monitoring.push_back({m.name, how_label(m.as)});
  const bpf::SlotUse slots = plane_->loader.slot_use();
  pub->slots = {slots.capacity, slots.attached, slots.retained, slots.waiting};
  if (flow_exporter_)
    for (const auto& c : flow_exporter_->stats())
      pub->ipfix.push_back(
          {c.collector, c.records_sent, c.messages_sent, c.records_dropped, c.queued_records});
  collectable_->publish(std::move(pub));
  return ok;
}

SyncLogContext Daemon::sync_log_context() const {
  return {cfg_.interface_slots.retention, cfg_.attach, plane_->loader.slot_use().capacity,
          opts_.serve_http};
}

void Daemon::evaluate_alerts(const collector::Snapshot& before, const collector::Snapshot& now) {
  const auto samples = alerts::extract_rule_signals(alerts_.rules(), before, now);
  for (const auto& t : alerts_.evaluate(samples, std::chrono::nanoseconds(now.taken_ns)))
    log_transition(t);
  if (alerts_.refused_series() != 0)
    spdlog::debug("alerts: {} label sets above their threshold not tracked (max {} per alert)",
                  alerts_.refused_series(), alerts::EngineOptions{}.max_series);
}

std::string Daemon::status() const {
  std::ostringstream s;
  std::vector<std::string> names;
  for (const auto& m : plane_->loader.monitoring())
    if (m.as) names.push_back(m.name);
  s << names.size() << (names.size() == 1 ? " interface" : " interfaces");
  if (!names.empty()) s << " (" << join(names) << ")";
  if (cfg_.flows.enabled) s << ", " << last_flows_ << " flows";
  if (const auto pending = plane_->loader.pending_names(); !pending.empty())
    s << "; waiting for " << join(pending);
  return s.str();
}

std::string Daemon::metrics_text() const {
  return prometheus::TextSerializer().Serialize(collectable_->Collect());
}

std::unique_ptr<collector::Collector> Daemon::make_collector(const config::Config& c) const {
  return std::make_unique<collector::Collector>(
      plane_->object.skel(), events_.get(),
      collector_options(c, opts_, plane_->object.network_names(), plane_->flow_iterator.get()));
}

void Daemon::apply(const config::Config& requested) {
  config::Config next = requested;
  config::ReloadPlan plan = config::plan_reload(cfg_, next);
  // --web.listen-address overrides `listen`: then a changed key changes nothing.
  if (!opts_.listen.empty()) std::erase(plan.at_once, "listen");
  if (!plan.restart.empty()) {
    spdlog::warn(
        "reload: {} changed; that takes effect after a restart (systemctl restart "
        "pktlens), the running values stay",
        join(plan.restart));
    next.interface_slots.max_entries = cfg_.interface_slots.max_entries;
  }
  if (plan.load_programs()) {
    auto keys = plan.programs;
    keys.insert(keys.end(), plan.resized.begin(), plan.resized.end());
    if (!reload_programs(next, keys)) {
      // The programs' sections stay as they run; the rest still applies.
      next.flows = cfg_.flows;
      next.vlans = cfg_.vlans;
      next.latency.handshake = cfg_.latency.handshake;
      next.latency.rtt = cfg_.latency.rtt;
      next.networks = cfg_.networks;
      next.threats = cfg_.threats;
      plan = config::plan_reload(cfg_, next);
    }
  }
  if (!plan.tracepoints.empty()) {
    // The old object goes first: both attached at once would count an
    // event twice.
    events_.reset();
    events_ = open_tcp_events(next, opts_.pin_dir);
    spdlog::info("reload: {} changed; the tracepoint object was re-created",
                 join(plan.tracepoints));
  }
  if (plan.collector) collector_ = make_collector(next);
  if (std::find(plan.at_once.begin(), plan.at_once.end(), "listen") != plan.at_once.end() &&
      !rebind(next.listen))
    next.listen = cfg_.listen;
  apply_interfaces(next);
  if (next.alerts != cfg_.alerts) {
    for (const auto& t : alerts_.reconfigure(next.alerts)) log_transition(t);
    spdlog::info("reload: {} alerts now (unchanged ones keep their state)", next.alerts.size());
  }
  cfg_ = next;
}

bool Daemon::reload_programs(const config::Config& next, const std::vector<std::string>& keys) {
  std::unique_ptr<DataPlane> fresh;
  try {
    // Interfaces and attach as they run: the old programs stay where they
    // are until these replace them; apply_interfaces() then changes the
    // selection on the new loader.
    config::Config load = next;
    load.interfaces = cfg_.interfaces;
    load.attach = cfg_.attach;
    load.interface_slots = cfg_.interface_slots;
    fresh = std::make_unique<DataPlane>(load, opts_, record_);
  } catch (const std::exception& e) {
    spdlog::error("reload: loading the programs for {} failed ({}); the running programs stay",
                  join(keys), e.what());
    return false;
  }
  // The running programs stay attached and counting until the new ones
  // replace them in place, as a restart hands over (tc filter replace at
  // the same handle, XDP replace): no packet goes uncounted.
  plane_->loader.keep_attached();
  const auto old = std::exchange(plane_, std::move(fresh));
  bpf::SyncEvents ev;
  try {
    ev = plane_->loader.sync();
  } catch (const std::exception& e) {
    spdlog::error(
        "listing interfaces failed: {}; the previous programs count until the next "
        "interval replaces them",
        e.what());
  }
  // The old programs are replaced: what they cached goes into the table
  // (it may be created anew with the new programs' cache).
  try {
    collector_->close_flow_cache();
  } catch (const std::exception& e) {
    spdlog::error("reload: closing the old flow caches failed: {}", e.what());
  }
  std::vector<std::string> replaced;
  std::erase_if(ev.attached, [&](const bpf::SyncEvents::Attached& a) {
    if (a.replaced_stale) replaced.push_back(a.name);
    return a.replaced_stale;
  });
  auto recreated = plane_->object.recreated_maps();
  spdlog::info("reload: {} changed; programs loaded anew and replaced in place on {}{}", join(keys),
               replaced.empty() ? "no interface" : join(replaced),
               recreated.empty()
                   ? ""
                   : "; maps created anew (their counters start at 0): " + join(recreated));
  log_sync(ev, sync_log_context());
  for (const auto& n : next.networks)
    if (std::find(cfg_.networks.begin(), cfg_.networks.end(), n) == cfg_.networks.end())
      spdlog::info("network {}: {} prefixes, action {}", n.name, n.prefixes.size(),
                   config::to_string(n.action));
  return true;
}

std::unique_ptr<exporter::HttpServer> Daemon::make_server(
    const std::vector<config::ListenAddress>& addresses) const {
  return std::make_unique<exporter::HttpServer>(
      addresses, collectable_, opts_.web,
      exporter::ServeOptions{.telemetry_path = opts_.telemetry_path,
                             .version = opts_.version,
                             .thread_start = drop_all_thread_capabilities});
}

bool Daemon::rebind(const config::ListenAddress& next) {
  if (!http_) return true;
  std::string refused;
  try {
    // Bound before the old one closes: there is always an endpoint.
    http_ = make_server({next});
  } catch (const std::exception& e) {
    refused = e.what();
  }
  if (!refused.empty() && next.port == cfg_.listen.port) {
    // The same port on another address (":9586" to "127.0.0.1:9586"): the
    // old socket holds the port, so it is closed first, and bound again
    // when the new address fails too. Should even that fail, the exception
    // ends pktlensd (systemd restarts it) rather than leave no endpoint.
    http_.reset();
    try {
      http_ = make_server({next});
      refused.clear();
    } catch (const std::exception& e) {
      refused = e.what();
      http_ = make_server({cfg_.listen});
    }
  }
  if (!refused.empty()) {
    spdlog::error("reload: cannot listen on {} ({}); still serving on {}", config::to_string(next),
                  refused, config::to_string(cfg_.listen));
    return false;
  }
  spdlog::info("reload: serving {} on {} (was {})", opts_.telemetry_path, config::to_string(next),
               config::to_string(cfg_.listen));
  return true;
}

// interfaces, attach and interface_slots.retention: the loader detaches,
// attaches and switches hooks at once; a detached interface's slot is
// retained like a gone one's.
void Daemon::apply_interfaces(const config::Config& next) {
  if (next.interfaces == cfg_.interfaces && next.attach == cfg_.attach &&
      next.interface_slots.retention == cfg_.interface_slots.retention)
    return;
  cfg_.interfaces = next.interfaces;
  cfg_.attach = next.attach;
  cfg_.interface_slots.retention = next.interface_slots.retention;
  plane_->loader.reconfigure(loader_options(cfg_, opts_));
  collector_->set_tc_hooks(cfg_.attach == config::AttachMode::tc);
  spdlog::info("reload: interfaces and attach applied");
  sync_interfaces();
}

void Daemon::apply_web(exporter::WebSettings web) {
  opts_.web = web;  // for a server bound anew by a later reload
  if (http_) http_->reload(std::move(web));
}

std::optional<std::string> Daemon::http_stalled() const {
  return http_ ? http_->stalled() : std::nullopt;
}

}  // namespace pktlens::service
