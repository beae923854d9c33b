// SPDX-License-Identifier: Apache-2.0
// What a web config means to the HTTP server, built once per load (start
// and each SIGHUP) so that a scrape never reads a file: the TLS context
// (null: plain HTTP), the basic auth users (null: none) and the headers to
// add. The server takes a new one whole (HttpServer::reload): new
// connections get the new certificate, connections already open keep the
// one they shook hands with.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "config/web_config.hpp"
#include "exporter/basic_auth.hpp"

namespace boost::asio::ssl {
class context;
}

namespace pktlens::exporter {

struct WebSettings {
  std::shared_ptr<boost::asio::ssl::context> tls;
  std::shared_ptr<BasicAuth> auth;
  std::vector<std::pair<std::string, std::string>> headers;
  // For the log line at start and reload, e.g. "TLS12 to TLS13, client
  // certificates RequireAndVerifyClientCert, basic auth for 2 users".
  std::string summary = "plain HTTP";
};

// Loads the certificates it names; throws config::ConfigError as
// make_tls_context() does.
WebSettings make_web_settings(const config::WebConfig& web);

}  // namespace pktlens::exporter
