// SPDX-License-Identifier: Apache-2.0
// The /metrics endpoint: a prometheus::Exposer (civetweb) bound to the
// configured `listen` address, serving one Collectable.
#pragma once

#include <prometheus/collectable.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "config/config.hpp"

namespace prometheus {
class Exposer;
}

namespace pktlens::exporter {

// Whether the civetweb library pktlensd runs with can listen on IPv6.
// Debian's libcivetweb1 1.15 is built without USE_IPV6: false there.
bool civetweb_has_ipv6();

// civetweb's "listening_ports" value for `address`:
//   host ""       -> "+PORT" (IPv4 and IPv6) with IPv6 support, else "PORT"
//                    (every IPv4 address only);
//   IPv4 literal  -> "A.B.C.D:PORT";
//   IPv6 literal  -> "[ADDR]:PORT"; without IPv6 support throws
//                    std::runtime_error saying so (one line, with a fix).
std::string listening_ports_option(const config::ListenAddress& address, bool ipv6_supported);

class HttpServer {
 public:
  // Starts serving `metrics` (kept alive by the server) at /metrics on `address` (port 0: the
  // kernel picks one, see bound_port()). Throws std::runtime_error with one line naming the
  // address, the cause and a fix when it cannot listen, e.g.
  //   cannot listen on 127.0.0.1:9586: address already in use (another
  //   pktlensd or exporter on that port?); change "listen:" in the config
  HttpServer(const config::ListenAddress& address,
             const std::shared_ptr<prometheus::Collectable>& metrics, std::size_t threads = 2);
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port actually listened on (differs from the configured one only
  // when that was 0).
  uint16_t bound_port() const;
  // True when a host "" address serves IPv4 only (civetweb without IPv6),
  // so the caller can warn that IPv6 scrapers will not reach it.
  bool ipv4_only() const { return ipv4_only_; }

 private:
  // Declared before exposer_ so it outlives the civetweb threads that
  // call it (members are destroyed in reverse order).
  std::shared_ptr<prometheus::Collectable> metrics_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  bool ipv4_only_ = false;
};

}  // namespace pktlens::exporter
