// SPDX-License-Identifier: Apache-2.0
// A web config's tls_server_config as an OpenSSL server context, with
// exporter-toolkit's meaning: client_auth_type as crypto/tls's
// ClientAuthType, min/max_version, Go's cipher suite and curve names,
// client_allowed_sans. A file that cannot be read, a certificate or key
// that does not load, a key that does not match: a config::ConfigError
// "FILE:LINE:COL: KEY: what is wrong" at the key in the web config.
#pragma once

#include <memory>

#include "config/web_config.hpp"

namespace boost::asio::ssl {
class context;
}

namespace pktlens::exporter {

// Requires web.tls.enabled.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const config::WebConfig& web);

}  // namespace pktlens::exporter
