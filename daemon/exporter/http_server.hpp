// SPDX-License-Identifier: Apache-2.0
// The /metrics endpoint: HTTP/1.1 (plain or TLS, with basic auth from the
// web config) on one or more listen addresses, serving one Collectable in
// the Prometheus text format, "/" as a landing page. Built on Boost.Beast
// and OpenSSL; why: docs/running.md, "Securing /metrics".
//
// Threads, three in all whatever the load: one I/O thread runs every
// connection (accept, TLS, parsing, writing; waits cost no thread), one
// renders scrapes (Collect, serialise, gzip) and one runs bcrypt, so a slow
// scrape or a flood of wrong passwords never holds up the I/O. Limits:
// HttpLimits.
#pragma once

#include <prometheus/collectable.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "exporter/http_limits.hpp"
#include "exporter/web_settings.hpp"

namespace pktlens::exporter {

struct ServeOptions {
  std::string telemetry_path = "/metrics";  // --web.telemetry-path
  std::string version;                      // for the landing page
  HttpLimits limits;
  // Run first on each of the server's threads (I/O, render, auth), before
  // they serve anything: pktlensd drops every capability there
  // (service/privileges.hpp). An exception fails the construction.
  std::function<void()> thread_start;
};

class HttpServer {
 public:
  // Listens on every address (port 0: the kernel picks one, see
  // bound_ports()) and serves `metrics` (kept alive by the server). Throws
  // std::runtime_error with one line naming the address, the cause and a
  // fix when it cannot listen on one of them (ListenSocket).
  HttpServer(const std::vector<config::ListenAddress>& addresses,
             std::shared_ptr<prometheus::Collectable> metrics, WebSettings web,
             ServeOptions options = {});
  ~HttpServer();

  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The port each address listens on, in the order given.
  std::vector<std::uint16_t> bound_ports() const;
  // For each address: "" or "::" on a kernel without IPv6, so only IPv4.
  std::vector<bool> ipv4_fallbacks() const;

  // New TLS context, users and headers; connections accepted after the
  // call use them. Thread-safe; returns once they are in force (or after
  // 5 s when the I/O thread is stuck; they apply when it runs again).
  void reload(WebSettings web);

  // Why the server is stuck (a thread that made no progress for
  // HttpLimits::stall_after), or nothing while it is healthy.
  std::optional<std::string> stalled() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pktlens::exporter
