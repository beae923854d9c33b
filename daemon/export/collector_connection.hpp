// SPDX-License-Identifier: Apache-2.0
// One collector's sender: its own thread, an IPFIX session (export/
// ipfix_session.hpp) writing to pktlensd's socket (export/
// collector_socket.hpp) and a bounded queue of record batches. Collection
// only queues: a slow, absent or restarting collector never blocks it. A
// batch that does not fit in the queue, or that was being sent when the
// connection failed, is dropped and counted; so are the records written
// that the collector is not known to have got (TCP: not acknowledged; UDP:
// an ICMP error named their datagram). Records count as sent once the
// collector is known to have them. The next batch reconnects (after a
// pause), with the templates. Errors are logged once per kind of failure
// until a send succeeds again.
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

#include "export/collector_socket.hpp"
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
  // A connect or a write that takes longer fails (a collector that accepts
  // and never reads); a stop waits this long at most for acknowledgements.
  std::chrono::milliseconds write_timeout{5000};
};

// What one collector got, for the self metrics.
struct ConnectionStats {
  std::string collector;  // "host:port"
  uint64_t records_sent = 0;
  uint64_t messages_sent = 0;
  uint64_t records_dropped = 0;
  uint64_t queued_records = 0;       // in the queue, or written and not yet confirmed
  uint64_t unconfirmed_records = 0;  // of those, written and not yet confirmed
};

class CollectorConnection {
 public:
  explicit CollectorConnection(ConnectionOptions o);
  // Sends what is queued (bounded: the queue and the write timeout), waits
  // for the collector to confirm it, then stops the thread.
  ~CollectorConnection();
  CollectorConnection(const CollectorConnection&) = delete;
  CollectorConnection& operator=(const CollectorConnection&) = delete;

  // Queues a batch, or drops and counts it when the queue is full.
  void push(const RecordBatch& batch);
  ConnectionStats stats() const;
  // Starts the stop without waiting for it: the destructor then waits, so
  // that several collectors stop at the same time.
  void request_stop();

 private:
  void run();
  void send(const std::vector<IpfixRecord>& batch);
  void connect(std::chrono::steady_clock::time_point now);
  void failed(const std::string& what, size_t records);
  // Once per kind of failure, until a batch goes out without one.
  void log_error(const std::string& what);
  // What the socket learnt of the records written: sent or dropped.
  void count(Delivery d);
  // The stop: the acknowledgements, then the final counts to the collector.
  void finish();

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
  std::atomic<uint64_t> unconfirmed_{0};
  // The sender thread's own.
  bool stopping_ = false;
  std::unique_ptr<CollectorSocket> socket_;
  std::unique_ptr<IpfixSession> session_;  // writes to socket_
  std::chrono::steady_clock::time_point retry_at_{};
  std::chrono::steady_clock::time_point templates_at_{};
  std::string last_error_;  // logged once until a send succeeds
  std::thread thread_;      // last: starts when the rest is ready
};

}  // namespace pktlens::flowexport
