// SPDX-License-Identifier: Apache-2.0
// /metrics over TLS, checked with the real clients: curl and
// `openssl s_client` against TLS 1.2 and 1.3 (1.1 refused), client
// certificates for each client_auth_type, client_allowed_sans, basic auth
// over TLS, a certificate swapped by a reload, and the FILE:LINE:COL
// errors of certificates that do not load. Certificates come from the
// openssl tool, in a temporary directory.
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "config/web_config.hpp"
#include "exporter/http_server.hpp"
#include "exporter/snapshot_collectable.hpp"
#include "exporter/web_settings.hpp"
#include "web_test_util.hpp"

using namespace pktlens;
using test::run_command;

namespace {

struct Tls {
  test::TempDir dir;
  test::Pki pki{dir};

  // The web config `yaml`, written and loaded as pktlensd does.
  exporter::WebSettings settings(const std::string& yaml) const {
    dir.write("web.yml", yaml);
    return exporter::make_web_settings(config::load_web_config_file(dir.file("web.yml")));
  }
  std::string server_files() const {
    return "tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n";
  }
};

std::unique_ptr<exporter::HttpServer> serve(exporter::WebSettings web) {
  auto metrics = std::make_shared<exporter::SnapshotCollectable>("1.2.3");
  return std::make_unique<exporter::HttpServer>(
      std::vector<config::ListenAddress>{{"", 0}}, metrics, std::move(web),
      exporter::ServeOptions{.telemetry_path = "/metrics", .version = "1.2.3"});
}

// curl's HTTP status ("000" when no HTTP answer came) and its exit code.
struct Curl {
  std::string code;
  int status;
  std::string output;
};

Curl curl(const Tls& t, const std::string& url, std::vector<std::string> extra) {
  std::vector<std::string> argv{"curl",      "-sS", "--max-time",   "10",       "-o",
                                "/dev/null", "-w",  "%{http_code}", "--cacert", t.pki.ca};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back(url);
  const auto r = run_command(argv);
  // -w prints last; errors (-S) come on stderr, merged before it.
  const std::string code = r.output.size() >= 3 ? r.output.substr(r.output.size() - 3) : r.output;
  return {code, r.status, r.output};
}

std::string url(const exporter::HttpServer& s, const std::string& host = "127.0.0.1") {
  return "https://" + host + ":" + std::to_string(s.bound_ports().at(0)) + "/metrics";
}

test::CommandResult s_client(const exporter::HttpServer& s, std::vector<std::string> extra) {
  std::vector<std::string> argv{"openssl",     "s_client",
                                "-connect",    "127.0.0.1:" + std::to_string(s.bound_ports().at(0)),
                                "-servername", "localhost"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  const std::string nothing;
  return run_command(argv, &nothing);
}

}  // namespace

TEST_CASE("https: TLS 1.2 and 1.3 with curl and openssl s_client; 1.1 refused") {
  const Tls t;
  const auto server = serve(t.settings(t.server_files()));
  CHECK(curl(t, url(*server), {"--tlsv1.2", "--tls-max", "1.2"}).code == "200");
  CHECK(curl(t, url(*server), {"--tlsv1.3"}).code == "200");
  // The certificate names localhost, 127.0.0.1 and ::1, and curl checks it.
  CHECK(curl(t, url(*server, "[::1]"), {}).code == "200");

  const auto tls12 = s_client(*server, {"-tls1_2", "-CAfile", t.pki.ca});
  INFO(tls12.output);
  CHECK(tls12.output.find("Protocol  : TLSv1.2") != std::string::npos);
  CHECK(tls12.output.find("Verify return code: 0 (ok)") != std::string::npos);
  const auto tls13 = s_client(*server, {"-tls1_3", "-CAfile", t.pki.ca});
  CHECK(tls13.output.find("New, TLSv1.3") != std::string::npos);
  // The client is made willing to speak TLS 1.1 (@SECLEVEL=0); the server
  // answers with a protocol_version alert.
  const auto tls11 = s_client(*server, {"-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"});
  INFO(tls11.output);
  CHECK(tls11.status != 0);
  CHECK(tls11.output.find("alert protocol version") != std::string::npos);
  CHECK(curl(t, url(*server), {"--tlsv1.1", "--tls-max", "1.1", "--ciphers", "DEFAULT@SECLEVEL=0"})
            .code == "000");
  // Plain HTTP on the TLS port gets no metrics.
  const auto plain =
      run_command({"curl", "-sS", "--max-time", "5",
                   "http://127.0.0.1:" + std::to_string(server->bound_ports().at(0)) + "/metrics"});
  CHECK(plain.output.find("pktlens_up") == std::string::npos);
}

TEST_CASE("https: min_version TLS13 refuses TLS 1.2; ciphers and curves as configured") {
  const Tls t;
  const auto only13 = serve(t.settings(t.server_files() + "  min_version: TLS13\n"));
  CHECK(curl(t, url(*only13), {"--tlsv1.3"}).code == "200");
  CHECK(curl(t, url(*only13), {"--tlsv1.2", "--tls-max", "1.2"}).code == "000");

  const auto ciphers = serve(
      t.settings(t.server_files() + "  max_version: TLS12\n"
                                    "  cipher_suites: [TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384]\n"
                                    "  curve_preferences: [CurveP384]\n"));
  const auto r = s_client(*ciphers, {"-tls1_2", "-CAfile", t.pki.ca});
  INFO(r.output);
  CHECK(r.output.find("Cipher    : ECDHE-ECDSA-AES256-GCM-SHA384") != std::string::npos);
  CHECK(r.output.find("Server Temp Key: ECDH, secp384r1") != std::string::npos);
  const auto other = s_client(*ciphers, {"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-GCM-SHA256"});
  CHECK(other.status != 0);
}

TEST_CASE("https: client certificates, required and verified") {
  const Tls t;
  const std::vector<std::string> good{"--cert", t.pki.client_cert, "--key", t.pki.client_key};
  const std::vector<std::string> stranger{"--cert", t.pki.stranger_cert, "--key",
                                          t.pki.stranger_key};

  SECTION("RequireAndVerifyClientCert") {
    const auto server =
        serve(t.settings(t.server_files() + "  client_auth_type: RequireAndVerifyClientCert\n"
                                            "  client_ca_file: ca.pem\n"));
    CHECK(curl(t, url(*server), good).code == "200");
    CHECK(curl(t, url(*server), {"--tlsv1.2", "--tls-max", "1.2"}).code == "000");
    CHECK(curl(t, url(*server), {}).code == "000");
    CHECK(curl(t, url(*server), stranger).code == "000");
    const auto none = s_client(*server, {"-tls1_2"});
    CHECK(none.output.find("alert handshake failure") != std::string::npos);
    const auto with = s_client(*server, {"-tls1_3", "-cert", t.pki.client_cert, "-key",
                                         t.pki.client_key, "-CAfile", t.pki.ca});
    INFO(with.output);
    CHECK(with.output.find("Verify return code: 0 (ok)") != std::string::npos);
    // The CertificateRequest names the CA, as Go's does.
    CHECK(with.output.find("Acceptable client certificate CA names\nCN = pktlens test CA") !=
          std::string::npos);
  }
  SECTION("VerifyClientCertIfGiven") {
    const auto server =
        serve(t.settings(t.server_files() + "  client_auth_type: VerifyClientCertIfGiven\n"
                                            "  client_ca_file: ca.pem\n"));
    CHECK(curl(t, url(*server), good).code == "200");
    CHECK(curl(t, url(*server), {}).code == "200");
    CHECK(curl(t, url(*server), stranger).code == "000");
  }
  SECTION("RequireAnyClientCert takes any certificate, but one") {
    const auto server =
        serve(t.settings(t.server_files() + "  client_auth_type: RequireAnyClientCert\n"));
    CHECK(curl(t, url(*server), stranger).code == "200");
    CHECK(curl(t, url(*server), {}).code == "000");
  }
  SECTION("client_allowed_sans") {
    const auto allowed =
        serve(t.settings(t.server_files() + "  client_auth_type: RequireAndVerifyClientCert\n"
                                            "  client_ca_file: ca.pem\n"
                                            "  client_allowed_sans: [prometheus.example]\n"));
    CHECK(curl(t, url(*allowed), good).code == "200");
    const auto other = serve(t.settings(t.server_files() +
                                        "  client_auth_type: RequireAndVerifyClientCert\n"
                                        "  client_ca_file: ca.pem\n"
                                        "  client_allowed_sans: [grafana.example, 198.18.0.9]\n"));
    CHECK(curl(t, url(*other), good).code == "000");
  }
}

TEST_CASE("https: basic auth over TLS: right, wrong, missing") {
  const Tls t;
  const auto hash = run_command({"htpasswd", "-nbB", "-C", "4", "prom", "s3cret"});
  REQUIRE(hash.status == 0);
  std::string h = hash.output.substr(hash.output.find(':') + 1);
  h.erase(h.find_last_not_of("\r\n") + 1);
  const auto server =
      serve(t.settings(t.server_files() + "basic_auth_users:\n  prom: '" + h + "'\n"));
  CHECK(curl(t, url(*server), {"-u", "prom:s3cret"}).code == "200");
  CHECK(curl(t, url(*server, "[::1]"), {"-u", "prom:s3cret"}).code == "200");
  CHECK(curl(t, url(*server), {"-u", "prom:wrong"}).code == "401");
  CHECK(curl(t, url(*server), {"-u", "nobody:s3cret"}).code == "401");
  CHECK(curl(t, url(*server), {}).code == "401");
}

TEST_CASE("https: a reload swaps the certificate for new connections") {
  const Tls t;
  const auto server = serve(t.settings(t.server_files()));
  const auto subject = [&] {
    const auto r = s_client(*server, {"-CAfile", t.pki.ca});
    const auto at = r.output.find("subject=");
    return at == std::string::npos ? r.output : r.output.substr(at, r.output.find('\n', at) - at);
  };
  CHECK(subject() == "subject=CN = localhost");
  t.pki.issue_server("server2", "rotated.localhost");
  server->reload(
      t.settings("tls_server_config:\n  cert_file: server2.pem\n  key_file: server2.key\n"));
  CHECK(subject() == "subject=CN = rotated.localhost");
  CHECK(curl(t, url(*server), {}).code == "200");
}

TEST_CASE("https: certificates that do not load are FILE:LINE:COL errors") {
  const Tls t;
  const auto error = [&](const std::string& yaml) -> std::string {
    try {
      t.settings(yaml);
    } catch (const config::ConfigError& e) {
      return e.what();
    }
    return "loaded";
  };
  const std::string web = t.dir.file("web.yml");
  CHECK(error("tls_server_config:\n  cert_file: missing.pem\n  key_file: server.key\n") ==
        web + ":2:14: tls_server_config.cert_file: cannot open " + t.dir.file("missing.pem") +
            ": No such file or directory");
  CHECK(error("tls_server_config:\n  cert_file: server.key\n  key_file: server.key\n") ==
        web + ":2:14: tls_server_config.cert_file: " + t.dir.file("server.key") +
            ": no PEM certificate in it (expected the server certificate)");
  CHECK(error("tls_server_config:\n  cert_file: server.pem\n  key_file: client.key\n") ==
        web + ":3:13: tls_server_config.key_file: " + t.dir.file("client.key") +
            ": does not match the certificate (key values mismatch)");
  CHECK(error("tls_server_config:\n  cert_file: server.pem\n  key_file: server.key\n"
              "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: web.yml\n") ==
        web + ":5:19: tls_server_config.client_ca_file: " + web +
            ": no PEM certificate in it (expected CA certificates)");
  CHECK(error("tls_server_config:\n  cert: |\n    not pem\n  key_file: server.key\n") ==
        web +
            ":2:9: tls_server_config.cert: no PEM certificate in it (expected the server "
            "certificate)");
}
