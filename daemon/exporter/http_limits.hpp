// SPDX-License-Identifier: Apache-2.0
// The bounds that keep /metrics answering while clients misbehave: idle
// connections, half-sent requests, slow readers, floods of wrong
// passwords. Defaults and why: docs/running.md, "Limits of the HTTP
// server". Tests shorten the timeouts.
#pragma once

#include <chrono>
#include <cstddef>

namespace pktlens::exporter {

struct HttpLimits {
  // Open connections at most. At the limit a new connection takes the
  // place of the oldest one still waiting for its request, so idle or
  // half-sent connections can never lock a scraper out.
  std::size_t max_connections = 512;
  // From accept to a complete request head (TLS handshake included), and
  // on a kept-alive connection from the first byte of a request to its
  // complete head.
  std::chrono::milliseconds header_timeout{10000};
  // A kept-alive connection without a request is closed after this;
  // longer than the usual 1m scrape interval, so Prometheus reuses it.
  std::chrono::milliseconds idle_timeout{120000};
  // To write one response.
  std::chrono::milliseconds write_timeout{60000};
  // Request line and headers; more is answered 431.
  std::size_t max_header_bytes = 8192;
  // A request body (never needed: GET and HEAD only); more is answered 413.
  std::size_t max_body_bytes = 4096;
  // Scrapes rendering or being written at once; more are answered 503.
  // Bounds the memory held by response bodies.
  std::size_t max_scrapes_in_flight = 8;
  // Basic auth checks waiting for bcrypt; more are answered 503.
  std::size_t max_pending_auth = 16;
  // A server thread that has made no progress for this long is stalled
  // (HttpServer::stalled(), which stops pktlensd petting the watchdog).
  std::chrono::milliseconds stall_after{60000};
  // How often the server threads show progress.
  std::chrono::milliseconds heartbeat{1000};
};

}  // namespace pktlens::exporter
