// SPDX-License-Identifier: Apache-2.0
// The socket to one IPFIX collector, pktlensd's own (libfixbuf only
// encodes, export/ipfix_session.hpp): every write is bounded by a timeout
// (non-blocking, poll), so a collector that accepts and never reads cannot
// hold up a stop; and it learns what became of the messages it wrote
// (export/delivery_ledger.hpp): over TCP from what the peer acknowledged
// (SIOCOUTQ: bytes written and not acknowledged, which still answers after
// a reset), over UDP from the ICMP errors in the socket's error queue
// (IP_RECVERR), each quoting the IPFIX header of the datagram it is about.
#pragma once

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>

#include "bpf/unique_fd.hpp"
#include "export/delivery_ledger.hpp"
#include "export/ipfix_session.hpp"

namespace pktlens::flowexport {

class CollectorSocket {
 public:
  using Clock = std::chrono::steady_clock;
  // Connects (TCP: within `timeout`). Throws IpfixError.
  CollectorSocket(const Endpoint& e, std::chrono::milliseconds timeout);
  // Closes; after a write cut short or records counted as lost, by a
  // reset, so that nothing counted as lost still reaches the collector.
  ~CollectorSocket();
  CollectorSocket(const CollectorSocket&) = delete;
  CollectorSocket& operator=(const CollectorSocket&) = delete;

  // Writes one IPFIX message whole, within the timeout, holding `records`
  // flow records. Throws IpfixError (the message is then not written, or
  // only in part: lost).
  void write(std::span<const uint8_t> message, uint64_t records);
  // What became known since the last call.
  Delivery settle();
  // A stop: waits, until `deadline` at most, for the collector to
  // acknowledge everything (TCP) or for the ICMP errors to come back (UDP);
  // whatever is still unconfirmed then is lost (TCP) or delivered (UDP:
  // unknowable).
  Delivery finish(Clock::time_point deadline);
  // The connection failed: what was not acknowledged is lost.
  Delivery abandon();
  uint64_t unconfirmed() const;
  bool has_unconfirmed() const;
  // An ICMP error came back since the last call: the collector was not
  // listening, and one that starts again needs the templates.
  bool take_refused();

 private:
  struct Address {
    sockaddr_storage storage{};
    socklen_t length = 0;
  };
  static Address resolve(const Endpoint& e);
  CollectorSocket(const Endpoint& e, std::chrono::milliseconds timeout, const Address& a);
  void wait_writable(Clock::time_point deadline);
  void read_errors();
  // The rest at the end: TCP lost, UDP delivered.
  Delivery end();

  bool tcp_;
  std::chrono::milliseconds timeout_;
  bpf::UniqueFd fd_;
  uint64_t written_ = 0;  // TCP: bytes written since the connection started
  StreamLedger stream_;
  DatagramLedger datagrams_;
  bool refused_ = false;
  bool reset_ = false;  // TCP: close by a reset
  Delivery known_;      // learnt while writing, reported by the next settle()
};

}  // namespace pktlens::flowexport
