// SPDX-License-Identifier: Apache-2.0
// One collector's sender: its own thread, an IPFIX session (export/
// ipfix_session.hpp) and a bounded queue of record batches. Collection only
// queues: a slow, absent or restarting collector never blocks it. A batch
// that does not fit in the queue, or that was being sent when the
// connection failed, is dropped and counted; the next batch reconnects
// (after a pause), with the templates. Errors are logged once per kind of
// failure until a send succeeds again.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "export/ipfix_session.hpp"

namespace pktlens::flowexport {

using RecordBatch = std::shared_ptr<const std::vector<IpfixRecord>>;

// Runs a thread's start hook (FlowExporterOptions::thread_start); a
// failure is logged and the thread goes on: it serves the same either way.
void run_thread_start(const std::function<void()>& start, const std::string& what);

struct ConnectionOptions {
  Endpoint endpoint;
  uint32_t observation_domain = 0;
  std::chrono::milliseconds template_refresh{60000};  // UDP only
  std::function<void()> thread_start;                 // run first on its thread
  size_t max_queued_records = size_t{1} << 20;
  std::chrono::milliseconds reconnect_pause{1000};
};

// What one collector got, for the self metrics.
struct ConnectionStats {
  std::string collector;  // "host:port"
  uint64_t records_sent = 0;
  uint64_t messages_sent = 0;
  uint64_t records_dropped = 0;
  uint64_t queued_records = 0;
};

class CollectorConnection {
 public:
  explicit CollectorConnection(ConnectionOptions o);
  // Sends what is queued (bounded: the queue), then stops the thread.
  ~CollectorConnection();
  CollectorConnection(const CollectorConnection&) = delete;
  CollectorConnection& operator=(const CollectorConnection&) = delete;

  // Queues a batch, or drops and counts it when the queue is full.
  void push(const RecordBatch& batch);
  ConnectionStats stats() const;

 private:
  void run();
  void send(const std::vector<IpfixRecord>& batch);
  void failed(const std::string& what, size_t records);

  ConnectionOptions o_;
  std::string name_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<RecordBatch> queue_;
  size_t queued_ = 0;
  bool stop_ = false;
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> messages_{0};
  std::atomic<uint64_t> dropped_{0};
  // The sender thread's own.
  std::unique_ptr<IpfixSession> session_;
  std::chrono::steady_clock::time_point retry_at_{};
  std::chrono::steady_clock::time_point templates_at_{};
  std::string last_error_;  // logged once until a send succeeds
  std::thread thread_;      // last: starts when the rest is ready
};

}  // namespace pktlens::flowexport
