// SPDX-License-Identifier: Apache-2.0
// The pure parts of the /metrics server: routing, Accept-Encoding, gzip,
// the landing page.
#include <zlib.h>

#include <catch2/catch.hpp>
#include <string>

#include "exporter/gzip.hpp"
#include "exporter/http_routes.hpp"
#include "exporter/landing_page.hpp"

using namespace pktlens::exporter;

TEST_CASE("http routes: exact paths, GET and HEAD", "[web]") {
  CHECK(route("GET", "/metrics", "/metrics") == Route::metrics);
  CHECK(route("HEAD", "/metrics", "/metrics") == Route::metrics);
  CHECK(route("GET", "/metrics?x=1#y", "/metrics") == Route::metrics);
  CHECK(route("GET", "http://h:9586/metrics", "/metrics") == Route::metrics);
  CHECK(route("GET", "https://h", "/metrics") == Route::landing_page);
  CHECK(route("GET", "/", "/metrics") == Route::landing_page);
  CHECK(route("GET", "/?x", "/metrics") == Route::landing_page);
  for (const char* t : {"/METRICS", "/metrics/", "/metrics%00.html", "/metrics%2F", "", "*",
                        "metrics", "/metrics/../metrics"}) {
    INFO(t);
    CHECK(route("GET", t, "/metrics") == Route::not_found);
  }
  CHECK(route("POST", "/metrics", "/metrics") == Route::method_not_allowed);
  CHECK(route("get", "/metrics", "/metrics") == Route::method_not_allowed);
  CHECK(route("POST", "/nope", "/metrics") == Route::not_found);
  // The metrics at "/": no landing page then.
  CHECK(route("GET", "/", "/") == Route::metrics);
  CHECK(route("GET", "/x", "/x") == Route::metrics);
  CHECK(target_path("/a?b") == "/a");
}

TEST_CASE("gzip: Accept-Encoding", "[web]") {
  CHECK(accepts_gzip("gzip"));
  CHECK(accepts_gzip("GZIP"));
  CHECK(accepts_gzip("x-gzip"));
  CHECK(accepts_gzip("deflate, gzip;q=0.5"));
  CHECK(accepts_gzip("identity ; q=1 , *"));
  CHECK(accepts_gzip("gzip;q=0.001"));
  CHECK_FALSE(accepts_gzip(""));
  CHECK_FALSE(accepts_gzip("identity"));
  CHECK_FALSE(accepts_gzip("br, deflate"));
  CHECK_FALSE(accepts_gzip("gzip;q=0"));
  CHECK_FALSE(accepts_gzip("gzip;q=0.000"));
  CHECK_FALSE(accepts_gzip("*, gzip;q=0"));
  CHECK_FALSE(accepts_gzip("*;q=0"));
  CHECK_FALSE(accepts_gzip("gzipx"));
}

TEST_CASE("gzip: what it compresses, zlib reads back", "[web]") {
  std::string text;
  for (int i = 0; i < 2000; ++i)
    text += "pktlens_packets_total{interface=\"eth" + std::to_string(i) + "\"} 1\n";
  const std::string z = gzip_compress(text);
  CHECK(static_cast<unsigned char>(z[0]) == 0x1f);
  CHECK(static_cast<unsigned char>(z[1]) == 0x8b);
  CHECK(z.size() < text.size() / 5);
  z_stream s{};
  REQUIRE(inflateInit2(&s, 15 + 16) == Z_OK);
  std::string out(text.size() + 16, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(z.data()));
  s.avail_in = static_cast<uInt>(z.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  CHECK(inflate(&s, Z_FINISH) == Z_STREAM_END);
  out.resize(s.total_out);
  inflateEnd(&s);
  CHECK(out == text);
  CHECK(gzip_compress("").size() == 20);  // header and trailer only
}

TEST_CASE("landing page: links the metrics, escapes what it shows", "[web]") {
  const std::string page = landing_page("/metrics", "0.1.0");
  CHECK(page.find("<a href=\"/metrics\">/metrics</a>") != std::string::npos);
  CHECK(page.find("Version 0.1.0.") != std::string::npos);
  const std::string odd = landing_page("/m\"<x>&", "1");
  CHECK(odd.find("href=\"/m&quot;&lt;x&gt;&amp;\"") != std::string::npos);
}
