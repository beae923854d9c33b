// SPDX-License-Identifier: Apache-2.0
// One IPFIX exporting session to one collector on libfixbuf (RFC 7011
// encoding, templates, sequence numbers): the flow templates for IPv4 and
// IPv6 (export/ipfix_record.hpp), records appended into messages, each
// message handed to a sink with the count of flow records in it. The
// socket is pktlensd's own (export/collector_socket.hpp), so that writes
// are bounded and it can tell what the collector got; a failed write
// throws, and the session is then dropped (the next one, on a new
// connection, sends the templates again).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>

#include "export/ipfix_record.hpp"

namespace pktlens::flowexport {

enum class Transport { udp, tcp };

struct Endpoint {
  std::string host;  // an address literal
  uint16_t port = 4739;
  Transport transport = Transport::udp;
};

// What a send got out before it failed: the messages written whole, and
// the records in them (the rest of the batch was not sent).
struct SendProgress {
  size_t messages = 0;
  size_t records = 0;
};

class IpfixError : public std::runtime_error {
 public:
  explicit IpfixError(const std::string& what, SendProgress done = {})
      : std::runtime_error(what), done(done) {}
  SendProgress done;
};

// Takes one whole IPFIX message and the flow records in it; throws
// IpfixError when it cannot be sent.
using MessageSink = std::function<void(std::span<const uint8_t> message, uint64_t records)>;

class IpfixSession {
 public:
  // Builds the templates, in messages of the size libfixbuf's own exporter
  // uses for the transport (UDP 1420 bytes, TCP 8192). Throws IpfixError.
  IpfixSession(Transport transport, uint32_t observation_domain, MessageSink sink);
  ~IpfixSession();
  IpfixSession(const IpfixSession&) = delete;
  IpfixSession& operator=(const IpfixSession&) = delete;

  // Appends the records and sends every message they fill, the last one
  // too; returns how many messages went out. Throws IpfixError, with what
  // the sink took before the failure.
  size_t send(std::span<const IpfixRecord> records, uint32_t export_time);
  // One message with the options record of the exporter's counts (sent
  // before it). Throws IpfixError.
  void send_totals(IpfixExporterTotals totals, uint32_t export_time);
  // The templates again in the next message (UDP: the collector forgets them).
  void refresh_templates();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pktlens::flowexport
