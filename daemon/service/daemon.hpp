// SPDX-License-Identifier: Apache-2.0
// One running pktlens, wired from the modules: the pinned BPF object, the
// interfaces it is attached to, the collector and the latest published
// Snapshot, the alert engine, plus the /metrics server when serving. It
// holds no business logic: each cycle it calls the collector, logs what it
// says, evaluates the alerts and publishes. Constructed in the order that lets a failure
// leave nothing behind: lock, object, HTTP listener (so a port in use fails
// before anything is attached), then attachments. Members are destroyed in
// reverse, so the programs are detached before their object is closed. A
// reload (apply) replaces the parts a changed key lives in, and nothing else
// (docs/running.md, "Reload").
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "alerts/engine.hpp"
#include "bpf/attach_record.hpp"
#include "bpf/flow_iterator.hpp"
#include "bpf/iface_registry.hpp"
#include "bpf/loader.hpp"
#include "bpf/object.hpp"
#include "bpf/tcp_events.hpp"
#include "collector/collector.hpp"
#include "config/config.hpp"
#include "export/flow_exporter.hpp"
#include "exporter/http_server.hpp"
#include "exporter/snapshot_collectable.hpp"
#include "service/daemon_log.hpp"
#include "service/daemon_options.hpp"
#include "service/instance_lock.hpp"

namespace pktlens::service {

class Daemon {
 public:
  Daemon(const config::Config& cfg, const DaemonOptions& o);
  ~Daemon();

  // Attaches to interfaces that appeared, lets go of removed ones; logs
  // what changed. Returns how many interfaces are attached.
  size_t sync_interfaces();
  // One collection cycle, published for the next scrape. False (and
  // pktlens_up 0) when the maps could not be read; the error is logged.
  bool collect();
  // For sd_notify STATUS= and the log.
  std::string status() const;
  // The metrics text a scrape would return now.
  std::string metrics_text() const;
  // A new configuration (HUP), applied key by key as config::plan_reload
  // sorts them: user-space keys at once (unchanged alerts keep their
  // state; a listen address that cannot be bound keeps the old one), the
  // programs' switches and map sizes by a new program load that replaces
  // the running programs in place, the tracepoint switches by re-creating
  // that object, interfaces and attach by the loader at once. What fails keeps its running values
  // and is logged.
  void apply(const config::Config& cfg);
  // A web config read again (HUP): new connections use its certificate,
  // users and headers.
  void apply_web(exporter::WebSettings web);
  // Why the HTTP server is stuck, for the watchdog; nothing when it is
  // healthy or not serving.
  std::optional<std::string> http_stalled() const;
  // A restart: at destruction the programs stay attached and counting into
  // the pinned maps, for the next pktlensd to take over in place.
  void hand_over();

  size_t attached_count() const { return plane_->loader.attached_count(); }
  const config::Config& config() const { return cfg_; }

 private:
  // The loaded programs and what is bound to them; replaced whole when a
  // reload loads the programs anew.
  struct DataPlane {
    DataPlane(const config::Config& cfg, const DaemonOptions& o, bpf::AttachRecord& record);
    bpf::Object object;
    // The flow-table iterator, where the kernel accepts it; null otherwise.
    std::unique_ptr<bpf::FlowIterator> flow_iterator;
    bpf::IfaceRegistry registry;
    bpf::Loader loader;
  };
  SyncLogContext sync_log_context() const;
  // The parts of apply(); each false, after logging why, when the running
  // state stays.
  bool reload_programs(const config::Config& next, const std::vector<std::string>& keys);
  bool rebind(const config::ListenAddress& next);
  std::unique_ptr<exporter::HttpServer> make_server(
      const std::vector<config::ListenAddress>& addresses) const;
  std::unique_ptr<collector::Collector> make_collector(const config::Config& c) const;

  config::Config cfg_;
  DaemonOptions opts_;
  InstanceLock lock_;
  // What is attached where, for the next pktlensd of this pin directory (and
  // the next program load of this one); outlives the loaders, which write
  // it until their last detach.
  bpf::AttachRecord record_;
  std::unique_ptr<DataPlane> plane_;
  // Tracepoints (drops, retransmits, srtt); null when all are switched off
  // or the kernel refused them.
  std::unique_ptr<bpf::TcpEvents> events_;
  std::shared_ptr<exporter::SnapshotCollectable> collectable_;
  std::unique_ptr<exporter::HttpServer> http_;
  std::unique_ptr<collector::Collector> collector_;
  // IPFIX export of every flow; null unless export.ipfix lists collectors.
  std::unique_ptr<flowexport::FlowExporter> flow_exporter_;
  exporter::SelfStats self_;
  std::shared_ptr<const collector::Snapshot> last_good_;
  // Evaluated on each pair of good Snapshots (last_good_, the new one).
  alerts::AlertEngine alerts_;
  void apply_interfaces(const config::Config& next);
  void evaluate_alerts(const collector::Snapshot& before, const collector::Snapshot& now);
  size_t last_flows_ = 0;
  bool handed_over_ = false;
  CycleLog cycle_log_;
};

}  // namespace pktlens::service
