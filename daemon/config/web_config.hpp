// SPDX-License-Identifier: Apache-2.0
// The web configuration file of Prometheus' exporter-toolkit (what
// node_exporter reads with --web.config.file): TLS for /metrics, client
// certificates, basic auth users and extra response headers. Same keys and
// meaning; every key and pktlensd's few deviations: docs/running.md,
// "Securing /metrics". Parsed like pktlens.yaml: an error is a ConfigError
// "FILE:LINE:COL: what is wrong". Nothing here opens a certificate; the
// exporter does, and reports a bad one at the position kept in FileRef.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pktlens::config {

// Where a value was written, 1-based; 0 when it was not written.
struct Position {
  int line = 0;
  int column = 0;

  bool operator==(const Position&) const = default;
};

// PEM given as a file (cert_file) or inline (cert); at most one is set.
struct PemRef {
  std::string file;  // absolute: a relative path is joined to the web config's directory
  std::string inline_pem;
  std::string key;  // the key it came from, e.g. "tls_server_config.cert_file", for messages
  Position at;

  bool given() const { return !file.empty() || !inline_pem.empty(); }
  bool operator==(const PemRef&) const = default;
};

// crypto/tls's tls.ClientAuthType, as exporter-toolkit names them.
enum class ClientAuth {
  no_client_cert,                 // NoClientCert (default)
  request_client_cert,            // RequestClientCert: asked for, not required, not verified
  require_any_client_cert,        // RequireAnyClientCert: required, not verified
  verify_client_cert_if_given,    // VerifyClientCertIfGiven
  require_and_verify_client_cert  // RequireAndVerifyClientCert
};

enum class TlsVersion { tls10, tls11, tls12, tls13 };

struct TlsServerConfig {
  bool enabled = false;  // any key that turns TLS on was given (exporter-toolkit's IsEnabled)
  PemRef cert;
  PemRef key;
  PemRef client_ca;
  ClientAuth client_auth = ClientAuth::no_client_cert;
  TlsVersion min_version = TlsVersion::tls12;
  TlsVersion max_version = TlsVersion::tls13;
  // Go's names (tls.CipherSuites()), file order; empty: the library's
  // defaults. Like Go, they apply to TLS 1.2 and below only.
  std::vector<std::string> cipher_suites;
  Position cipher_suites_at;
  // CurveP256, CurveP384, CurveP521, X25519; empty: the library's defaults.
  std::vector<std::string> curve_preferences;
  Position curve_preferences_at;
  bool prefer_server_cipher_suites = true;
  // When set, the client certificate must carry one of these SANs (DNS
  // name, e-mail address, IP address or URI).
  std::vector<std::string> client_allowed_sans;

  bool operator==(const TlsServerConfig&) const = default;
};

struct WebConfig {
  std::string file;  // the file it was read from, for messages
  TlsServerConfig tls;
  // http_server_config.http2: accepted for compatibility; pktlensd speaks
  // HTTP/1.1 only (docs/running.md).
  bool http2 = true;
  // http_server_config.headers: added to every response, in file order.
  std::vector<std::pair<std::string, std::string>> headers;
  // basic_auth_users: user -> bcrypt hash ($2a$, $2b$ or $2y$).
  std::map<std::string, std::string> basic_auth_users;

  bool operator==(const WebConfig&) const = default;
};

// Reads and validates a web config file; relative file names in it are
// taken from the file's directory, as exporter-toolkit does.
WebConfig load_web_config_file(const std::string& path);
// Same for text in memory; `name` stands for the file in messages and
// `directory` is where relative file names are taken from.
WebConfig load_web_config_string(std::string_view yaml, std::string_view name,
                                 std::string_view directory);

// `path` as given in `base_file` (pktlens.yaml's web_config_file): a
// relative path is taken from that file's directory; `path` itself when
// it is absolute or there is no base file.
std::string path_relative_to(const std::string& path, const std::string& base_file);

std::string_view to_string(ClientAuth auth);
std::string_view to_string(TlsVersion version);

}  // namespace pktlens::config
