// SPDX-License-Identifier: Apache-2.0
// GET of a /metrics URL, as a Prometheus scraper does it: http:// or
// https:// (server verified against --ca-file, else the system's CAs; a
// client certificate with --cert-file/--key-file), basic auth with
// --username/--password-file. Boost.Beast over Asio and OpenSSL, the
// libraries pktlensd's own server uses.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>

namespace pktlens::top {

struct Url {
  bool tls = false;
  std::string host;  // without brackets for IPv6
  std::string port;
  std::string target;  // path and query, "/" at least
};

// http://HOST[:PORT][/PATH], https://…; IPv6 hosts in brackets. Throws
// std::invalid_argument.
Url parse_url(std::string_view url);

struct ScrapeOptions {
  std::string url = "http://127.0.0.1:9586/metrics";
  std::string ca_file, cert_file, key_file;
  std::string username, password_file;
  std::chrono::milliseconds timeout{5000};
};

class ScrapeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class ScrapeClient {
 public:
  // Checks the URL and reads the password file once; throws ScrapeError.
  explicit ScrapeClient(ScrapeOptions options);
  // The body of one GET (200 only); throws ScrapeError.
  std::string fetch() const;

 private:
  ScrapeOptions options_;
  Url url_;
  std::string authorization_;
};

}  // namespace pktlens::top
