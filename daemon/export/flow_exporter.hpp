// SPDX-License-Identifier: Apache-2.0
// IPFIX export beside the collection cycle: the cycle hands over its flow
// changes (submit, a move under a lock); the export thread turns them into
// records (export/flow_export.hpp) and queues them to every collector
// (export/collector_connection.hpp, a thread each). The cycle never waits
// for encoding or the network. docs/export.md.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "collector/flow_changes.hpp"
#include "export/collector_connection.hpp"
#include "export/flow_export.hpp"

namespace pktlens::flowexport {

struct FlowExporterOptions {
  std::vector<Endpoint> collectors;
  uint32_t observation_domain = 0;
  std::chrono::milliseconds template_refresh{60000};
  FlowExportOptions flows;
  // What a previous pktlensd sent of the flows still in the table
  // (export/sent_handover.hpp): their next records carry only the rest.
  std::vector<FlowSent> restore;
  // Run first on the export thread and on each collector's thread (the
  // service drops their capabilities there: they need none).
  std::function<void()> thread_start;
};

class FlowExporter {
 public:
  explicit FlowExporter(FlowExporterOptions o);
  // Stops the export thread. Unless keep_flows() was called, every flow
  // with packets not yet sent gets its record (forced end) first; then each
  // collector's queue is sent out.
  ~FlowExporter();
  FlowExporter(const FlowExporter&) = delete;
  FlowExporter& operator=(const FlowExporter&) = delete;

  // One cycle's changes; returns at once.
  void submit(collector::FlowChanges&& changes);
  // A restart hand-over: the flows stay in the kernel table and the next
  // pktlensd exports them, so no forced end at destruction.
  void keep_flows();
  // Processes what was submitted (and the forced end, unless keep_flows()),
  // stops the export thread and returns what was sent of each flow held,
  // for the next pktlensd. The connections still send their queues at
  // destruction.
  std::vector<FlowSent> finish();
  std::vector<ConnectionStats> stats() const;

 private:
  void run();
  void send(std::vector<IpfixRecord>&& records);

  FlowExport flows_;  // the export thread's
  std::vector<std::unique_ptr<CollectorConnection>> connections_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<collector::FlowChanges> pending_;
  bool stop_ = false;
  bool finished_ = false;
  bool flush_ = true;
  std::thread thread_;  // last: starts when the rest is ready
};

}  // namespace pktlens::flowexport
