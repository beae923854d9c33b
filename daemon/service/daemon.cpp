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
#include "alerts/summary.hpp"
#include "bpf/percpu.hpp"
#include "config/duration.hpp"
#include "config/reload.hpp"
#include "export/sent_handover.hpp"
#include "service/privileges.hpp"

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

uint32_t flow_key_fields(const std::vector<config::FlowKeyField>& key) {
  uint32_t bits = 0;
  for (const auto f : key) switch (f) {
      case config::FlowKeyField::vlan:
        bits |= PKTLENS_FK_VLAN;
        break;
      case config::FlowKeyField::proto:
        bits |= PKTLENS_FK_PROTO;
        break;
      case config::FlowKeyField::src:
        bits |= PKTLENS_FK_SRC;
        break;
      case config::FlowKeyField::dst:
        bits |= PKTLENS_FK_DST;
        break;
      case config::FlowKeyField::sport:
        bits |= PKTLENS_FK_SPORT;
        break;
      case config::FlowKeyField::dport:
        bits |= PKTLENS_FK_DPORT;
        break;
      case config::FlowKeyField::service_port:
        bits |= PKTLENS_FK_SERVICE_PORT;
        break;
    }
  return bits;
}

bpf::ObjectOptions object_options(const config::Config& c, const DaemonOptions& d) {
  bpf::ObjectOptions o;
  o.max_slots = c.interface_slots.max_entries + 1;  // slot 0: unregistered ifindexes
  o.max_flows = c.flows.max_entries;
  o.max_vlans = c.vlans.max_entries;
  o.flows = c.flows.enabled;
  o.flow_key = flow_key_fields(c.flows.key);
  o.vlans = c.vlans.enabled;
  o.handshake = c.latency.handshake;
  o.rtt = c.latency.rtt;
  o.flow_inserts_per_window = config::flow_inserts_per_window(c.flows);
  o.flow_cache_slots = c.flows.cache_slots.value_or(
      bpf::default_flow_cache_slots(c.flows.max_entries, bpf::possible_cpus()));
  // Open for three intervals after each flush, at least 10 s: a CPU stays
  // cached across a slow cycle, and leaves its cache soon after pktlensd
  // stops flushing it.
  o.flow_cache_open_ns = static_cast<uint64_t>(
      std::max(std::chrono::duration_cast<std::chrono::nanoseconds>(3 * c.interval),
               std::chrono::nanoseconds(10'000'000'000))
          .count());
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
  o.pin_dir = d.pin_dir;
  // The touch log is read through mmap: without it the data plane need not
  // write one.
  o.flow_log = d.mmapable_maps;
  o.mmapable_maps = d.mmapable_maps;
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

bpf::LoaderOptions loader_options(const config::Config& c, const DaemonOptions& d) {
  bpf::LoaderOptions o;
  o.hook = c.attach == config::AttachMode::xdp ? bpf::Hook::xdp : bpf::Hook::tc;
  o.tcx = d.tcx_links;
  o.pin_dir = d.pin_dir;
  o.all = c.interfaces.all;
  o.names = c.interfaces.names;
  o.include = c.interfaces.include;
  o.exclude = c.interfaces.exclude;
  o.retention = c.interface_slots.retention;
  return o;
}

collector::CollectorOptions collector_options(const config::Config& c, const DaemonOptions& d,
                                              const std::vector<std::string>& network_names,
                                              bpf::FlowIterator* iterator) {
  collector::CollectorOptions o;
  o.flows = c.flows.enabled;
  o.egress_hooked = c.attach == config::AttachMode::tc;
  o.flow_table.idle_timeout = c.flows.idle_timeout;
  o.flow_table.top_k = c.flows.top_k;
  o.flow_table.top_k_window = c.flows.top_k_window;
  o.flow_table.iterator = iterator;
  o.flow_table.touch_log = d.mmapable_maps;
  o.flow_table.batch_ops = d.batch_ops;
  o.vlans = c.vlans.enabled;
  o.vlan_table.top_k = c.vlans.top_k;
  o.vlan_table.idle_timeout = c.vlans.idle_timeout;
  o.vlan_table.lookup_and_delete = d.lookup_and_delete;
  o.flow_table.lookup_and_delete = d.lookup_and_delete;
  o.flow_table.record_changes = c.flows.enabled && !c.exports.ipfix.collectors.empty();
  o.threats.syn_top_k = c.threats.syn_flood.top_k;
  o.threats.tc_hooks = c.attach == config::AttachMode::tc;
  o.threats.icmp_echo_top_k = c.threats.icmp_echo.top_k;
  o.threats.udp_ports_top_k = c.threats.udp_ports.top_k;
  o.threats.scan_top_k = c.threats.port_scan.top_k;
  o.threats.scan_threshold = c.threats.port_scan.threshold;
  o.networks = collector::network_ids(network_specs(c.networks), network_names);
  return o;
}

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
    log_sync(plane_->loader.sync());
  } catch (const std::exception& e) {
    spdlog::error("listing interfaces failed: {}", e.what());
  }
  return plane_->loader.attached_count();
}

void Daemon::log_sync(const bpf::SyncEvents& ev) {
  for (const auto& a : ev.attached)
    spdlog::info(
        "attached to {} (ifindex {}, slot {}) with {}{}{}", a.name, a.ifindex, a.slot,
        bpf::to_string(a.as),
        a.as != bpf::AttachedAs::tc ? ""
        : a.tcx                     ? " (tcx links)"
                                    : " (clsact filters)",
        a.replaced_stale ? "; replaced the programs a previous pktlensd left, in place" : "");
  for (const auto& a : ev.attached)
    if (a.as == bpf::AttachedAs::xdp_generic)
      spdlog::warn("{}: native XDP refused ({}), using generic XDP (slower); see troubleshooting",
                   a.name, a.generic_reason);
  const std::string retention = config::detail::format_duration(cfg_.interface_slots.retention);
  for (const auto& n : ev.gone)
    spdlog::info(
        "{} disappeared; its final values stay exported for {} (interface_slots.retention), "
        "and it is attached again to the same slot if it comes back meanwhile",
        n, retention);
  for (const auto& n : ev.deselected)
    spdlog::info(
        "detached from {}: the configuration no longer selects it; its final values "
        "stay exported for {}",
        n, retention);
  for (const auto& n : ev.switched)
    spdlog::warn(
        "{}: moved to attach: {}; frames between detaching and attaching (well under a "
        "millisecond) are not counted",
        n, config::to_string(cfg_.attach));
  if (!ev.released.empty())
    spdlog::info("freed the slots of {} gone interface(s) after their retention: {}",
                 ev.released.size(), join(ev.released));
  if (ev.slots_full)
    spdlog::error(
        "all {} interface slots are in use (attached, or gone and within their retention): {} "
        "interface(s) wait for a slot, retried every interval; raise "
        "interface_slots.max_entries or shorten interface_slots.retention "
        "(pktlens_interface_slots_waiting)",
        plane_->loader.slot_use().capacity, *ev.slots_full);
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
  for (const auto& p : ev.reattached)
    spdlog::warn("pktlens's programs were removed from {} ({}); attached again", p.name, p.what);
  for (const auto& p : ev.displaced)
    spdlog::error(
        "{}: {} is not monitored; pktlens does not fight over it, and attaches again once "
        "the place is free",
        p.what, p.name);
  for (const auto& p : ev.cleaned)
    spdlog::info(
        "removed what a previous pktlensd left on {} ({}): this configuration does not use it",
        p.name, p.what);
}

bool Daemon::collect() {
  const auto start = std::chrono::steady_clock::now();
  std::shared_ptr<collector::Snapshot> snap;
  try {
    auto cycle = collector_->collect({plane_->loader.slot_names(), plane_->loader.ifindex_names()});
    log_cycle(cycle.stats);
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

void Daemon::log_cycle(const collector::CycleStats& st) {
  if (st.handshakes.expired)
    spdlog::debug("handshakes: {} pending, {} expired (counted as timeouts)", st.handshakes.pending,
                  st.handshakes.expired);
  if (!st.flows) return;
  const auto& f = *st.flows;
  // CPUs whose flow cache cannot be flushed count in the table directly:
  // exact, only dearer. Said when it starts, and when it changes.
  if (f.cache_cpus_missed != last_cache_missed_) {
    if (f.cache_cpus_missed && !f.cache_error.empty())
      spdlog::warn(
          "flow cache: {} CPUs not flushed ({}); their packets count in the flow table "
          "directly",
          f.cache_cpus_missed, f.cache_error);
    else if (f.cache_cpus_missed)
      spdlog::info(
          "flow cache: {} CPUs outside pktlensd's CPU affinity (or offline) count in the flow "
          "table "
          "directly",
          f.cache_cpus_missed);
    last_cache_missed_ = f.cache_cpus_missed;
  }
  if (f.cache_reinserted)
    spdlog::debug("flow cache: {} flows removed while cached came back as new flows",
                  f.cache_reinserted);
  // Which way the table is walked when the log is not followed: said
  // once, and again when it changes.
  if (!f.from_log() && f.path != last_walk_path_) {
    spdlog::info("flow table: walked by {}{}", collector::to_string(f.path),
                 f.path == collector::FlowReadPath::key_walk
                     ? " (the kernel has no batch map operations: slower on large tables)"
                     : "");
    last_walk_path_ = f.path;
  }
  spdlog::debug(
      "flows: {} in the table, {} changed, {} idle deleted, {} evicted, {} dropped from the "
      "mirror; read by {}{} ({} elements); presence filter {:.0f}% full{}",
      f.entries, f.changed, f.expired_deleted, f.evicted, f.mirror_dropped,
      collector::to_string(f.path),
      f.full_pass      ? ", a full pass"
      : f.log_overflow ? " (touch log overflowed)"
                       : "",
      f.visited, st.presence.ratio() * 100, st.presence.rebuilt ? ", rebuilt" : "");
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
  log_sync(ev);
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
