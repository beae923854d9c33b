// SPDX-License-Identifier: Apache-2.0
#include "service/daemon.hpp"

#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>
#include <time.h>

#include <chrono>
#include <exception>
#include <set>
#include <sstream>

#include "alerts/signal_extractor.hpp"
#include "alerts/summary.hpp"
#include "collector/bpf_call.hpp"
#include "collector/handshake_sweep.hpp"
#include "collector/map_reader.hpp"
#include "collector/network_reader.hpp"
#include "config/reload.hpp"

namespace pktlens::service {
namespace {

static_assert(config::kMaxNetworks == PKTLENS_MAX_NETWORKS);
static_assert(config::kMaxPrefixesPerFamily == PKTLENS_MAX_NET_PREFIXES);
static_assert(config::kMaxNetworkNameLength == PKTLENS_NET_NAME_LEN - 1);

std::vector<bpf::NetworkSpec> network_specs(const std::vector<config::Network>& networks) {
  std::vector<bpf::NetworkSpec> out;
  for (const auto& n : networks) {
    bpf::NetworkSpec spec{n.name, n.action == config::NetworkAction::drop, {}};
    for (const auto& p : n.prefixes) spec.prefixes.push_back({p.family, p.address, p.length});
    out.push_back(std::move(spec));
  }
  return out;
}

// The configured networks with the ids the object gave them.
std::vector<collector::NetworkId> network_ids(const std::vector<config::Network>& networks,
                                              const std::vector<std::string>& names_by_id) {
  std::vector<collector::NetworkId> out;
  for (const auto& n : networks)
    for (uint32_t id = 0; id < names_by_id.size(); id++)
      if (names_by_id[id] == n.name)
        out.push_back({n.name, id, n.action == config::NetworkAction::drop});
  return out;
}

bpf::ObjectOptions object_options(const config::Config& c, const std::string& pin_dir) {
  bpf::ObjectOptions o;
  o.max_flows = c.flows.max_entries;
  o.max_vlans = c.vlans.max_entries;
  o.flows = c.flows.enabled;
  o.vlans = c.vlans.enabled;
  o.handshake = c.latency.handshake;
  o.rtt = c.latency.rtt;
  o.flow_inserts_per_window = config::flow_inserts_per_window(c.flows);
  o.flow_window_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(config::kFlowAdmissionWindow).count();
  o.networks = network_specs(c.networks);
  o.syn = c.threats.syn_flood.enabled;
  o.max_syn_dests = c.threats.syn_flood.max_entries;
  o.icmp_echo = c.threats.icmp_echo.enabled;
  o.max_icmp_dests = c.threats.icmp_echo.max_entries;
  o.udp_ports = c.threats.udp_ports.enabled;
  o.scan = c.threats.port_scan.enabled;
  o.max_scan_sources = c.threats.port_scan.max_sources;
  o.scan_window_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(c.threats.port_scan.window).count();
  o.scan_inserts_per_window = config::scan_inserts_per_window(c.threats.port_scan);
  o.pin_dir = pin_dir;
  return o;
}

bpf::TcpEventsOptions events_options(const config::Config& c, const std::string& pin_dir) {
  bpf::TcpEventsOptions o;
  o.drops = c.loss.drops;
  o.retransmits = c.loss.retransmits;
  o.srtt = c.latency.srtt;
  o.pin_dir = pin_dir;
  return o;
}

bpf::LoaderOptions loader_options(const config::Config& c) {
  bpf::LoaderOptions o;
  o.hook = c.attach == config::AttachMode::xdp ? bpf::Hook::xdp : bpf::Hook::tc;
  o.all = c.interfaces.all;
  o.names = c.interfaces.names;
  return o;
}

collector::FlowTableOptions flow_options(const config::Config& c) {
  collector::FlowTableOptions o;
  o.idle_timeout = c.flows.idle_timeout;
  o.top_k = c.flows.top_k;
  return o;
}

collector::ThreatOptions threat_options(const config::Config& c) {
  collector::ThreatOptions o;
  o.syn_top_k = c.threats.syn_flood.top_k;
  // Completions come from the server-role handshake tracking at TC.
  o.handshakes_counted = c.latency.handshake && c.attach == config::AttachMode::tc;
  o.icmp_echo_top_k = c.threats.icmp_echo.top_k;
  o.udp_ports_top_k = c.threats.udp_ports.top_k;
  o.scan_top_k = c.threats.port_scan.top_k;
  o.scan_threshold = c.threats.port_scan.threshold;
  return o;
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

// One WARNING line per transition (journald priority 4), e.g.
//   alert SynFlood firing: dst="198.18.0.2" dport="80" value=812 above 500
//   (critical): SYN flood against 198.18.0.2:80
void log_transition(const alerts::Transition& t) {
  std::string labels;
  for (const auto& [k, v] : t.series.labels) labels += k + "=\"" + v + "\" ";
  spdlog::warn("alert {} {}: {}value={} above {} ({}): {}", t.series.alert,
               t.series.firing ? "firing" : "resolved", labels,
               alerts::format_value(t.series.value), alerts::format_value(t.above),
               config::to_string(t.series.severity), t.summary);
}

}  // namespace

Daemon::Daemon(const config::Config& cfg, const DaemonOptions& o)
    : cfg_(cfg),
      opts_(o),
      lock_(o.pin_dir),
      object_(object_options(cfg, o.pin_dir)),
      registry_(object_.skel()),
      networks_(network_ids(cfg.networks, object_.network_names())),
      collectable_(std::make_shared<exporter::SnapshotCollectable>(o.version)),
      loader_(object_.skel(), registry_, loader_options(cfg)),
      threats_(object_.skel(), threat_options(cfg)),
      alerts_(cfg.alerts) {
  if (cfg.loss.drops || cfg.loss.retransmits || cfg.latency.srtt) {
    events_.emplace(events_options(cfg, o.pin_dir));
    events_reader_.emplace(*events_);
    spdlog::info("tracepoints attached: {}", join(events_->attached()));
  }
  auto recreated = object_.recreated_maps();
  if (events_)
    recreated.insert(recreated.end(), events_->recreated_maps().begin(),
                     events_->recreated_maps().end());
  if (!recreated.empty())
    spdlog::info("maps created in {} (new, or their shape changed; their counters start at 0): {}",
                 o.pin_dir, join(recreated));
  if (o.serve_http) {
    http_ = std::make_unique<exporter::HttpServer>(cfg.listen, collectable_);
    spdlog::info("serving /metrics on {}{}", config::to_string(cfg.listen),
                 http_->ipv4_only() ? " (IPv4 only: this civetweb has no IPv6)" : "");
  }
  if (cfg.flows.enabled) flows_.emplace(object_.skel(), flow_options(cfg));
  for (const auto& n : cfg.networks)
    spdlog::info("network {}: {} prefixes, action {}", n.name, n.prefixes.size(),
                 config::to_string(n.action));
}

Daemon::~Daemon() {
  if (loader_.attached_count()) spdlog::info("detaching from {}", join(loader_.attached_names()));
}

size_t Daemon::sync_interfaces() {
  bpf::SyncEvents ev;
  try {
    ev = loader_.sync();
  } catch (const std::exception& e) {
    spdlog::error("listing interfaces failed: {}", e.what());
    return loader_.attached_count();
  }
  for (const auto& a : ev.attached)
    spdlog::info("attached to {} (ifindex {}, slot {}) with {}{}", a.name, a.ifindex, a.slot, a.how,
                 a.replaced_stale ? "; replaced the programs a previous pktlensd left" : "");
  for (const auto& a : ev.attached)
    if (a.how.rfind("xdp (generic", 0) == 0)
      spdlog::warn("{}: native XDP refused, using generic XDP (slower); see troubleshooting",
                   a.name);
  for (const auto& n : ev.gone)
    spdlog::warn(
        "{} disappeared; its counters stay under its name, and it is attached again "
        "when it comes back",
        n);
  for (const auto& n : ev.missing)
    if (opts_.serve_http)
      spdlog::warn(
          "configured interface {} does not exist (yet); the others are monitored, and "
          "it is attached when it appears",
          n);
    else
      spdlog::warn("configured interface {} does not exist; measuring the others", n);
  for (const auto& p : ev.failed)
    spdlog::error("cannot attach to {}: {}; retrying every interval", p.name, p.what);
  for (const auto& p : ev.renamed)
    spdlog::info("{} was renamed to {}; its metrics keep the label interface=\"{}\"", p.name,
                 p.what, p.name);
  return loader_.attached_count();
}

bool Daemon::collect() {
  const auto start = std::chrono::steady_clock::now();
  auto snap = std::make_shared<collector::Snapshot>();
  bool ok = true;
  try {
    collector::ReadOptions ro;
    ro.flows = false;  // the FlowTable reads the flow map incrementally
    const auto sw =
        collector::sweep_handshakes(object_.skel(), collector::clock_ns(CLOCK_MONOTONIC));
    if (sw.expired)
      spdlog::debug("handshakes: {} pending, {} expired (counted as timeouts)", sw.pending,
                    sw.expired);
    *snap = collector::read_snapshot(object_.skel(), ro);
    collector::read_networks(object_.skel(), networks_, *snap);
    if (flows_) {
      const auto st = flows_->collect(collector::clock_ns(CLOCK_MONOTONIC), *snap);
      const auto fill = flows_->upkeep_presence();
      if (!st.used_iterator && !fallback_logged_) {
        spdlog::warn("reading flows with batch lookups ({}): slower on large tables",
                     st.fallback_reason);
        fallback_logged_ = true;
      }
      spdlog::debug(
          "flows: {} in the table, {} changed, {} idle deleted, {} dropped from the "
          "mirror; read by {}; presence filter {:.0f}% full{}",
          st.entries, st.changed, st.expired_deleted, st.mirror_dropped,
          st.from_log       ? fmt::format("{} touch-log lookups", st.visited)
          : st.full_pass    ? std::string("a full pass")
          : st.log_overflow ? std::string("a scan (touch log overflowed)")
                            : std::string("a scan"),
          fill.ratio() * 100, fill.rebuilt ? ", rebuilt" : "");
    }
    if (events_reader_) events_reader_->read(*snap);  // after the top-K flows
    threats_.collect(*snap);
    last_flows_ = snap->flow_table_entries;
  } catch (const std::exception& e) {
    ok = false;
    self_.collect_errors++;
    spdlog::error("collecting the maps failed: {}", e.what());
  }
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
  pub->slot_names = loader_.slot_names();
  pub->ifindex_names = loader_.ifindex_names();
  pub->self = self_;
  pub->alerts = alerts_.status();
  collectable_->publish(std::move(pub));
  return ok;
}

void Daemon::evaluate_alerts(const collector::Snapshot& before, const collector::Snapshot& now) {
  std::set<std::string, std::less<>> wanted;
  for (const auto& r : alerts_.rules()) wanted.insert(r.signal);
  if (wanted.empty()) return;
  const auto samples =
      alerts::extract_signals(before, now, loader_.slot_names(), loader_.ifindex_names(), &wanted);
  for (const auto& t : alerts_.evaluate(samples, std::chrono::nanoseconds(now.taken_ns)))
    log_transition(t);
  if (alerts_.refused_series() != 0)
    spdlog::debug("alerts: {} label sets above their threshold not tracked (max {} per alert)",
                  alerts_.refused_series(), alerts::EngineOptions{}.max_series);
}

std::string Daemon::status() const {
  std::ostringstream s;
  const auto names = loader_.attached_names();
  s << names.size() << (names.size() == 1 ? " interface" : " interfaces");
  if (!names.empty()) s << " (" << join(names) << ")";
  if (cfg_.flows.enabled) s << ", " << last_flows_ << " flows";
  if (const auto pending = loader_.pending_names(); !pending.empty())
    s << "; waiting for " << join(pending);
  return s.str();
}

std::string Daemon::metrics_text() const {
  return prometheus::TextSerializer().Serialize(collectable_->Collect());
}

void Daemon::apply(const config::Config& next) {
  const std::vector<std::string> restart = config::sections_needing_restart(cfg_, next);
  if (!restart.empty())
    spdlog::warn(
        "reload: {} changed; that takes effect after a restart (systemctl restart "
        "pktlens), the running values stay",
        join(restart));
  cfg_.interval = next.interval;
  cfg_.log_level = next.log_level;
  if (next.alerts != cfg_.alerts) {
    for (const auto& t : alerts_.reconfigure(next.alerts)) log_transition(t);
    cfg_.alerts = next.alerts;
    spdlog::info("reload: {} alerts now (unchanged ones keep their state)", cfg_.alerts.size());
  }
}

}  // namespace pktlens::service
