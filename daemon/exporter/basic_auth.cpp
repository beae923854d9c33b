// SPDX-License-Identifier: Apache-2.0
#include "exporter/basic_auth.hpp"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cctype>
#include <cstring>
#include <memory>

namespace pktlens::exporter {
namespace {

// exporter-toolkit's stand-in for unknown users: bcrypt of "fakepassword"
// at cost 10, so that a wrong user name costs what a wrong password does.
constexpr const char* kDummyHash = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Standard base64 with padding (RFC 4648, 4), as browsers and curl send.
std::optional<std::string> base64_decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = in[i + j];
      if (c == '=' && i + 4 == in.size() && j >= 2) {
        v[j] = 0;
        ++pad;
      } else if (pad != 0 || (v[j] = base64_value(c)) < 0) {
        return std::nullopt;
      }
    }
    const unsigned n =
        (unsigned(v[0]) << 18) | (unsigned(v[1]) << 12) | (unsigned(v[2]) << 6) | unsigned(v[3]);
    out += static_cast<char>(n >> 16);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xff);
    if (pad < 1) out += static_cast<char>(n & 0xff);
  }
  return out;
}

bool bcrypt_matches(const std::string& password, const char* hash) {
  // crypt_data is 32 KiB: on the heap, not the auth thread's stack.
  auto data = std::make_unique<crypt_data>();
  const char* out = crypt_r(password.c_str(), hash, data.get());
  // libxcrypt returns a string starting with '*' on failure, never null
  // by default; either way it cannot equal a valid hash.
  if (out == nullptr || out[0] == '*') return false;
  const std::size_t n = std::strlen(hash);
  return std::strlen(out) == n && CRYPTO_memcmp(out, hash, n) == 0;
}

template <typename Set, typename Order>
void remember(Set& set, Order& order, const typename Set::value_type& d, std::size_t max) {
  if (!set.insert(d).second) return;
  order.push_back(d);
  if (order.size() > max) {
    set.erase(order.front());
    order.pop_front();
  }
}

}  // namespace

std::optional<Credentials> parse_basic_authorization(std::string_view header) {
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  constexpr std::string_view kScheme = "basic ";
  if (header.size() < kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return std::nullopt;
  }
  header.remove_prefix(kScheme.size());
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
  const auto decoded = base64_decode(header);
  if (!decoded) return std::nullopt;
  const auto colon = decoded->find(':');
  if (colon == std::string::npos) return std::nullopt;
  return Credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
}

BasicAuth::BasicAuth(std::map<std::string, std::string> users) : users_(std::move(users)) {}

BasicAuth::Digest BasicAuth::digest(const Credentials& c) {
  // user NUL password: no two credential pairs give the same input.
  std::string input = c.user;
  input += '\0';
  input += c.password;
  Digest d{};
  unsigned int len = 0;
  EVP_Digest(input.data(), input.size(), d.data(), &len, EVP_sha256(), nullptr);
  OPENSSL_cleanse(input.data(), input.size());
  return d;
}

std::optional<bool> BasicAuth::cached(const Credentials& c) const {
  const Digest d = digest(c);
  const std::lock_guard lock(mutex_);
  if (ok_.count(d)) return true;
  if (bad_.count(d)) return false;
  return std::nullopt;
}

bool BasicAuth::verify(const Credentials& c) {
  const auto user = users_.find(c.user);
  const bool known = user != users_.end();
  const bool ok = bcrypt_matches(c.password, known ? user->second.c_str() : kDummyHash) && known;
  const Digest d = digest(c);
  const std::lock_guard lock(mutex_);
  ++bcrypt_runs_;
  if (ok) {
    remember(ok_, ok_order_, d, kMaxCachedSuccesses);
  } else {
    remember(bad_, bad_order_, d, kMaxCachedFailures);
  }
  return ok;
}

std::size_t BasicAuth::bcrypt_runs() const {
  const std::lock_guard lock(mutex_);
  return bcrypt_runs_;
}

}  // namespace pktlens::exporter
