// SPDX-License-Identifier: Apache-2.0
// Why OpenSSL through Boost.Asio's ssl::context: exporter-toolkit's keys
// map onto OpenSSL one to one (verify modes, protocol bounds, IANA cipher
// names via SSL_CIPHER_standard_name, groups), and the connection code
// (http_session.cpp) already speaks Asio. Certificates and keys are read
// into memory and parsed here rather than by Asio's helpers, so that a
// file that cannot be read, PEM that does not parse and a key that does
// not match each get their own message.
#include "exporter/tls_context.hpp"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <boost/asio/ssl/context.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace pktlens::exporter {
namespace {

namespace ssl = boost::asio::ssl;
using config::ConfigError;
using config::PemRef;
using config::Position;

// Certificates and keys are small; a larger file is not one.
constexpr std::size_t kMaxPemSize = 1 << 20;

[[noreturn]] void fail(const config::WebConfig& web, Position at, const std::string& message) {
  throw ConfigError(web.file, at.line, at.column, message);
}

// OpenSSL's reason for the last failure, its queue emptied.
std::string openssl_reason() {
  unsigned long last = 0;
  for (unsigned long e; (e = ERR_get_error()) != 0;) last = e;
  if (last == 0) return "unknown OpenSSL error";
  const char* reason = ERR_reason_error_string(last);
  return reason ? reason : "OpenSSL error " + std::to_string(last);
}

std::string read_pem(const config::WebConfig& web, const PemRef& ref) {
  if (ref.file.empty()) return ref.inline_pem;
  std::ifstream in(ref.file, std::ios::binary);
  if (!in) fail(web, ref.at, ref.key + ": cannot open " + ref.file + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > kMaxPemSize)
    fail(web, ref.at, ref.key + ": " + ref.file + " is larger than 1 MiB (expected PEM)");
  return text.str();
}

// "tls_server_config.cert_file: /etc/x.pem: " or "tls_server_config.cert: ".
std::string subject(const PemRef& ref) {
  return ref.key + ": " + (ref.file.empty() ? "" : ref.file + ": ");
}

int openssl_version(config::TlsVersion v) {
  switch (v) {
    case config::TlsVersion::tls10:
      return TLS1_VERSION;
    case config::TlsVersion::tls11:
      return TLS1_1_VERSION;
    case config::TlsVersion::tls12:
      return TLS1_2_VERSION;
    case config::TlsVersion::tls13:
      return TLS1_3_VERSION;
  }
  return TLS1_2_VERSION;
}

// Go's names are IANA's; OpenSSL has its own, and knows IANA's as each
// cipher's standard name. TLS 1.3 suites are skipped, as Go skips them.
std::string openssl_cipher_list(const config::WebConfig& web) {
  const auto& wanted = web.tls.cipher_suites;
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> all(SSL_CTX_new(TLS_server_method()),
                                                        SSL_CTX_free);
  if (!all)
    fail(web, web.tls.cipher_suites_at, "tls_server_config.cipher_suites: " + openssl_reason());
  SSL_CTX_set_security_level(all.get(), 0);
  SSL_CTX_set_cipher_list(all.get(), "ALL:COMPLEMENTOFALL");
  const STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers(all.get());
  std::string list;
  for (const std::string& name : wanted) {
    if (name.rfind("TLS_AES_", 0) == 0 || name.rfind("TLS_CHACHA20_", 0) == 0) continue;
    std::string found;
    for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
      const SSL_CIPHER* c = sk_SSL_CIPHER_value(ciphers, i);
      const char* standard = SSL_CIPHER_standard_name(c);
      if (standard && name == standard) found = SSL_CIPHER_get_name(c);
    }
    if (found.empty())
      fail(web, web.tls.cipher_suites_at,
           "tls_server_config.cipher_suites: " + name + " is not available in this OpenSSL");
    list += (list.empty() ? "" : ":") + found;
  }
  return list;
}

std::string openssl_groups(const std::vector<std::string>& curves) {
  std::string list;
  for (const std::string& c : curves) {
    const std::string group = c == "CurveP256"   ? "P-256"
                              : c == "CurveP384" ? "P-384"
                              : c == "CurveP521" ? "P-521"
                                                 : "X25519";
    list += (list.empty() ? "" : ":") + group;
  }
  return list;
}

// The SANs of a certificate as Go lists them: DNS names, e-mail
// addresses, IP addresses (canonical text) and URIs.
std::vector<std::string> sans_of(X509* cert) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!names) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
    if (n->type == GEN_DNS || n->type == GEN_EMAIL || n->type == GEN_URI) {
      const ASN1_IA5STRING* s = n->d.ia5;
      out.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                       static_cast<std::size_t>(ASN1_STRING_length(s)));
    } else if (n->type == GEN_IPADD) {
      const int len = ASN1_STRING_length(n->d.ip);
      char text[INET6_ADDRSTRLEN] = {};
      if ((len == 4 || len == 16) && inet_ntop(len == 4 ? AF_INET : AF_INET6,
                                               ASN1_STRING_get0_data(n->d.ip), text, sizeof text))
        out.emplace_back(text);
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

// ALPN: HTTP/1.1 is all pktlensd speaks; a client offering only h2 gets
// no ALPN answer and may still talk HTTP/1.1.
int select_http11(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                  unsigned int inlen, void*) {
  static const unsigned char kHttp11[] = "\x08http/1.1";
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, outlen, kHttp11, sizeof kHttp11 - 1, in, inlen) ==
      OPENSSL_NPN_NEGOTIATED) {
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
  }
  return SSL_TLSEXT_ERR_NOACK;
}

using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;

Bio memory_bio(const std::string& pem) {
  return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
}

// The server certificate, then the intermediates after it in the same PEM.
void load_certificate_chain(const config::WebConfig& web, SSL_CTX* native) {
  const PemRef& ref = web.tls.cert;
  const std::string pem = read_pem(web, ref);
  const Bio bio = memory_bio(pem);
  X509* leaf = PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr);
  if (!leaf) {
    ERR_clear_error();
    fail(web, ref.at, subject(ref) + "no PEM certificate in it (expected the server certificate)");
  }
  const int used = SSL_CTX_use_certificate(native, leaf);
  X509_free(leaf);
  if (used != 1) fail(web, ref.at, subject(ref) + openssl_reason());
  SSL_CTX_clear_chain_certs(native);
  while (X509* ca = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    if (SSL_CTX_add0_chain_cert(native, ca) != 1) {
      X509_free(ca);
      fail(web, ref.at, subject(ref) + openssl_reason());
    }
  }
  ERR_clear_error();  // the loop ends on "no start line"
}

void load_private_key(const config::WebConfig& web, SSL_CTX* native) {
  const PemRef& ref = web.tls.key;
  const std::string pem = read_pem(web, ref);
  const Bio bio = memory_bio(pem);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (!key) {
    ERR_clear_error();
    fail(web, ref.at,
         subject(ref) + "no PEM private key in it (expected the server's key, unencrypted)");
  }
  const int used = SSL_CTX_use_PrivateKey(native, key);
  EVP_PKEY_free(key);
  if (used != 1 || SSL_CTX_check_private_key(native) != 1)
    fail(web, ref.at, subject(ref) + "does not match the certificate (" + openssl_reason() + ")");
}

void load_client_cas(const config::WebConfig& web, SSL_CTX* native) {
  const PemRef& ref = web.tls.client_ca;
  const std::string pem = read_pem(web, ref);
  const Bio bio = memory_bio(pem);
  X509_STORE* store = SSL_CTX_get_cert_store(native);
  int count = 0;
  for (;;) {
    X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
    if (!cert) break;
    X509_STORE_add_cert(store, cert);
    SSL_CTX_add_client_CA(native, cert);  // named in the CertificateRequest, as Go does
    X509_free(cert);
    ++count;
  }
  ERR_clear_error();  // the loop ends on "no start line"
  if (count == 0)
    fail(web, ref.at, subject(ref) + "no PEM certificate in it (expected CA certificates)");
}

}  // namespace

std::shared_ptr<ssl::context> make_tls_context(const config::WebConfig& web) {
  const config::TlsServerConfig& tls = web.tls;
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  SSL_CTX* native = ctx->native_handle();
  ERR_clear_error();

  long options = SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION;
  if (tls.prefer_server_cipher_suites) options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
  SSL_CTX_set_options(native, options);
  // OpenSSL 3 refuses TLS 1.0 and 1.1 above security level 0; a config
  // that asks for them gets them, as it would in Go.
  if (tls.min_version < config::TlsVersion::tls12) SSL_CTX_set_security_level(native, 0);
  SSL_CTX_set_min_proto_version(native, openssl_version(tls.min_version));
  SSL_CTX_set_max_proto_version(native, openssl_version(tls.max_version));

  load_certificate_chain(web, native);
  load_private_key(web, native);

  if (tls.client_ca.given()) load_client_cas(web, native);

  using config::ClientAuth;
  const bool verify = tls.client_auth == ClientAuth::verify_client_cert_if_given ||
                      tls.client_auth == ClientAuth::require_and_verify_client_cert;
  const bool require = tls.client_auth == ClientAuth::require_any_client_cert ||
                       tls.client_auth == ClientAuth::require_and_verify_client_cert;
  if (tls.client_auth == ClientAuth::no_client_cert) {
    ctx->set_verify_mode(ssl::verify_none);
  } else {
    ctx->set_verify_mode(ssl::verify_peer | (require ? ssl::verify_fail_if_no_peer_cert : 0));
    // Resumed sessions of verified clients need an id context of the server's.
    static const unsigned char kSessionContext[] = "pktlensd";
    SSL_CTX_set_session_id_context(native, kSessionContext, sizeof kSessionContext - 1);
    ctx->set_verify_callback(
        [verify, sans = tls.client_allowed_sans](bool preverified, ssl::verify_context& vc) {
          // Without verification (RequestClientCert, RequireAnyClientCert) any
          // certificate is taken, as crypto/tls does.
          if (verify && !preverified) return false;
          X509_STORE_CTX* store = vc.native_handle();
          if (sans.empty() || X509_STORE_CTX_get_error_depth(store) != 0) return true;
          for (const std::string& san : sans_of(X509_STORE_CTX_get_current_cert(store))) {
            if (std::find(sans.begin(), sans.end(), san) != sans.end()) return true;
          }
          X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
          return false;
        });
  }

  if (const std::string list = openssl_cipher_list(web); !list.empty()) {
    if (SSL_CTX_set_cipher_list(native, list.c_str()) != 1)
      fail(web, tls.cipher_suites_at, "tls_server_config.cipher_suites: " + openssl_reason());
  }
  if (!tls.curve_preferences.empty()) {
    const std::string groups = openssl_groups(tls.curve_preferences);
    if (SSL_CTX_set1_groups_list(native, groups.c_str()) != 1)
      fail(web, tls.curve_preferences_at,
           "tls_server_config.curve_preferences: " + openssl_reason());
  }
  SSL_CTX_set_alpn_select_cb(native, select_http11, nullptr);
  return ctx;
}

}  // namespace pktlens::exporter
