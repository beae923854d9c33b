// SPDX-License-Identifier: Apache-2.0
#include "exporter/web_settings.hpp"

#include <boost/asio/ssl/context.hpp>

#include "exporter/tls_context.hpp"

namespace pktlens::exporter {

WebSettings make_web_settings(const config::WebConfig& web) {
  WebSettings s;
  if (web.tls.enabled) {
    s.tls = make_tls_context(web);
    s.summary = "TLS (" + std::string(to_string(web.tls.min_version)) + " to " +
                std::string(to_string(web.tls.max_version));
    if (web.tls.client_auth != config::ClientAuth::no_client_cert)
      s.summary += ", client certificates " + std::string(to_string(web.tls.client_auth));
    s.summary += ")";
  }
  if (!web.basic_auth_users.empty()) {
    s.auth = std::make_shared<BasicAuth>(web.basic_auth_users);
    s.summary += ", basic auth for " + std::to_string(web.basic_auth_users.size()) +
                 (web.basic_auth_users.size() == 1 ? " user" : " users");
  }
  s.headers = web.headers;
  return s;
}

}  // namespace pktlens::exporter
