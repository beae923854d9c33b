// SPDX-License-Identifier: Apache-2.0
// The /metrics server over real sockets on loopback, plain HTTP: the exact
// lines of a scrape and promtool on it, paths and methods, bad requests,
// gzip, the listen forms (dual stack, several addresses) and their
// errors, basic auth, and the limits that keep a scrape fast while other
// clients hold connections open. TLS: test_https_server.cpp.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "exporter/http_server.hpp"
#include "exporter/snapshot_collectable.hpp"
#include "exposition.hpp"
#include "web_test_util.hpp"

using namespace pktlens;
using config::ListenAddress;
using exporter::HttpServer;
using test::http_get;
using test::http_request;

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

bool has_line(const std::string& text, const std::string& line) {
  const auto all = lines(text);
  return std::find(all.begin(), all.end(), line) != all.end();
}

std::shared_ptr<exporter::SnapshotCollectable> published_collectable() {
  auto c = std::make_shared<exporter::SnapshotCollectable>("1.2.3");
  auto s = std::make_shared<collector::Snapshot>();
  auto& st = s->ifaces[{1, PKTLENS_DIR_INGRESS}].stats;
  st.packets[PKTLENS_L3_IPV6][PKTLENS_L4_UDP] = 2;
  st.bytes[PKTLENS_L3_IPV6][PKTLENS_L4_UDP] = 180;
  st.size_hist[1] = 2;
  st.ttl_hist[6] = 2;
  collector::RankedFlow f;
  f.flow.key.ifindex = 2;
  f.flow.key.dir = PKTLENS_DIR_INGRESS;
  f.flow.key.proto = 17;
  f.flow.key.family = 6;
  REQUIRE(inet_pton(AF_INET6, "2001:db8::1", f.flow.key.src.data()) == 1);
  REQUIRE(inet_pton(AF_INET6, "2001:db8::2", f.flow.key.dst.data()) == 1);
  f.flow.key.sport = 5353;
  f.flow.key.dport = 53;
  f.flow.key.vlan = 10;
  f.flow.key.vlan_inner = 20;
  f.flow.packets = 2;
  f.flow.bytes = 180;
  s->top_flows = {f};
  s->flows_active = 1;
  s->flow_table_entries = 1;
  s->flow_table_capacity = 1024;
  s->interfaces = {.by_slot = {{1, "eth0"}}, .by_ifindex = {{2, "eth0"}}};
  auto p = std::make_shared<exporter::Published>();
  p->snapshot = std::move(s);
  p->self.last_collect_ok = true;
  p->self.last_collect_seconds = 0.25;
  c->publish(std::move(p));
  return c;
}

std::unique_ptr<HttpServer> serve(std::vector<ListenAddress> addresses,
                                  exporter::WebSettings web = {},
                                  exporter::HttpLimits limits = {}) {
  return std::make_unique<HttpServer>(
      addresses, published_collectable(), std::move(web),
      exporter::ServeOptions{.telemetry_path = "/metrics", .version = "1.2.3", .limits = limits});
}

std::string error_of(const std::vector<ListenAddress>& a) {
  try {
    serve(a);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

// A Collectable whose Collect() waits until released: a scrape that takes
// as long as the test wants.
class BlockingCollectable : public prometheus::Collectable {
 public:
  std::vector<prometheus::MetricFamily> Collect() const override {
    std::unique_lock lock(mutex_);
    ++entered_;
    entered_cv_.notify_all();
    cv_.wait(lock, [this] { return released_; });
    return {};
  }
  void wait_entered(int n) const {
    std::unique_lock lock(mutex_);
    REQUIRE(entered_cv_.wait_for(lock, std::chrono::seconds(10), [&] { return entered_ >= n; }));
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable cv_;
  mutable std::condition_variable entered_cv_;
  mutable int entered_ = 0;
  bool released_ = false;
};

// Whether the server closed `fd` within `limit` (recv returns 0 or an error).
bool closed_within(int fd, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  const timeval tv{0, 100'000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[4096];
  while (Clock::now() < deadline) {
    const ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n == 0) return true;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return true;
  }
  return false;
}

std::string bcrypt_hash(const std::string& password) {
  const auto r = test::run_command({"htpasswd", "-nbB", "-C", "4", "u", password});
  REQUIRE(r.status == 0);
  std::string hash = r.output.substr(r.output.find(':') + 1);
  while (!hash.empty() && (hash.back() == '\n' || hash.back() == '\r')) hash.pop_back();
  return hash;
}

std::string basic(const std::string& user_password) {
  const auto r = test::run_command({"base64", "-w0"}, &user_password);
  return "Authorization: Basic " + r.output + "\r\n";
}

}  // namespace

TEST_CASE("http: a scrape of /metrics over loopback") {
  const auto server = serve({{"127.0.0.1", 0}});
  const uint16_t port = server->bound_ports().at(0);
  REQUIRE(port != 0);
  const auto r = http_get("127.0.0.1", port, "/metrics");
  CHECK(r.status_line == "HTTP/1.1 200 OK");
  CHECK(r.has_header("Content-Type: text/plain; charset=utf-8"));
  for (const char* line :
       {"pktlens_packets_total{interface=\"eth0\",dir=\"ingress\",l3=\"ipv6\",l4=\"udp\"} 2",
        "pktlens_flows_active 1",
        "pktlens_flow_packets_total{interface=\"eth0\",dir=\"ingress\",proto=\"udp\","
        "src=\"2001:db8::1\",dst=\"2001:db8::2\",sport=\"5353\",dport=\"53\",vlan=\"10.20\"} 2",
        "pktlens_flow_bytes_total{interface=\"eth0\",dir=\"ingress\",proto=\"udp\","
        "src=\"2001:db8::1\",dst=\"2001:db8::2\",sport=\"5353\",dport=\"53\",vlan=\"10.20\"} 180",
        "pktlens_build_info{version=\"1.2.3\",abi=\"2\"} 1", "pktlens_up 1",
        "pktlens_collect_duration_seconds 0.25", "pktlens_collect_errors_total 0",
        // The endpoint's own metrics keep the names prometheus-cpp's Exposer gave them.
        "# TYPE exposer_transferred_bytes_total counter", "# TYPE exposer_scrapes_total counter",
        "# TYPE exposer_request_latencies summary", "exposer_scrapes_total 0"}) {
    INFO(line);
    CHECK(has_line(r.body, line));
  }
  for (const auto& l : lines(r.body)) {
    if (l.rfind("#", 0) == 0) continue;
    INFO(l);
    CHECK((l.rfind("pktlens_", 0) == 0 || l.rfind("process_", 0) == 0 ||
           l.rfind("exposer_", 0) == 0));
  }
  // This process's own figures, read at the scrape (docs/metrics.md).
  for (const char* family : {"process_cpu_seconds_total", "process_open_fds", "process_max_fds",
                             "process_virtual_memory_bytes", "process_resident_memory_bytes",
                             "process_start_time_seconds"}) {
    INFO(family);
    CHECK(test::samples_of(r.body, family).size() == 1);
  }
  // And the families prometheus-cpp's Exposer adds (docs/metrics.md, "when
  // present"): this HTTP layer has them.
  for (const char* family :
       {"exposer_transferred_bytes_total", "exposer_scrapes_total", "exposer_request_latencies"}) {
    INFO(family);
    CHECK(r.body.find("\n# TYPE " + std::string(family) + " ") != std::string::npos);
  }
  // The exposer_* families come first, as they did.
  CHECK(r.body.rfind("# HELP exposer_transferred_bytes_total", 0) == 0);

  SECTION("the whole scrape passes promtool check metrics") {
    const auto [code, output] = test::promtool_check(r.body);
    INFO(output);
    CHECK(code == 0);
    CHECK(output.empty());
  }
  SECTION("the scrape is counted, with its bytes") {
    const auto second = http_get("127.0.0.1", port, "/metrics");
    CHECK(has_line(second.body, "exposer_scrapes_total 1"));
    CHECK(
        has_line(second.body, "exposer_transferred_bytes_total " + std::to_string(r.body.size())));
    CHECK(has_line(second.body, "exposer_request_latencies_count 1"));
  }
}

TEST_CASE("http: before the first publish /metrics serves pktlens_up 0") {
  HttpServer server({{"127.0.0.1", 0}}, std::make_shared<exporter::SnapshotCollectable>("1.2.3"),
                    {});
  const auto r = http_get("127.0.0.1", server.bound_ports().at(0), "/metrics");
  CHECK(r.status_line == "HTTP/1.1 200 OK");
  CHECK(has_line(r.body, "pktlens_up 0"));
  // Families without a series still reach the scraper with HELP and TYPE
  // (prometheus-cpp's serializer keeps an empty family), and promtool
  // accepts them.
  CHECK(test::declared_without_series(r.body, "pktlens_packets_total"));
  CHECK(test::declared_without_series(r.body, "pktlens_tcp_syn_received_total"));
  const auto [code, output] = test::promtool_check(r.body);
  INFO(output);
  CHECK(code == 0);
  CHECK(output.empty());
}

TEST_CASE("http: paths are exact; GET and HEAD only; / is a landing page") {
  const auto server = serve({{"127.0.0.1", 0}});
  const uint16_t port = server->bound_ports().at(0);
  for (const char* path : {"/METRICS", "/metrics/", "/metrics%00.html", "/metrics.html",
                           "/metricsx", "//metrics", "/favicon.ico"}) {
    INFO(path);
    const auto r = http_get("127.0.0.1", port, path);
    CHECK(r.status_line == "HTTP/1.1 404 Not Found");
    CHECK(r.body == "404 page not found\n");
  }
  CHECK(http_get("127.0.0.1", port, "/metrics?name[]=x").status_line == "HTTP/1.1 200 OK");
  CHECK(http_request("127.0.0.1", port,
                     "GET http://localhost:9586/metrics HTTP/1.1\r\nHost: localhost\r\n"
                     "Connection: close\r\n\r\n")
            .status_line == "HTTP/1.1 200 OK");

  const auto landing = http_get("127.0.0.1", port, "/");
  CHECK(landing.status_line == "HTTP/1.1 200 OK");
  CHECK(landing.has_header("Content-Type: text/html; charset=utf-8"));
  CHECK(landing.body.find("<a href=\"/metrics\">/metrics</a>") != std::string::npos);
  CHECK(landing.body.find("1.2.3") != std::string::npos);

  const auto head = http_request("127.0.0.1", port,
                                 "HEAD /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
  CHECK(head.status_line == "HTTP/1.1 200 OK");
  CHECK(head.body.empty());
  // Same headers as the GET; the length differs only by the exposer_*
  // counters that GET moved, so it is checked to be there, not equal.
  CHECK(std::any_of(head.headers.begin(), head.headers.end(),
                    [](const std::string& h) { return h.rfind("Content-Length: ", 0) == 0; }));

  for (const char* method : {"POST", "PUT", "DELETE", "OPTIONS"}) {
    INFO(method);
    const auto r = http_request("127.0.0.1", port,
                                std::string(method) +
                                    " /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n"
                                    "Connection: close\r\n\r\n");
    CHECK(r.status_line == "HTTP/1.1 405 Method Not Allowed");
    CHECK(r.has_header("Allow: GET, HEAD"));
  }
  // Still serving after all that.
  CHECK(has_line(http_get("127.0.0.1", port, "/metrics").body, "pktlens_up 1"));
}

TEST_CASE("http: --web.telemetry-path moves the metrics") {
  HttpServer server({{"127.0.0.1", 0}}, published_collectable(), {},
                    exporter::ServeOptions{.telemetry_path = "/pktlens/metrics", .version = "1"});
  const uint16_t port = server.bound_ports().at(0);
  CHECK(has_line(http_get("127.0.0.1", port, "/pktlens/metrics").body, "pktlens_up 1"));
  CHECK(http_get("127.0.0.1", port, "/metrics").status_line == "HTTP/1.1 404 Not Found");
  CHECK(http_get("127.0.0.1", port, "/").body.find("href=\"/pktlens/metrics\"") !=
        std::string::npos);
}

TEST_CASE("http: bad requests get 4xx, and the server goes on") {
  const auto server = serve({{"127.0.0.1", 0}});
  const uint16_t port = server->bound_ports().at(0);
  CHECK(http_request("127.0.0.1", port, "HELLO\r\n\r\n").status_line == "HTTP/1.1 400 Bad Request");
  CHECK(http_request("127.0.0.1", port, "GET /metrics HTTP/2.0\r\nHost: t\r\n\r\n").status_line ==
        "HTTP/1.1 505 HTTP Version Not Supported");
  CHECK(http_request("127.0.0.1", port, "GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n")
            .status_line == "HTTP/1.1 400 Bad Request");  // HTTP/1.1 without Host
  CHECK(http_request(
            "127.0.0.1", port,
            "GET /metrics HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(10000, 'a') + "\r\n\r\n")
            .status_line == "HTTP/1.1 431 Request Header Fields Too Large");
  CHECK(http_request("127.0.0.1", port,
                     "POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n" +
                         std::string(100000, 'a'))
            .status_line == "HTTP/1.1 413 Payload Too Large");
  CHECK(http_request("127.0.0.1", port, std::string("GET /\0x HTTP/1.1\r\n\r\n", 20)).status_line ==
        "HTTP/1.1 400 Bad Request");
  // An HTTP/1.0 request is answered in 1.0 and closed.
  CHECK(http_request("127.0.0.1", port, "GET /metrics HTTP/1.0\r\n\r\n").status_line ==
        "HTTP/1.0 200 OK");
  CHECK(has_line(http_get("127.0.0.1", port, "/metrics").body, "pktlens_up 1"));
}

TEST_CASE("http: gzip when asked") {
  const auto server = serve({{"127.0.0.1", 0}});
  const uint16_t port = server->bound_ports().at(0);
  const auto plain = http_get("127.0.0.1", port, "/metrics");
  CHECK_FALSE(plain.has_header("Content-Encoding: gzip"));
  const auto zipped = http_request("127.0.0.1", port,
                                   "GET /metrics HTTP/1.1\r\nHost: t\r\nAccept-Encoding: gzip\r\n"
                                   "Connection: close\r\n\r\n");
  CHECK(zipped.status_line == "HTTP/1.1 200 OK");
  CHECK(zipped.has_header("Content-Encoding: gzip"));
  CHECK(zipped.has_header("Vary: Accept-Encoding"));
  CHECK(zipped.body.size() < plain.body.size() / 2);
  const auto unzipped = test::run_command({"gzip", "-dc"}, &zipped.body);
  REQUIRE(unzipped.status == 0);
  CHECK(has_line(unzipped.output, "pktlens_up 1"));
  const auto [code, output] = test::promtool_check(unzipped.output);
  INFO(output);
  CHECK(code == 0);
  // curl's --compressed, as a scraper would.
  const auto curl = test::run_command(
      {"curl", "-sS", "--compressed", "http://127.0.0.1:" + std::to_string(port) + "/metrics"});
  CHECK(has_line(curl.output, "pktlens_up 1"));
}

TEST_CASE("http: one socket serves IPv6 and IPv4 (dual stack)") {
  for (const ListenAddress& a : {ListenAddress{"", 0}, ListenAddress{"::", 0}}) {
    INFO("listen \"" << config::to_string(a) << "\"");
    const auto server = serve({a});
    REQUIRE(server->ipv4_fallbacks().at(0) == false);  // this kernel has IPv6
    const uint16_t port = server->bound_ports().at(0);
    CHECK(has_line(http_get("127.0.0.1", port, "/metrics").body, "pktlens_up 1"));
    CHECK(has_line(http_get("::1", port, "/metrics").body, "pktlens_up 1"));
    // curl over both families, to the same port.
    for (const char* url : {"http://127.0.0.1:", "http://[::1]:"}) {
      const auto r = test::run_command({"curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}",
                                        url + std::to_string(port) + "/metrics"});
      CHECK(r.output == "200");
    }
  }
}

TEST_CASE("http: several listen addresses, IPv4 and IPv6 literals") {
  const auto server = serve({{"127.0.0.1", 0}, {"::1", 0}});
  const auto ports = server->bound_ports();
  REQUIRE(ports.size() == 2);
  CHECK(has_line(http_get("127.0.0.1", ports[0], "/metrics").body, "pktlens_up 1"));
  CHECK(has_line(http_get("::1", ports[1], "/metrics").body, "pktlens_up 1"));
  // An IPv6 literal is that address only: not IPv4 too.
  const auto v6 = serve({{"::1", 0}});
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(v6->bound_ports().at(0));
  inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
  CHECK(connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0);
  close(fd);
}

TEST_CASE("http: a listen address that cannot be had fails with one clear line") {
  const auto server = serve({{"127.0.0.1", 0}});
  const std::string port = std::to_string(server->bound_ports().at(0));
  const uint16_t p = server->bound_ports().at(0);
  const std::string in_use =
      ": address already in use (another pktlensd or exporter on that port?); change "
      "\"listen:\" in the config or --web.listen-address";
  CHECK(error_of({{"127.0.0.1", p}}) == "cannot listen on 127.0.0.1:" + port + in_use);
  // Every address includes 127.0.0.1: taken as well.
  CHECK(error_of({{"", p}}) == "cannot listen on :" + port + in_use);
  // The second of two addresses fails: nothing listens on the first after.
  CHECK(error_of({{"::1", 0}, {"127.0.0.1", p}}) == "cannot listen on 127.0.0.1:" + port + in_use);
  // 192.0.2.1 is TEST-NET-1 (RFC 5737): never configured on a test host.
  CHECK(error_of({{"192.0.2.1", 9586}}) ==
        "cannot listen on 192.0.2.1:9586: address not available (no local interface has this "
        "address); change \"listen:\" in the config or --web.listen-address");
  CHECK(error_of({{"2001:db8::1", 9586}}) ==
        "cannot listen on [2001:db8::1]:9586: address not available (no local interface has "
        "this address); change \"listen:\" in the config or --web.listen-address");
}

TEST_CASE("http: basic auth: right, wrong, missing; verdicts cached") {
  config::WebConfig web;
  web.basic_auth_users = {{"prom", bcrypt_hash("secret")}};
  auto settings = exporter::make_web_settings(web);
  const auto auth = settings.auth;
  const auto server = serve({{"127.0.0.1", 0}}, settings);
  const uint16_t port = server->bound_ports().at(0);
  const auto get = [&](const std::string& header) {
    return http_request(
        "127.0.0.1", port,
        "GET /metrics HTTP/1.1\r\nHost: t\r\n" + header + "Connection: close\r\n\r\n");
  };
  const auto ok = get(basic("prom:secret"));
  CHECK(ok.status_line == "HTTP/1.1 200 OK");
  CHECK(has_line(ok.body, "pktlens_up 1"));
  for (const std::string& header : {std::string(), basic("prom:wrong"), basic("other:secret"),
                                    basic("prom"), std::string("Authorization: Bearer abc\r\n"),
                                    std::string("Authorization: Basic !!!\r\n")}) {
    INFO(header);
    const auto r = get(header);
    CHECK(r.status_line == "HTTP/1.1 401 Unauthorized");
    CHECK(r.has_header("WWW-Authenticate: Basic"));
    CHECK(r.body == "Unauthorized\n");
  }
  // The landing page is behind the same door, as with exporter-toolkit.
  CHECK(http_get("127.0.0.1", port, "/").status_line == "HTTP/1.1 401 Unauthorized");
  // Three bcrypt runs so far (right; wrong password; unknown user); the
  // same credentials again cost none.
  CHECK(auth->bcrypt_runs() == 3);
  CHECK(get(basic("prom:secret")).status_line == "HTTP/1.1 200 OK");
  CHECK(get(basic("prom:wrong")).status_line == "HTTP/1.1 401 Unauthorized");
  CHECK(auth->bcrypt_runs() == 3);
}

TEST_CASE("http: a reload swaps users and headers for the next request") {
  const auto server = serve({{"127.0.0.1", 0}});
  const uint16_t port = server->bound_ports().at(0);
  CHECK(http_get("127.0.0.1", port, "/metrics").status_line == "HTTP/1.1 200 OK");
  config::WebConfig web;
  web.basic_auth_users = {{"prom", bcrypt_hash("secret")}};
  web.headers = {{"X-Frame-Options", "deny"}};
  server->reload(exporter::make_web_settings(web));
  const auto r = http_get("127.0.0.1", port, "/metrics");
  CHECK(r.status_line == "HTTP/1.1 401 Unauthorized");
  CHECK(r.has_header("X-Frame-Options: deny"));
  server->reload({});
  CHECK(http_get("127.0.0.1", port, "/metrics").status_line == "HTTP/1.1 200 OK");
}

TEST_CASE("http: kept-alive connections serve request after request") {
  const auto server = serve({{"127.0.0.1", 0}});
  const int fd = test::connect_to("127.0.0.1", server->bound_ports().at(0));
  // Two pipelined requests, the second closing.
  const std::string two =
      "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\nConnection: "
      "close\r\n\r\n";
  REQUIRE(send(fd, two.data(), two.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(two.size()));
  std::string text;
  char buf[8192];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) text.append(buf, static_cast<size_t>(n));
  close(fd);
  CHECK(text.rfind("HTTP/1.1 200 OK", 0) == 0);
  CHECK(text.find("\r\n\r\nHTTP/1.1 200 OK") == std::string::npos);  // not glued to headers
  std::size_t responses = 0;
  for (std::size_t at = 0; (at = text.find("HTTP/1.1 200 OK\r\n", at)) != std::string::npos; ++at)
    ++responses;
  CHECK(responses == 2);
  CHECK(text.find("<h1>pktlens exporter</h1>") != std::string::npos);
}

TEST_CASE("http: header and idle timeouts close connections that send nothing") {
  exporter::HttpLimits limits;
  limits.header_timeout = std::chrono::milliseconds(300);
  limits.idle_timeout = std::chrono::milliseconds(300);
  const auto server = serve({{"127.0.0.1", 0}}, {}, limits);
  const uint16_t port = server->bound_ports().at(0);

  const int idle = test::connect_to("127.0.0.1", port);
  const int half = test::connect_to("127.0.0.1", port);
  const std::string part = "GET /metrics HTTP/1.1\r\nHost: t\r\nX-Slow: ";
  send(half, part.data(), part.size(), MSG_NOSIGNAL);
  // Bytes trickling in do not extend the deadline.
  const int trickle = test::connect_to("127.0.0.1", port);
  std::thread dribble([trickle] {
    for (int i = 0; i < 30; ++i) {
      if (send(trickle, "a", 1, MSG_NOSIGNAL) != 1) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  // A kept-alive connection after one answer.
  const int kept = test::connect_to("127.0.0.1", port);
  const std::string request = "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n";
  send(kept, request.data(), request.size(), MSG_NOSIGNAL);

  CHECK(closed_within(idle, std::chrono::seconds(5)));
  CHECK(closed_within(half, std::chrono::seconds(5)));
  CHECK(closed_within(trickle, std::chrono::seconds(5)));
  CHECK(closed_within(kept, std::chrono::seconds(5)));  // reads the response, then EOF
  dribble.join();
  for (int fd : {idle, half, trickle, kept}) close(fd);
}

TEST_CASE("http: 200 idle and half-sent connections do not delay a scrape") {
  const auto server = serve({{"127.0.0.1", 0}, {"::1", 0}});
  const uint16_t port = server->bound_ports().at(0);
  std::vector<int> held;
  for (int i = 0; i < 200; ++i) {
    const int fd = test::connect_to("127.0.0.1", port);
    if (i % 2 == 1) {
      const std::string part = "GET /metrics HTTP/1.1\r\nHost: t\r\nX-Slow: ";
      send(fd, part.data(), part.size(), MSG_NOSIGNAL);
    }
    held.push_back(fd);
  }
  http_get("127.0.0.1", port, "/metrics");  // the connections above are all accepted by now
  std::vector<double> ms;
  for (int i = 0; i < 9; ++i) {
    const auto start = Clock::now();
    const auto r = http_get("127.0.0.1", port, "/metrics");
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    REQUIRE(has_line(r.body, "pktlens_up 1"));
  }
  std::sort(ms.begin(), ms.end());
  INFO("scrape times (ms), sorted: " << ms[0] << " ... median " << ms[4] << " ... " << ms[8]);
  CHECK(ms[4] <= 100.0);
  // None of the held connections was closed: 200 is well within the limit.
  int open = 0;
  for (int fd : held) {
    char c;
    if (recv(fd, &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN) ++open;
    close(fd);
  }
  CHECK(open == 200);
}

TEST_CASE("http: at the connection limit the oldest waiting connection makes room") {
  exporter::HttpLimits limits;
  limits.max_connections = 4;
  const auto server = serve({{"127.0.0.1", 0}}, {}, limits);
  const uint16_t port = server->bound_ports().at(0);
  std::vector<int> held;
  for (int i = 0; i < 4; ++i) held.push_back(test::connect_to("127.0.0.1", port));
  // The fifth connection pushes out the oldest idle one, and is answered.
  const auto r = http_get("127.0.0.1", port, "/metrics");
  CHECK(r.status_line == "HTTP/1.1 200 OK");
  CHECK(closed_within(held[0], std::chrono::seconds(2)));
  for (int i = 1; i < 4; ++i) {
    char c;
    CHECK((recv(held[i], &c, 1, MSG_DONTWAIT) < 0 && errno == EAGAIN));
  }
  for (int fd : held) close(fd);
}

TEST_CASE("http: scrapes in flight are bounded (503), and a stuck render is reported") {
  exporter::HttpLimits limits;
  limits.max_scrapes_in_flight = 1;
  limits.stall_after = std::chrono::milliseconds(500);
  limits.heartbeat = std::chrono::milliseconds(50);
  auto blocking = std::make_shared<BlockingCollectable>();
  HttpServer server(
      {{"127.0.0.1", 0}}, blocking, {},
      exporter::ServeOptions{.telemetry_path = "/metrics", .version = "1", .limits = limits});
  const uint16_t port = server.bound_ports().at(0);
  CHECK_FALSE(server.stalled());
  test::HttpResponse first;
  std::thread slow([&] { first = http_get("127.0.0.1", port, "/metrics"); });
  blocking->wait_entered(1);
  const auto second = http_get("127.0.0.1", port, "/metrics");
  CHECK(second.status_line == "HTTP/1.1 503 Service Unavailable");
  CHECK(second.has_header("Retry-After: 1"));
  // The I/O thread is free: the landing page is answered meanwhile.
  CHECK(http_get("127.0.0.1", port, "/").status_line == "HTTP/1.1 200 OK");
  // The render thread is not: the server says so once it is over the limit.
  std::optional<std::string> stuck;
  for (int i = 0; i < 100 && !stuck; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stuck = server.stalled();
  }
  REQUIRE(stuck);
  CHECK(stuck->rfind("the HTTP render thread has been busy with one scrape for ", 0) == 0);
  blocking->release();
  slow.join();
  CHECK(first.status_line == "HTTP/1.1 200 OK");
  bool healthy = false;
  for (int i = 0; i < 100 && !healthy; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    healthy = !server.stalled();
  }
  CHECK(healthy);
}
