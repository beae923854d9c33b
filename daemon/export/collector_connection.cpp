// SPDX-License-Identifier: Apache-2.0
#include "export/collector_connection.hpp"

#include <spdlog/spdlog.h>

#include <ctime>

namespace pktlens::flowexport {
namespace {

std::string name_of(const Endpoint& e) {
  const bool v6 = e.host.find(':') != std::string::npos;
  return (v6 ? "[" + e.host + "]" : e.host) + ":" + std::to_string(e.port);
}

}  // namespace

void run_thread_start(const std::function<void()>& start, const std::string& what) {
  if (!start) return;
  try {
    start();
  } catch (const std::exception& e) {
    spdlog::error("{}: {}", what, e.what());
  }
}

CollectorConnection::CollectorConnection(ConnectionOptions o)
    : o_(std::move(o)), name_(name_of(o_.endpoint)), thread_([this] { run(); }) {}

CollectorConnection::~CollectorConnection() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void CollectorConnection::push(const RecordBatch& batch) {
  if (batch->empty()) return;
  {
    std::lock_guard lock(mu_);
    if (queued_ + batch->size() > o_.max_queued_records) {
      dropped_ += batch->size();
      return;
    }
    queue_.push_back(batch);
    queued_ += batch->size();
  }
  cv_.notify_one();
}

ConnectionStats CollectorConnection::stats() const {
  ConnectionStats s{name_, sent_, messages_, dropped_, 0};
  std::lock_guard lock(mu_);
  s.queued_records = queued_;
  return s;
}

void CollectorConnection::run() {
  run_thread_start(o_.thread_start, "the IPFIX thread of " + name_);
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, everything sent
    const RecordBatch batch = queue_.front();
    lock.unlock();
    send(*batch);
    lock.lock();
    queue_.pop_front();
    queued_ -= batch->size();
  }
}

void CollectorConnection::failed(const std::string& what, size_t records) {
  dropped_ += records;
  session_.reset();
  retry_at_ = std::chrono::steady_clock::now() + o_.reconnect_pause;
  if (what != last_error_)
    spdlog::error("IPFIX collector {}: {}; records are dropped (and counted) until it works again",
                  name_, what);
  last_error_ = what;
}

void CollectorConnection::send(const std::vector<IpfixRecord>& batch) {
  const auto now = std::chrono::steady_clock::now();
  // Still pausing after a failure: this batch is dropped, collection goes on.
  if (!session_ && now < retry_at_) {
    dropped_ += batch.size();
    return;
  }
  try {
    if (!session_) {
      session_ = std::make_unique<IpfixSession>(o_.endpoint, o_.observation_domain);
      templates_at_ = now + o_.template_refresh;
    } else if (o_.endpoint.transport == Transport::udp && now >= templates_at_) {
      session_->refresh_templates();
      templates_at_ = now + o_.template_refresh;
    }
    const auto export_time = static_cast<uint32_t>(std::time(nullptr));
    messages_ += session_->send(batch, export_time);
    sent_ += batch.size();
    // The counts so far, as an options record, after every batch.
    session_->send_totals({o_.observation_domain, messages_ + 1, sent_, dropped_}, export_time);
    messages_++;
    if (!last_error_.empty()) spdlog::info("IPFIX collector {}: sending again", name_);
    last_error_.clear();
  } catch (const IpfixError& e) {
    messages_ += e.done.messages;
    sent_ += e.done.records;
    failed(e.what(), batch.size() - e.done.records);
  }
}

}  // namespace pktlens::flowexport
