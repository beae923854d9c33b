// SPDX-License-Identifier: Apache-2.0
// What became of the IPFIX messages written to one collector, for counts
// that add up: a record is counted as sent only once the collector is
// known to have it (TCP: its message acknowledged whole; UDP: no ICMP error
// named its datagram within a wait), as dropped once it is known lost, and
// in between it is unconfirmed. Pure bookkeeping; the socket calls live in
// export/collector_socket.*. docs/export.md, "What is counted as lost".
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>

namespace pktlens::flowexport {

// Records that became known as delivered or lost.
struct Delivery {
  uint64_t delivered = 0;
  uint64_t lost = 0;
  Delivery& operator+=(const Delivery& o) {
    delivered += o.delivered;
    lost += o.lost;
    return *this;
  }
};

// TCP: each message by the stream offset its last byte ends at. The peer's
// acknowledgements say how far the stream got; a message not acknowledged
// whole is lost when the connection ends (the collector cannot decode half
// a message).
class StreamLedger {
 public:
  void written(uint64_t end_offset, uint64_t records);
  // Every message ending at or before `acked` bytes is delivered.
  Delivery acked(uint64_t acked);
  // The connection is gone: what was not acknowledged is lost.
  Delivery lose_rest();
  uint64_t unconfirmed() const { return unconfirmed_; }
  bool empty() const { return messages_.empty(); }

 private:
  struct Message {
    uint64_t end;
    uint64_t records;
  };
  std::deque<Message> messages_;
  uint64_t unconfirmed_ = 0;
};

// UDP: each datagram by its IPFIX sequence number. An ICMP error quotes
// the datagram's start, the IPFIX header with that number: its records are
// lost. A datagram no error named within the wait counts as delivered (what
// is lost without an ICMP cannot be known by the sender).
class DatagramLedger {
 public:
  using Clock = std::chrono::steady_clock;
  explicit DatagramLedger(Clock::duration wait) : wait_(wait) {}
  void sent(uint32_t sequence, uint64_t records, Clock::time_point at);
  // An ICMP error quoted this sequence number; unknown numbers (a message
  // already confirmed, or one without records) change nothing.
  Delivery refused(uint32_t sequence);
  // Datagrams sent more than the wait before `now` are delivered.
  Delivery confirm(Clock::time_point now);
  // The end: what no error named is delivered, as far as can be known.
  Delivery confirm_all();
  // When the last unconfirmed datagram is confirmed (for a stop).
  Clock::time_point settled_at() const;
  uint64_t unconfirmed() const { return unconfirmed_; }
  bool empty() const { return datagrams_.empty(); }

 private:
  struct Datagram {
    uint32_t sequence;
    uint64_t records;
    Clock::time_point at;
  };
  Clock::duration wait_;
  std::deque<Datagram> datagrams_;  // in the order sent
  uint64_t unconfirmed_ = 0;
};

}  // namespace pktlens::flowexport
