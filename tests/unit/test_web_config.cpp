// SPDX-License-Identifier: Apache-2.0
// The exporter-toolkit web config: every key read as exporter-toolkit
// reads it, relative file names taken from the file's directory, and each
// error as FILE:LINE:COL at the value concerned.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>

#include "config/config.hpp"
#include "config/web_config.hpp"
#include "service/check_config.hpp"
#include "web_test_util.hpp"

using namespace pktlens::config;

namespace {

// htpasswd -nbB -C 4 prom secret
const std::string kHash = "$2y$04$Ct6aVKypWJ9Go391BuefIeAYKx7QihNDd/I4pmAmS4DPcozy14E.G";

WebConfig load(const std::string& yaml) {
  return load_web_config_string(yaml, "web.yml", "/etc/pk");
}

std::string error_of(const std::string& yaml) {
  try {
    load(yaml);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "loaded";
}

}  // namespace

TEST_CASE("web config: empty means plain HTTP without auth", "[web]") {
  for (const char* yaml : {"", "# nothing\n", "{}\n"}) {
    const WebConfig w = load(yaml);
    CHECK_FALSE(w.tls.enabled);
    CHECK(w.basic_auth_users.empty());
    CHECK(w.headers.empty());
    CHECK(w.file == "web.yml");
  }
}

TEST_CASE("web config: every key", "[web]") {
  const WebConfig w = load(
      "tls_server_config:\n"
      "  cert_file: server.pem\n"
      "  key_file: /secrets/server.key\n"
      "  client_auth_type: RequireAndVerifyClientCert\n"
      "  client_ca_file: ca/clients.pem\n"
      "  min_version: TLS13\n"
      "  max_version: TLS13\n"
      "  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]\n"
      "  curve_preferences: [X25519, CurveP256]\n"
      "  prefer_server_cipher_suites: false\n"
      "  client_allowed_sans: [prometheus.example, 198.18.0.1]\n"
      "http_server_config:\n"
      "  http2: false\n"
      "  headers:\n"
      "    X-Frame-Options: deny\n"
      "    Strict-Transport-Security: max-age=31536000\n"
      "basic_auth_users:\n"
      "  prom: " +
      kHash + "\n");
  CHECK(w.tls.enabled);
  CHECK(w.tls.cert.file == "/etc/pk/server.pem");
  CHECK(w.tls.cert.at == Position{2, 14});
  CHECK(w.tls.cert.key == "tls_server_config.cert_file");
  CHECK(w.tls.key.file == "/secrets/server.key");
  CHECK(w.tls.client_ca.file == "/etc/pk/ca/clients.pem");
  CHECK(w.tls.client_auth == ClientAuth::require_and_verify_client_cert);
  CHECK(w.tls.min_version == TlsVersion::tls13);
  CHECK(w.tls.max_version == TlsVersion::tls13);
  CHECK(w.tls.cipher_suites == std::vector<std::string>{"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                                                        "TLS_AES_128_GCM_SHA256"});
  CHECK(w.tls.curve_preferences == std::vector<std::string>{"X25519", "CurveP256"});
  CHECK_FALSE(w.tls.prefer_server_cipher_suites);
  CHECK(w.tls.client_allowed_sans == std::vector<std::string>{"prometheus.example", "198.18.0.1"});
  CHECK_FALSE(w.http2);
  CHECK(w.headers ==
        std::vector<std::pair<std::string, std::string>>{
            {"X-Frame-Options", "deny"}, {"Strict-Transport-Security", "max-age=31536000"}});
  CHECK(w.basic_auth_users == std::map<std::string, std::string>{{"prom", kHash}});
}

TEST_CASE("web config: defaults as exporter-toolkit's", "[web]") {
  const WebConfig w = load("tls_server_config:\n  cert: PEM\n  key: KEY\n");
  CHECK(w.tls.enabled);
  CHECK(w.tls.cert.inline_pem == "PEM");
  CHECK(w.tls.cert.file.empty());
  CHECK(w.tls.client_auth == ClientAuth::no_client_cert);
  CHECK(w.tls.min_version == TlsVersion::tls12);
  CHECK(w.tls.max_version == TlsVersion::tls13);
  CHECK(w.tls.prefer_server_cipher_suites);
  CHECK(w.http2);
  // The old name of RequireAnyClientCert still works, as in exporter-toolkit.
  CHECK(load("tls_server_config:\n  cert: A\n  key: B\n  client_auth_type: RequireClientCert\n")
            .tls.client_auth == ClientAuth::require_any_client_cert);
  // Basic auth alone, over plain HTTP.
  const WebConfig auth_only = load("basic_auth_users:\n  a: " + kHash + "\n  b: " + kHash + "\n");
  CHECK_FALSE(auth_only.tls.enabled);
  CHECK(auth_only.basic_auth_users.size() == 2);
}

TEST_CASE("web config: errors name FILE:LINE:COL and what is wrong", "[web]") {
  CHECK(error_of("tls_server_config:\n  cert_fil: x\n") ==
        "web.yml:2:3: unknown key 'cert_fil' in tls_server_config, did you mean 'cert_file'? "
        "(expected one of: cert_file, key_file, client_ca_file, cert, key, client_ca, "
        "client_auth_type, min_version, max_version, cipher_suites, curve_preferences, "
        "prefer_server_cipher_suites, client_allowed_sans)");
  CHECK(error_of("rate_limit: {}\n") ==
        "web.yml:1:1: unknown key 'rate_limit' (expected one of: tls_server_config, "
        "http_server_config, basic_auth_users)");
  CHECK(error_of("tls_server_config:\n  key_file: k.pem\n") ==
        "web.yml:2:3: tls_server_config: missing one of cert or cert_file (expected the server "
        "certificate whenever a TLS key is set)");
  CHECK(error_of("tls_server_config:\n  cert_file: c.pem\n") ==
        "web.yml:2:3: tls_server_config: missing one of key or key_file (expected the server's "
        "private key whenever a TLS key is set)");
  CHECK(error_of("tls_server_config:\n  cert_file: c.pem\n  cert: PEM\n  key_file: k\n") ==
        "web.yml:3:9: tls_server_config.cert: both 'tls_server_config.cert_file' and "
        "'tls_server_config.cert' are set (expected one of them: a file name or the PEM text "
        "inline)");
  CHECK(error_of("tls_server_config:\n  cert_file: \"\"\n") ==
        "web.yml:2:14: tls_server_config.cert_file: is empty (expected a file name)");
  CHECK(
      error_of("tls_server_config:\n  cert_file: c\n  key_file: k\n  client_auth_type: Always\n") ==
      "web.yml:4:21: tls_server_config.client_auth_type: unknown client_auth_type 'Always' "
      "(expected NoClientCert, RequestClientCert, RequireAnyClientCert, "
      "VerifyClientCertIfGiven or RequireAndVerifyClientCert)");
  CHECK(error_of("tls_server_config:\n  cert_file: c\n  key_file: k\n  min_version: TLS14\n") ==
        "web.yml:4:16: tls_server_config.min_version: unknown TLS version 'TLS14' (expected "
        "TLS10, TLS11, TLS12 or TLS13)");
  CHECK(error_of("tls_server_config:\n  cert_file: c\n  key_file: k\n  min_version: TLS13\n"
                 "  max_version: TLS12\n") ==
        "web.yml:4:16: tls_server_config.min_version: TLS13 is above max_version TLS12 "
        "(expected min_version at most max_version)");
  CHECK(error_of("tls_server_config:\n  cert_file: c\n  key_file: k\n  client_ca_file: ca\n") ==
        "web.yml:4:19: tls_server_config.client_ca_file: client CAs without a client_auth_type "
        "(expected client_auth_type RequireAndVerifyClientCert or VerifyClientCertIfGiven with "
        "them)");
  CHECK(error_of("tls_server_config:\n  cert_file: c\n  key_file: k\n"
                 "  client_auth_type: RequireAndVerifyClientCert\n") ==
        "web.yml:4:21: tls_server_config.client_auth_type: RequireAndVerifyClientCert without "
        "client_ca_file (expected the CA certificates that sign client certificates, in "
        "client_ca_file or client_ca)");
  CHECK(error_of("tls_server_config:\n  cert_file: c\n  key_file: k\n"
                 "  client_allowed_sans: [a]\n") ==
        "web.yml:4:24: tls_server_config.client_allowed_sans: needs client_auth_type "
        "RequireAnyClientCert or RequireAndVerifyClientCert (expected a client_auth_type that "
        "makes clients send a certificate)");
  CHECK(error_of("tls_server_config:\n  cert_file: c\n  key_file: k\n"
                 "  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n") ==
        "web.yml:4:19: tls_server_config.cipher_suites: unknown cipher suite "
        "'TLS_RSA_WITH_RC4_128_SHA' (expected a list of TLS_RSA_WITH_AES_128_CBC_SHA, "
        "TLS_RSA_WITH_AES_256_CBC_SHA, TLS_RSA_WITH_AES_128_GCM_SHA256, "
        "TLS_RSA_WITH_AES_256_GCM_SHA384, TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, "
        "TLS_CHACHA20_POLY1305_SHA256, TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "
        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "
        "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 or "
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256)");
  CHECK(error_of("tls_server_config:\n  cert_file: c\n  key_file: k\n"
                 "  curve_preferences: [CurveP256, P-384]\n") ==
        "web.yml:4:34: tls_server_config.curve_preferences: unknown curve 'P-384' (expected a "
        "list of CurveP256, CurveP384, CurveP521 or X25519)");
  CHECK(error_of("http_server_config:\n  headers:\n    Server: pktlens\n") ==
        "web.yml:3:5: http_server_config.headers: header 'Server' cannot be configured "
        "(expected one of Strict-Transport-Security, X-Content-Type-Options, X-Frame-Options, "
        "X-XSS-Protection, Content-Security-Policy)");
  CHECK(error_of("http_server_config:\n  headers:\n    X-Frame-Options: allow\n") ==
        "web.yml:3:22: http_server_config.headers.X-Frame-Options: invalid value 'allow' "
        "(expected deny or sameorigin)");
  CHECK(error_of("http_server_config:\n  http2: yes\n") ==
        "web.yml:2:10: http_server_config.http2: 'yes' is not a boolean (expected true or "
        "false)");
  CHECK(error_of("basic_auth_users:\n  prom: secret\n") ==
        "web.yml:2:9: basic_auth_users.prom: not a bcrypt hash (expected a bcrypt hash such as "
        "htpasswd -nB USER prints: $2y$, a cost from 04 to 31, '$' and 53 characters)");
  CHECK(error_of("basic_auth_users:\n  \"a:b\": " + kHash + "\n") ==
        "web.yml:2:3: basic_auth_users: user name 'a:b' cannot be sent with basic auth "
        "(expected a user name without ':' or control characters)");
  CHECK(error_of("basic_auth_users:\n  prom: " + kHash + "\n  prom: " + kHash + "\n") ==
        "web.yml:3:3: basic_auth_users: user 'prom' is given twice, first at 2:3 (expected each "
        "user once)");
  CHECK(error_of("basic_auth_users: [prom]\n") ==
        "web.yml:1:19: basic_auth_users: got a list (expected a mapping of user names to bcrypt "
        "hashes)");
  CHECK(error_of("tls_server_config: [\n").rfind("web.yml:", 0) == 0);
}

TEST_CASE("web config: bcrypt hashes of every version and cost bound", "[web]") {
  const std::string salt_hash = kHash.substr(7);
  for (const char* prefix : {"$2a$04$", "$2b$10$", "$2y$31$"})
    CHECK(error_of("basic_auth_users:\n  u: " + std::string(prefix) + salt_hash + "\n") ==
          "loaded");
  for (const char* prefix : {"$2x$10$", "$2y$03$", "$2y$32$", "$1$10$"}) {
    INFO(prefix);
    CHECK(error_of("basic_auth_users:\n  u: " + std::string(prefix) + salt_hash + "\n") !=
          "loaded");
  }
  CHECK(error_of("basic_auth_users:\n  u: " + kHash.substr(0, 59) + "\n") != "loaded");
}

TEST_CASE("web config: a file, its relative names from its directory", "[web]") {
  CHECK(path_relative_to("web.yml", "/etc/pktlens/pktlens.yaml") == "/etc/pktlens/web.yml");
  CHECK(path_relative_to("/srv/web.yml", "/etc/pktlens/pktlens.yaml") == "/srv/web.yml");
  CHECK(path_relative_to("web.yml", "pktlens.yaml") == "./web.yml");
  CHECK(path_relative_to("", "/etc/pktlens/pktlens.yaml").empty());
  CHECK_THROWS_WITH(load_web_config_file("/nonexistent/web.yml"),
                    "/nonexistent/web.yml: cannot open: No such file or directory");
}

TEST_CASE("web_config_file in pktlens.yaml", "[web][config]") {
  CHECK(load_config_string("web_config_file: web.yml\n", "p.yaml").web_config_file == "web.yml");
  CHECK(load_config_string("", "p.yaml").web_config_file.empty());
  // The effective config names it, and reads back the same.
  Config c;
  c.web_config_file = "/etc/pktlens/web.yml";
  CHECK(load_config_string(to_yaml(c), "effective").web_config_file == "/etc/pktlens/web.yml");
}

TEST_CASE("check-config checks the web config it names", "[web][check-config]") {
  pktlens::test::TempDir dir;
  dir.write("pktlens.yaml", "web_config_file: web.yml\n");
  dir.write("web.yml", "basic_auth_users:\n  prom: " + kHash + "\n");
  std::ostringstream out, err;
  CHECK(pktlens::service::check_config(dir.file("pktlens.yaml"), out, err) == 0);
  CHECK_THAT(out.str(), Catch::Contains("# web config " + dir.file("web.yml") + ": valid\n"));
  dir.write("web.yml", "basic_auth_users:\n  prom: plaintext\n");
  std::ostringstream out2, err2;
  CHECK(pktlens::service::check_config(dir.file("pktlens.yaml"), out2, err2) == 1);
  CHECK_THAT(err2.str(), Catch::StartsWith(dir.file("web.yml") + ":2:9: basic_auth_users.prom: "
                                                                 "not a bcrypt hash"));
}
