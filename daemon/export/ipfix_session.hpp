// SPDX-License-Identifier: Apache-2.0
// One IPFIX exporting session to one collector on libfixbuf (RFC 7011
// encoding, templates, sequence numbers, UDP and TCP transports): the flow
// templates for IPv4 and IPv6 (export/ipfix_record.hpp), records appended
// into messages and sent. libfixbuf connects on the first write; a failed
// write throws, and the session is then dropped (a new one reconnects and
// sends the templates again).
#pragma once

#include <cstdint>
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

class IpfixSession {
 public:
  // Builds the templates; connects at the first send. Throws IpfixError.
  IpfixSession(const Endpoint& e, uint32_t observation_domain);
  ~IpfixSession();
  IpfixSession(const IpfixSession&) = delete;
  IpfixSession& operator=(const IpfixSession&) = delete;

  // Appends the records and sends every message they fill, the last one
  // too; returns how many messages went out. Throws IpfixError, with what
  // was sent before the failure.
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
