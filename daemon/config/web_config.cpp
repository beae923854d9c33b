// SPDX-License-Identifier: Apache-2.0
// The web config schema: exporter-toolkit's keys, read with the same
// helpers as pktlens.yaml (unknown or repeated keys are errors, as with
// exporter-toolkit's strict YAML decoding). The checks exporter-toolkit
// makes when it builds its tls.Config are made here, at the position of
// the key concerned, so that check-config and a reload report them before
// anything is served.
#include "web_config.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <set>

#include "config.hpp"
#include "quote.hpp"
#include "read_file.hpp"
#include "yaml_document.hpp"
#include "yaml_read.hpp"

namespace pktlens::config {
namespace {

using detail::Field;
using detail::quote;
using detail::Source;

constexpr std::array<std::pair<ClientAuth, std::string_view>, 5> kClientAuthTypes{{
    {ClientAuth::no_client_cert, "NoClientCert"},
    {ClientAuth::request_client_cert, "RequestClientCert"},
    {ClientAuth::require_any_client_cert, "RequireAnyClientCert"},
    {ClientAuth::verify_client_cert_if_given, "VerifyClientCertIfGiven"},
    {ClientAuth::require_and_verify_client_cert, "RequireAndVerifyClientCert"},
}};

constexpr std::array<std::pair<TlsVersion, std::string_view>, 4> kTlsVersions{{
    {TlsVersion::tls10, "TLS10"},
    {TlsVersion::tls11, "TLS11"},
    {TlsVersion::tls12, "TLS12"},
    {TlsVersion::tls13, "TLS13"},
}};

// Go's tls.CipherSuites(), the names exporter-toolkit accepts.
constexpr std::array<std::string_view, 17> kCipherSuites{
    "TLS_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
};

constexpr std::array<std::string_view, 4> kCurves{"CurveP256", "CurveP384", "CurveP521", "X25519"};

// exporter-toolkit's extraHTTPHeaders: the headers it lets a user set, and
// for some the only values it allows (none listed: any value).
struct AllowedHeader {
  std::string_view name;
  std::vector<std::string_view> values;
};
const std::array<AllowedHeader, 5> kAllowedHeaders{{
    {"Strict-Transport-Security", {}},
    {"X-Content-Type-Options", {"nosniff"}},
    {"X-Frame-Options", {"deny", "sameorigin"}},
    {"X-XSS-Protection", {}},
    {"Content-Security-Policy", {}},
}};

const std::string kExpectPath = "a file name";
const std::string kExpectPem = "PEM text";
const std::string kExpectBool = "true or false";
const std::string kExpectUsers = "a mapping of user names to bcrypt hashes";
const std::string kExpectHash =
    "a bcrypt hash such as htpasswd -nB USER prints: $2y$, a cost from 04 to 31, '$' and 53 "
    "characters";
const std::string kExpectHeaders = "a mapping of header names to values";
const std::string kExpectSans = "a list of SANs: DNS names, e-mail addresses, IP addresses or URIs";

template <typename Enum, std::size_t N>
std::string names_of(const std::array<std::pair<Enum, std::string_view>, N>& names) {
  std::string out;
  for (std::size_t i = 0; i < N; ++i) {
    out += i == 0 ? "" : (i + 1 == N ? " or " : ", ");
    out += names[i].second;
  }
  return out;
}

std::string names_of(std::span<const std::string_view> names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += i == 0 ? "" : (i + 1 == names.size() ? " or " : ", ");
    out += names[i];
  }
  return out;
}

Position position_of(const YAML::Mark& mark) {
  if (mark.is_null()) return {};
  return {mark.line + 1, mark.column + 1};
}

YAML::Mark mark_of(Position at) {
  if (at.line == 0) return YAML::Mark::null_mark();
  YAML::Mark mark;
  mark.line = at.line - 1;
  mark.column = at.column - 1;
  return mark;
}

bool has_control(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

// Go's bcrypt accepts $2a$, $2b$ and $2y$ with a two-digit cost of 4 to 31
// and 53 characters of salt and hash in bcrypt's base64 alphabet.
bool is_bcrypt_hash(std::string_view h) {
  if (h.size() != 60 || h.substr(0, 2) != "$2") return false;
  if (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') return false;
  if (h[3] != '$' || h[6] != '$') return false;
  if (h[4] < '0' || h[4] > '9' || h[5] < '0' || h[5] > '9') return false;
  const int cost = (h[4] - '0') * 10 + (h[5] - '0');
  if (cost < 4 || cost > 31) return false;
  return std::all_of(h.begin() + 7, h.end(), [](char c) {
    return c == '.' || c == '/' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9');
  });
}

class Parser {
 public:
  Parser(const Source& src, std::string directory) : src_(src), directory_(std::move(directory)) {}

  WebConfig parse(const YAML::Node& root, std::string file) {
    WebConfig cfg;
    cfg.file = std::move(file);
    if (root.IsNull()) return cfg;
    TlsServerConfig& tls = cfg.tls;
    const std::vector<Field> tls_fields = {
        {"cert_file", kExpectPath, file_field(tls.cert)},
        {"key_file", kExpectPath, file_field(tls.key)},
        {"client_ca_file", kExpectPath, file_field(tls.client_ca)},
        {"cert", kExpectPem, pem_field(tls.cert)},
        {"key", kExpectPem, pem_field(tls.key)},
        {"client_ca", kExpectPem, pem_field(tls.client_ca)},
        {"client_auth_type", names_of(kClientAuthTypes),
         [&](const YAML::Node& v, const std::string& p) {
           tls.client_auth = read_client_auth(v, p);
           client_auth_at_ = v.Mark();
         }},
        {"min_version", names_of(kTlsVersions),
         [&](const YAML::Node& v, const std::string& p) {
           tls.min_version = read_version(v, p);
           min_version_at_.emplace(v.Mark());
         }},
        {"max_version", names_of(kTlsVersions),
         [&](const YAML::Node& v, const std::string& p) {
           tls.max_version = read_version(v, p);
           max_version_at_.emplace(v.Mark());
         }},
        {"cipher_suites", "a list of " + std::string("Go cipher suite names"),
         [&](const YAML::Node& v, const std::string& p) {
           tls.cipher_suites = read_names(v, p, kCipherSuites, "cipher suite");
           tls.cipher_suites_at = position_of(v.Mark());
         }},
        {"curve_preferences", "a list of " + names_of(kCurves),
         [&](const YAML::Node& v, const std::string& p) {
           tls.curve_preferences = read_names(v, p, kCurves, "curve");
           tls.curve_preferences_at = position_of(v.Mark());
         }},
        {"prefer_server_cipher_suites", kExpectBool,
         [&](const YAML::Node& v, const std::string& p) {
           tls.prefer_server_cipher_suites = detail::read_bool(src_, v, p, kExpectBool);
         }},
        {"client_allowed_sans", kExpectSans,
         [&](const YAML::Node& v, const std::string& p) {
           tls.client_allowed_sans = read_sans(v, p);
           sans_at_ = v.Mark();
         }},
    };
    const std::vector<Field> http_fields = {
        {"http2", kExpectBool,
         [&](const YAML::Node& v, const std::string& p) {
           cfg.http2 = detail::read_bool(src_, v, p, kExpectBool);
         }},
        {"headers", kExpectHeaders,
         [&](const YAML::Node& v, const std::string& p) { cfg.headers = read_headers(v, p); }},
    };
    const std::vector<Field> root_fields = {
        {"tls_server_config", detail::mapping_expected(tls_fields),
         [&](const YAML::Node& v, const std::string& p) {
           section(v, p, tls_fields);
           tls_at_ = v.Mark();
         }},
        {"http_server_config", detail::mapping_expected(http_fields),
         [&](const YAML::Node& v, const std::string& p) { section(v, p, http_fields); }},
        {"basic_auth_users", kExpectUsers,
         [&](const YAML::Node& v, const std::string& p) {
           cfg.basic_auth_users = read_users(v, p);
         }},
    };
    if (!root.IsMap()) {
      src_.fail(root.Mark(), "the document is " + detail::describe(root) + " (expected " +
                                 detail::mapping_expected(root_fields) + ")");
    }
    detail::read_mapping(src_, root, "", root_fields);
    check_tls(tls);
    return cfg;
  }

 private:
  void section(const YAML::Node& v, const std::string& p, const std::vector<Field>& fields) {
    if (!v.IsMap()) {
      src_.fail(v.Mark(), p, "got " + detail::describe(v), detail::mapping_expected(fields));
    }
    detail::read_mapping(src_, v, p, fields);
  }

  // One PEM source may be given as a file or inline, not both.
  void set_pem(PemRef& ref, const YAML::Node& v, const std::string& p, bool is_file) {
    if (ref.given()) {
      src_.fail(v.Mark(), p, "both " + quote(ref.key) + " and " + quote(p) + " are set",
                "one of them: a file name or the PEM text inline");
    }
    const std::string text = detail::read_string(src_, v, p, is_file ? kExpectPath : kExpectPem);
    if (text.empty()) src_.fail(v.Mark(), p, "is empty", is_file ? kExpectPath : kExpectPem);
    if (is_file) {
      if (has_control(text))
        src_.fail(v.Mark(), p, quote(text) + " is not a file name", kExpectPath);
      ref.file = text.front() == '/' || directory_.empty() ? text : directory_ + "/" + text;
    } else {
      ref.inline_pem = text;
    }
    ref.key = p;
    ref.at = position_of(v.Mark());
    tls_enabled_ = true;
  }

  using Read = decltype(Field::read);

  Read file_field(PemRef& ref) {
    return [this, &ref](const YAML::Node& v, const std::string& p) { set_pem(ref, v, p, true); };
  }
  Read pem_field(PemRef& ref) {
    return [this, &ref](const YAML::Node& v, const std::string& p) { set_pem(ref, v, p, false); };
  }

  template <typename Enum, std::size_t N>
  Enum read_enum(const YAML::Node& v, const std::string& p, std::string_view what,
                 const std::array<std::pair<Enum, std::string_view>, N>& names) {
    const std::string expected = names_of(names);
    const std::string s = detail::read_string(src_, v, p, expected);
    for (const auto& [value, name] : names) {
      if (s == name) return value;
    }
    src_.fail(v.Mark(), p, "unknown " + std::string(what) + " " + quote(s), expected);
  }

  ClientAuth read_client_auth(const YAML::Node& v, const std::string& p) {
    tls_enabled_ = true;
    // exporter-toolkit still accepts the old name RequireClientCert.
    if (v.IsScalar() && v.Scalar() == "RequireClientCert")
      return ClientAuth::require_any_client_cert;
    return read_enum(v, p, "client_auth_type", kClientAuthTypes);
  }

  TlsVersion read_version(const YAML::Node& v, const std::string& p) {
    return read_enum(v, p, "TLS version", kTlsVersions);
  }

  std::vector<std::string> read_names(const YAML::Node& v, const std::string& p,
                                      std::span<const std::string_view> allowed,
                                      std::string_view what) {
    const std::string expected = "a list of " + names_of(allowed);
    if (!v.IsSequence()) src_.fail(v.Mark(), p, "got " + detail::describe(v), expected);
    std::vector<std::string> out;
    for (const YAML::Node& item : v) {
      const std::string s = detail::read_string(src_, item, p, expected);
      if (std::find(allowed.begin(), allowed.end(), s) == allowed.end()) {
        src_.fail(item.Mark(), p, "unknown " + std::string(what) + " " + quote(s), expected);
      }
      if (std::find(out.begin(), out.end(), s) != out.end()) {
        src_.fail(item.Mark(), p, quote(s) + " is listed twice", "each name once");
      }
      out.push_back(s);
    }
    return out;
  }

  std::vector<std::string> read_sans(const YAML::Node& v, const std::string& p) {
    if (!v.IsSequence()) src_.fail(v.Mark(), p, "got " + detail::describe(v), kExpectSans);
    std::vector<std::string> out;
    for (const YAML::Node& item : v) {
      const std::string s = detail::read_string(src_, item, p, kExpectSans);
      if (s.empty() || has_control(s))
        src_.fail(item.Mark(), p, quote(s) + " is not a SAN", kExpectSans);
      out.push_back(s);
    }
    return out;
  }

  std::vector<std::pair<std::string, std::string>> read_headers(const YAML::Node& v,
                                                                const std::string& p) {
    if (!v.IsMap()) src_.fail(v.Mark(), p, "got " + detail::describe(v), kExpectHeaders);
    std::string allowed_names;
    for (const auto& h : kAllowedHeaders) {
      allowed_names += (allowed_names.empty() ? "" : ", ") + std::string(h.name);
    }
    std::vector<std::pair<std::string, std::string>> out;
    std::map<std::string, YAML::Mark> seen;
    for (const auto& pair : v) {
      const YAML::Node& key = pair.first;
      const YAML::Node& value = pair.second;
      const std::string name = detail::read_string(src_, key, p, kExpectHeaders);
      const auto* allowed = std::find_if(kAllowedHeaders.begin(), kAllowedHeaders.end(),
                                         [&](const AllowedHeader& h) { return h.name == name; });
      if (allowed == kAllowedHeaders.end()) {
        src_.fail(key.Mark(), p, "header " + quote(name) + " cannot be configured",
                  "one of " + allowed_names);
      }
      if (auto [first, inserted] = seen.emplace(name, key.Mark()); !inserted) {
        src_.fail(key.Mark(), p,
                  "header " + quote(name) + " is given twice, first at " +
                      detail::position(first->second),
                  "each header once");
      }
      const std::string key_path = p + "." + name;
      if (value.IsNull()) src_.fail(key.Mark(), key_path, "got null", "a header value");
      const std::string text = detail::read_string(src_, value, key_path, "a header value");
      if (has_control(text)) {
        src_.fail(value.Mark(), key_path, quote(text) + " has control characters",
                  "a header value on one line");
      }
      if (!allowed->values.empty() && std::find(allowed->values.begin(), allowed->values.end(),
                                                text) == allowed->values.end()) {
        src_.fail(value.Mark(), key_path, "invalid value " + quote(text),
                  names_of(std::span<const std::string_view>(allowed->values)));
      }
      out.emplace_back(name, text);
    }
    return out;
  }

  std::map<std::string, std::string> read_users(const YAML::Node& v, const std::string& p) {
    if (!v.IsMap()) src_.fail(v.Mark(), p, "got " + detail::describe(v), kExpectUsers);
    std::map<std::string, std::string> users;
    std::map<std::string, YAML::Mark> seen;
    for (const auto& pair : v) {
      const YAML::Node& key = pair.first;
      const YAML::Node& value = pair.second;
      const std::string user = detail::read_string(src_, key, p, kExpectUsers);
      // Basic auth sends "user:password": the first ':' ends the user name.
      if (user.find(':') != std::string::npos || has_control(user)) {
        src_.fail(key.Mark(), p, "user name " + quote(user) + " cannot be sent with basic auth",
                  "a user name without ':' or control characters");
      }
      if (auto [first, inserted] = seen.emplace(user, key.Mark()); !inserted) {
        src_.fail(
            key.Mark(), p,
            "user " + quote(user) + " is given twice, first at " + detail::position(first->second),
            "each user once");
      }
      const std::string key_path = p + "." + user;
      if (value.IsNull()) src_.fail(key.Mark(), key_path, "got null", kExpectHash);
      const std::string hash = detail::read_string(src_, value, key_path, kExpectHash);
      if (!is_bcrypt_hash(hash)) {
        // Never echo the value: it may be a password pasted by mistake.
        src_.fail(value.Mark(), key_path, "not a bcrypt hash", kExpectHash);
      }
      users.emplace(user, hash);
    }
    return users;
  }

  // exporter-toolkit's ConfigToTLSConfig checks, at the key concerned.
  void check_tls(TlsServerConfig& tls) {
    tls.enabled = tls_enabled_;
    if (!tls.enabled) {
      if (!tls.client_allowed_sans.empty()) {
        src_.fail(sans_at_,
                  "tls_server_config.client_allowed_sans: set without TLS (expected "
                  "cert_file, key_file and client_auth_type as well)");
      }
      return;
    }
    if (!tls.cert.given()) {
      src_.fail(tls_at_,
                "tls_server_config: missing one of cert or cert_file (expected the "
                "server certificate whenever a TLS key is set)");
    }
    if (!tls.key.given()) {
      src_.fail(tls_at_,
                "tls_server_config: missing one of key or key_file (expected the "
                "server's private key whenever a TLS key is set)");
    }
    const bool verifies = tls.client_auth == ClientAuth::verify_client_cert_if_given ||
                          tls.client_auth == ClientAuth::require_and_verify_client_cert;
    if (tls.client_ca.given() && tls.client_auth == ClientAuth::no_client_cert) {
      src_.fail(mark_of(tls.client_ca.at), tls.client_ca.key +
                                               ": client CAs without a client_auth_type (expected "
                                               "client_auth_type RequireAndVerifyClientCert or "
                                               "VerifyClientCertIfGiven with them)");
    }
    if (verifies && !tls.client_ca.given()) {
      src_.fail(client_auth_at_,
                "tls_server_config.client_auth_type: " + std::string(to_string(tls.client_auth)) +
                    " without client_ca_file (expected the CA certificates "
                    "that sign client certificates, in client_ca_file or "
                    "client_ca)");
    }
    if (!tls.client_allowed_sans.empty() &&
        tls.client_auth != ClientAuth::require_any_client_cert &&
        tls.client_auth != ClientAuth::require_and_verify_client_cert) {
      src_.fail(sans_at_,
                "tls_server_config.client_allowed_sans: needs client_auth_type "
                "RequireAnyClientCert or RequireAndVerifyClientCert (expected a "
                "client_auth_type that makes clients send a certificate)");
    }
    if (tls.min_version > tls.max_version) {
      const YAML::Mark at = min_version_at_ ? *min_version_at_ : *max_version_at_;
      src_.fail(at, "tls_server_config.min_version: " + std::string(to_string(tls.min_version)) +
                        " is above max_version " + std::string(to_string(tls.max_version)) +
                        " (expected min_version at most max_version)");
    }
  }

  const Source& src_;
  std::string directory_;
  bool tls_enabled_ = false;
  YAML::Mark tls_at_ = YAML::Mark::null_mark();
  YAML::Mark client_auth_at_ = YAML::Mark::null_mark();
  YAML::Mark sans_at_ = YAML::Mark::null_mark();
  std::optional<YAML::Mark> min_version_at_;
  std::optional<YAML::Mark> max_version_at_;
};

std::string directory_of(const std::string& file) {
  const auto slash = file.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return file.substr(0, slash);
}

}  // namespace

WebConfig load_web_config_string(std::string_view yaml, std::string_view name,
                                 std::string_view directory) {
  const Source src{std::string(name)};
  const auto document = detail::single_document(src, yaml);
  Parser parser(src, std::string(directory));
  if (!document) {
    WebConfig cfg;
    cfg.file = std::string(name);
    return cfg;
  }
  return parser.parse(*document, std::string(name));
}

WebConfig load_web_config_file(const std::string& path) {
  return load_web_config_string(detail::read_file(path), path, directory_of(path));
}

std::string path_relative_to(const std::string& path, const std::string& base_file) {
  if (path.empty() || path.front() == '/' || base_file.empty()) return path;
  return directory_of(base_file) + "/" + path;
}

std::string_view to_string(ClientAuth auth) {
  for (const auto& [value, name] : kClientAuthTypes) {
    if (value == auth) return name;
  }
  return "?";
}

std::string_view to_string(TlsVersion version) {
  for (const auto& [value, name] : kTlsVersions) {
    if (value == version) return name;
  }
  return "?";
}

}  // namespace pktlens::config
