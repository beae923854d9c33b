// SPDX-License-Identifier: Apache-2.0
#include "export/collector_connection.hpp"

#include <spdlog/spdlog.h>

#include <ctime>

namespace pktlens::flowexport {
namespace {

// How often written records not yet confirmed are looked at while idle.
constexpr auto kSettleEvery = std::chrono::milliseconds(100);

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
  request_stop();
  thread_.join();
}

void CollectorConnection::request_stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
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
  ConnectionStats s{name_, sent_, messages_, dropped_, unconfirmed_, unconfirmed_};
  std::lock_guard lock(mu_);
  s.queued_records += queued_;
  return s;
}

void CollectorConnection::run() {
  run_thread_start(o_.thread_start, "the IPFIX thread of " + name_);
  std::unique_lock lock(mu_);
  for (;;) {
    const auto ready = [&] { return stop_ || !queue_.empty(); };
    // Written records not yet confirmed: look at the socket again soon.
    if (socket_ && socket_->has_unconfirmed())
      cv_.wait_for(lock, kSettleEvery, ready);
    else
      cv_.wait(lock, ready);
    if (queue_.empty()) {
      if (stop_) break;  // everything sent
      lock.unlock();
      if (socket_) count(socket_->settle());
      lock.lock();
      continue;
    }
    stopping_ = stop_;
    const RecordBatch batch = queue_.front();
    lock.unlock();
    send(*batch);
    lock.lock();
    queue_.pop_front();
    queued_ -= batch->size();
  }
  lock.unlock();
  finish();
}

void CollectorConnection::count(Delivery d) {
  sent_ += d.delivered;
  dropped_ += d.lost;
  unconfirmed_ = socket_ ? socket_->unconfirmed() : 0;
}

void CollectorConnection::failed(const std::string& what, size_t records) {
  dropped_ += records;
  session_.reset();
  if (socket_) count(socket_->abandon());
  socket_.reset();
  unconfirmed_ = 0;
  // Stopping: the rest of the queue is dropped rather than retried.
  retry_at_ = stopping_ ? std::chrono::steady_clock::time_point::max()
                        : std::chrono::steady_clock::now() + o_.reconnect_pause;
  log_error(what);
}

void CollectorConnection::log_error(const std::string& what) {
  if (what != last_error_)
    spdlog::error("IPFIX collector {}: {}; records are dropped (and counted) until it works again",
                  name_, what);
  last_error_ = what;
}

void CollectorConnection::connect(std::chrono::steady_clock::time_point now) {
  socket_ = std::make_unique<CollectorSocket>(o_.endpoint, o_.write_timeout);
  session_ =
      std::make_unique<IpfixSession>(o_.endpoint.transport, o_.observation_domain,
                                     [this](std::span<const uint8_t> message, uint64_t records) {
                                       socket_->write(message, records);
                                       messages_++;
                                     });
  templates_at_ = now + o_.template_refresh;
}

void CollectorConnection::send(const std::vector<IpfixRecord>& batch) {
  const auto now = std::chrono::steady_clock::now();
  // Still pausing after a failure: this batch is dropped, collection goes on.
  if (!session_ && now < retry_at_) {
    dropped_ += batch.size();
    return;
  }
  size_t written = 0;    // records of the batch the socket took
  bool refused = false;  // UDP: an earlier datagram drew an ICMP error
  try {
    if (!session_) {
      connect(now);
    } else {
      count(socket_->settle());
      // UDP: the collector forgets the templates, and one that was not
      // listening (an ICMP error came back) may have started again.
      refused = socket_->take_refused();
      if (refused) log_error("nothing listens on its port (ICMP port unreachable)");
      if (o_.endpoint.transport == Transport::udp && (refused || now >= templates_at_)) {
        session_->refresh_templates();
        templates_at_ = now + o_.template_refresh;
      }
    }
    const auto export_time = static_cast<uint32_t>(std::time(nullptr));
    session_->send(batch, export_time);
    written = batch.size();
    count(socket_->settle());
    // The counts so far, as an options record, after every batch.
    session_->send_totals({o_.observation_domain, messages_ + 1, sent_, dropped_}, export_time);
    unconfirmed_ = socket_->unconfirmed();
    if (!refused && !last_error_.empty()) {
      spdlog::info("IPFIX collector {}: sending again", name_);
      last_error_.clear();
    }
  } catch (const IpfixError& e) {
    if (written == 0) written = e.done.records;
    failed(e.what(), batch.size() - written);
  }
}

void CollectorConnection::finish() {
  if (socket_) {
    count(socket_->finish(std::chrono::steady_clock::now() + o_.write_timeout));
    // The final counts, for a collector that checks its books.
    try {
      if (session_)
        session_->send_totals({o_.observation_domain, messages_ + 1, sent_, dropped_},
                              static_cast<uint32_t>(std::time(nullptr)));
    } catch (const IpfixError& e) {
      spdlog::warn("IPFIX collector {}: the final counts were not sent: {}", name_, e.what());
    }
  }
  session_.reset();
  socket_.reset();
  unconfirmed_ = 0;
  spdlog::info("IPFIX collector {}: {} records sent, {} dropped", name_, sent_.load(),
               dropped_.load());
}

}  // namespace pktlens::flowexport
