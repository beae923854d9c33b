// SPDX-License-Identifier: Apache-2.0
// Basic auth as exporter-toolkit does it: the Authorization header parsed
// as Go's Request.BasicAuth does, bcrypt hashes of every version htpasswd
// and Go write, unknown users refused, verdicts cached.
#include <crypt.h>

#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "exporter/basic_auth.hpp"

using pktlens::exporter::BasicAuth;
using pktlens::exporter::Credentials;
using pktlens::exporter::parse_basic_authorization;

namespace {

// A bcrypt hash of `password` made by libxcrypt itself, with prefix
// $2b$ or $2y$ (libxcrypt makes both), cost 4 to keep the test fast.
std::string hash_of(const std::string& password, const char* prefix) {
  char salt[CRYPT_GENSALT_OUTPUT_SIZE];
  REQUIRE(crypt_gensalt_rn(prefix, 4, nullptr, 0, salt, sizeof salt) != nullptr);
  crypt_data data{};
  const char* h = crypt_r(password.c_str(), salt, &data);
  REQUIRE(h != nullptr);
  return h;
}

}  // namespace

TEST_CASE("basic auth: the Authorization header", "[web]") {
  // "prom:s3cret", "a:b:c" (the password may hold ':'), ":" (both empty).
  const auto c = parse_basic_authorization("Basic cHJvbTpzM2NyZXQ=");
  REQUIRE(c);
  CHECK(c->user == "prom");
  CHECK(c->password == "s3cret");
  CHECK(parse_basic_authorization("basic YTpiOmM=")->password == "b:c");
  CHECK(parse_basic_authorization("BASIC Og==")->user.empty());
  CHECK_FALSE(parse_basic_authorization(""));
  CHECK_FALSE(parse_basic_authorization("Bearer cHJvbTpzM2NyZXQ="));
  CHECK_FALSE(parse_basic_authorization("Basic cHJvbQ=="));  // "prom": no ':'
  CHECK_FALSE(parse_basic_authorization("Basic !!!!"));
  CHECK_FALSE(parse_basic_authorization("Basic cHJvbTpzM2NyZXQ"));  // unpadded
  CHECK_FALSE(parse_basic_authorization("Basic c=Hv"));
}

TEST_CASE("basic auth: right, wrong, unknown; cached", "[web]") {
  BasicAuth auth({{"prom", hash_of("s3cret", "$2b$")}, {"grafana", hash_of("other", "$2y$")}});
  const Credentials right{"prom", "s3cret"};
  const Credentials wrong{"prom", "S3cret"};
  const Credentials unknown{"nobody", "s3cret"};
  CHECK_FALSE(auth.cached(right));
  CHECK(auth.verify(right));
  CHECK(auth.verify({"grafana", "other"}));
  CHECK_FALSE(auth.verify(wrong));
  CHECK_FALSE(auth.verify(unknown));
  CHECK_FALSE(auth.verify({"grafana", "s3cret"}));  // another user's password
  CHECK(auth.bcrypt_runs() == 5);
  CHECK(auth.cached(right) == true);
  CHECK(auth.cached(wrong) == false);
  CHECK(auth.cached(unknown) == false);
  CHECK_FALSE(auth.cached({"prom", "s3cret "}));
}

TEST_CASE("basic auth: a flood of wrong passwords does not evict the right one", "[web]") {
  BasicAuth auth({{"prom", hash_of("s3cret", "$2y$")}});
  REQUIRE(auth.verify({"prom", "s3cret"}));
  for (std::size_t i = 0; i < BasicAuth::kMaxCachedFailures + 10; ++i)
    auth.verify({"prom", "guess" + std::to_string(i)});
  CHECK(auth.cached({"prom", "s3cret"}) == true);
  CHECK_FALSE(auth.cached({"prom", "guess0"}));  // the oldest failures make room
  CHECK(auth.cached({"prom", "guess" + std::to_string(BasicAuth::kMaxCachedFailures + 9)}) ==
        false);
}

TEST_CASE("basic auth: the hash Go's bcrypt made ($2a$ style, as exporter-toolkit's docs)",
          "[web]") {
  // exporter-toolkit's fixed hash of "fakepassword", cost 10.
  BasicAuth auth(std::map<std::string, std::string>{
      {"u", "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi"}});
  CHECK(auth.verify({"u", "fakepassword"}));
  CHECK_FALSE(auth.verify({"u", "fakepassword2"}));
}
