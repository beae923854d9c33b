// SPDX-License-Identifier: Apache-2.0
// HTTP basic auth against the bcrypt hashes of a web config's
// basic_auth_users, as exporter-toolkit checks them: libxcrypt's crypt_r
// verifies $2a$/$2b$/$2y$ hashes; an unknown user is checked against a
// fixed hash anyway, so the answer takes as long as for a known one; and
// verdicts are cached, because bcrypt is slow on purpose (about 0.24 s at
// cost 12). Only SHA-256 digests of the credentials are kept, never a
// password.
#pragma once

#include <array>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace pktlens::exporter {

struct Credentials {
  std::string user;
  std::string password;
};

// The credentials of an Authorization header value "Basic <base64 of
// user:password>" (scheme case-insensitive), or nothing when it is not one.
std::optional<Credentials> parse_basic_authorization(std::string_view header);

class BasicAuth {
 public:
  // users: name -> bcrypt hash, as config::WebConfig::basic_auth_users.
  explicit BasicAuth(std::map<std::string, std::string> users);

  BasicAuth(const BasicAuth&) = delete;
  BasicAuth& operator=(const BasicAuth&) = delete;

  // The verdict of an earlier verify() of the same credentials. Cheap.
  std::optional<bool> cached(const Credentials& c) const;
  // bcrypt, then the verdict is cached. Slow: callers run it off the I/O
  // thread, one at a time (as exporter-toolkit serialises bcrypt).
  bool verify(const Credentials& c);

  // How many bcrypt checks ran (for the tests of the cache).
  std::size_t bcrypt_runs() const;

  // Cache sizes. Successes are kept apart so that a flood of wrong
  // passwords cannot push the scraper's out and make it wait for bcrypt.
  static constexpr std::size_t kMaxCachedSuccesses = 64;
  static constexpr std::size_t kMaxCachedFailures = 1024;

 private:
  using Digest = std::array<unsigned char, 32>;
  static Digest digest(const Credentials& c);

  const std::map<std::string, std::string> users_;
  mutable std::mutex mutex_;  // the caches: read on the I/O thread, written on the auth thread
  std::set<Digest> ok_;
  std::deque<Digest> ok_order_;
  std::set<Digest> bad_;
  std::deque<Digest> bad_order_;
  std::size_t bcrypt_runs_ = 0;
};

}  // namespace pktlens::exporter
