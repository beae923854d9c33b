// SPDX-License-Identifier: Apache-2.0
// `pktlensd top`: URLs it accepts, options it refuses, numbers it shows.
#include <catch2/catch.hpp>

#include "top/scrape_client.hpp"
#include "top/view.hpp"

using namespace pktlens::top;

TEST_CASE("top: parse_url") {
  auto u = parse_url("http://127.0.0.1:9586/metrics");
  CHECK_FALSE(u.tls);
  CHECK(u.host == "127.0.0.1");
  CHECK(u.port == "9586");
  CHECK(u.target == "/metrics");
  u = parse_url("https://host.example/metrics?x=1");
  CHECK(u.tls);
  CHECK(u.port == "443");
  CHECK(u.target == "/metrics?x=1");
  u = parse_url("http://[fd00::1]:9586");
  CHECK(u.host == "fd00::1");
  CHECK(u.port == "9586");
  CHECK(u.target == "/");
  CHECK(parse_url("http://h").port == "80");
  for (const char* bad : {"ftp://h/", "h:9586/metrics", "http://:80/", "http://h:x/",
                          "http://[::1/", "http://user:pw@h/"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_url(bad), std::invalid_argument);
  }
}

TEST_CASE("top: options the client refuses before any scrape") {
  ScrapeOptions o;
  o.password_file = "/nonexistent";
  CHECK_THROWS_AS(ScrapeClient(o), ScrapeError);  // without --username
  o = {};
  o.ca_file = "ca.pem";
  CHECK_THROWS_AS(ScrapeClient(o), ScrapeError);  // TLS options with http://
  o = {};
  o.url = "https://h/metrics";
  o.cert_file = "c.pem";
  CHECK_THROWS_AS(ScrapeClient(o), ScrapeError);  // no --key-file
  o = {};
  o.url = "https://h/metrics";
  o.username = "u";
  o.password_file = "/nonexistent";
  CHECK_THROWS_AS(ScrapeClient(o), ScrapeError);  // unreadable
}

TEST_CASE("top: human numbers, three significant digits") {
  CHECK(human(0) == "0");
  CHECK(human(999) == "999");
  CHECK(human(99.6) == "99.6");
  CHECK(human(1000) == "1.00k");
  CHECK(human(1234567) == "1.23M");
  CHECK(human(478000) == "478k");
  CHECK(human(12.5e9) == "12.5G");
}
