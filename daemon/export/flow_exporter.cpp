// SPDX-License-Identifier: Apache-2.0
#include "export/flow_exporter.hpp"

#include <utility>

namespace pktlens::flowexport {

FlowExporter::FlowExporter(FlowExporterOptions o) : flows_(o.flows) {
  flows_.restore(o.restore);
  for (const Endpoint& e : o.collectors)
    connections_.push_back(std::make_unique<CollectorConnection>(
        ConnectionOptions{.endpoint = e,
                          .observation_domain = o.observation_domain,
                          .template_refresh = o.template_refresh,
                          .thread_start = o.thread_start}));
  thread_ = std::thread([this, start = o.thread_start] {
    run_thread_start(start, "the IPFIX export thread");
    run();
  });
}

FlowExporter::~FlowExporter() {
  finish();
  // Every collector stops at the same time (each bounded by its write
  // timeout); connections_ go next, each waiting for its thread.
  for (const auto& c : connections_) c->request_stop();
}

std::vector<FlowSent> FlowExporter::finish() {
  if (!finished_) {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
    finished_ = true;
  }
  return flows_.sent();
}

void FlowExporter::submit(collector::FlowChanges&& changes) {
  {
    std::lock_guard lock(mu_);
    pending_.push_back(std::move(changes));
  }
  cv_.notify_one();
}

void FlowExporter::keep_flows() {
  std::lock_guard lock(mu_);
  flush_ = false;
}

std::vector<ConnectionStats> FlowExporter::stats() const {
  std::vector<ConnectionStats> out;
  for (const auto& c : connections_) out.push_back(c->stats());
  return out;
}

void FlowExporter::send(std::vector<IpfixRecord>&& records) {
  if (records.empty()) return;
  const RecordBatch batch = std::make_shared<const std::vector<IpfixRecord>>(std::move(records));
  for (const auto& c : connections_) c->push(batch);
}

void FlowExporter::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || !pending_.empty(); });
    // Cycles in the order they ran: `updated` holds cumulative counters,
    // so a later cycle's supersede an earlier one's.
    std::vector<collector::FlowChanges> cycles = std::exchange(pending_, {});
    const bool stopping = stop_;
    const bool flush = flush_;
    lock.unlock();
    std::vector<IpfixRecord> records;
    const Clocks clocks = Clocks::now();
    for (const collector::FlowChanges& c : cycles) flows_.cycle(c, clocks, records);
    if (stopping && flush) flows_.flush(clocks, records);
    send(std::move(records));
    if (stopping) return;
    lock.lock();
  }
}

}  // namespace pktlens::flowexport
