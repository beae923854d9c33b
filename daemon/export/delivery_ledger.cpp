// SPDX-License-Identifier: Apache-2.0
#include "export/delivery_ledger.hpp"

#include <algorithm>

namespace pktlens::flowexport {

void StreamLedger::written(uint64_t end_offset, uint64_t records) {
  messages_.push_back({end_offset, records});
  unconfirmed_ += records;
}

Delivery StreamLedger::acked(uint64_t acked) {
  Delivery d;
  while (!messages_.empty() && messages_.front().end <= acked) {
    d.delivered += messages_.front().records;
    messages_.pop_front();
  }
  unconfirmed_ -= d.delivered;
  return d;
}

Delivery StreamLedger::lose_rest() {
  Delivery d{0, unconfirmed_};
  messages_.clear();
  unconfirmed_ = 0;
  return d;
}

void DatagramLedger::sent(uint32_t sequence, uint64_t records, Clock::time_point at) {
  datagrams_.push_back({sequence, records, at});
  unconfirmed_ += records;
}

Delivery DatagramLedger::refused(uint32_t sequence) {
  // Records-less datagrams (the exporter's totals) share the number of the
  // next one; the one with records is the one to find.
  const auto it = std::find_if(datagrams_.begin(), datagrams_.end(), [&](const Datagram& d) {
    return d.sequence == sequence && d.records > 0;
  });
  if (it == datagrams_.end()) return {};
  const Delivery d{0, it->records};
  unconfirmed_ -= it->records;
  datagrams_.erase(it);
  return d;
}

Delivery DatagramLedger::confirm(Clock::time_point now) {
  Delivery d;
  while (!datagrams_.empty() && datagrams_.front().at + wait_ <= now) {
    d.delivered += datagrams_.front().records;
    datagrams_.pop_front();
  }
  unconfirmed_ -= d.delivered;
  return d;
}

Delivery DatagramLedger::confirm_all() {
  const Delivery d{unconfirmed_, 0};
  datagrams_.clear();
  unconfirmed_ = 0;
  return d;
}

DatagramLedger::Clock::time_point DatagramLedger::settled_at() const {
  return datagrams_.empty() ? Clock::time_point{} : datagrams_.back().at + wait_;
}

}  // namespace pktlens::flowexport
