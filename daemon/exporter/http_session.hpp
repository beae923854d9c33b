// SPDX-License-Identifier: Apache-2.0
// One client connection of the /metrics server, plain or TLS: handshake,
// read a request within the limits, check basic auth, answer, and keep the
// connection for the next request or close it. Everything runs on the
// server's one I/O thread; the slow parts (bcrypt, rendering) are handed
// to the host, which calls back on that thread. Every wait has a deadline
// (HttpLimits), so a client that stops sending or reading costs a socket
// and a few KiB until its deadline, never a thread.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <string_view>

#include "exporter/basic_auth.hpp"
#include "exporter/http_limits.hpp"
#include "exporter/web_settings.hpp"

namespace pktlens::exporter {

class Session;

// A rendered scrape. `slot` holds one of HttpLimits::max_scrapes_in_flight
// until the session has written the response (or gone).
struct Rendered {
  std::string body;
  bool gzip = false;
  bool ok = true;  // false: body is the error text, answered 500
  std::shared_ptr<void> slot;
};

// What a session needs from its server. Called on the I/O thread only.
class SessionHost {
 public:
  virtual const HttpLimits& limits() const = 0;
  virtual std::string_view telemetry_path() const = 0;
  virtual std::string_view version() const = 0;
  virtual const WebSettings& settings() const = 0;
  // bcrypt on the auth thread, then done(ok) on the I/O thread. False, and
  // done never called, when max_pending_auth checks already wait.
  virtual bool verify(std::shared_ptr<BasicAuth> auth, Credentials credentials,
                      std::function<void(bool)> done) = 0;
  // Renders on the render thread, then done() on the I/O thread. False,
  // and done never called, when max_scrapes_in_flight are under way.
  virtual bool render(bool gzip, std::function<void(Rendered)> done) = 0;
  // A scrape was written: for the exposer_* metrics.
  virtual void scraped(std::size_t bytes, std::chrono::steady_clock::duration took) = 0;
  // The session closed; called once.
  virtual void closed(Session& session) = 0;

 protected:
  ~SessionHost() = default;
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  virtual ~Session() = default;
  virtual void start() = 0;
  // Closes the connection now (eviction, server shutdown); pending
  // operations end and the host hears closed().
  virtual void close() = 0;

  // Waiting for (or reading) a request rather than answering one: what
  // may be closed to make room for a new connection.
  bool waiting() const { return waiting_; }
  // Has answered a request: a kept-alive scraper, evicted last.
  bool served() const { return served_; }

  // The session's place in its server's list (the server's to use).
  std::list<std::weak_ptr<Session>>::iterator slot;

 protected:
  bool waiting_ = true;
  bool served_ = false;
};

// `tls` null: plain HTTP. The socket is connected and non-blocking.
std::shared_ptr<Session> make_session(boost::asio::ip::tcp::socket socket, SessionHost& host,
                                      std::shared_ptr<boost::asio::ssl::context> tls);

}  // namespace pktlens::exporter
