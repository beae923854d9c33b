// SPDX-License-Identifier: Apache-2.0
// The /metrics endpoint over real HTTP on loopback: exact lines of a
// scrape, promtool on the whole scrape, the one-line errors for a taken
// port / foreign address / IPv6 without support, and the civetweb
// listening_ports mapping.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "exporter/http_server.hpp"
#include "exporter/snapshot_collectable.hpp"
#include "exposition.hpp"

using namespace pktlens;
using config::ListenAddress;
using exporter::HttpServer;

namespace {

struct Response {
  std::string status_line;
  std::vector<std::string> headers;
  std::string body;
};

// A minimal HTTP/1.0 client (the server closes after the response, so the
// body is everything up to EOF): no dependency beyond the socket API.
Response http_get(const std::string& host, uint16_t port, const std::string& path) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (host.find(':') != std::string::npos) {
    auto& a = reinterpret_cast<sockaddr_in6&>(ss);
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    REQUIRE(inet_pton(AF_INET6, host.c_str(), &a.sin6_addr) == 1);
    len = sizeof a;
  } else {
    auto& a = reinterpret_cast<sockaddr_in&>(ss);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    REQUIRE(inet_pton(AF_INET, host.c_str(), &a.sin_addr) == 1);
    len = sizeof a;
  }
  const int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  const timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&ss), len) != 0) {
    const int err = errno;
    close(fd);
    FAIL("connect to " << host << ":" << port << ": " << std::strerror(err));
  }
  const std::string request = "GET " + path + " HTTP/1.0\r\nHost: test\r\n\r\n";
  REQUIRE(send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size()));
  std::string raw;
  char buf[4096];
  for (ssize_t n; (n = recv(fd, buf, sizeof buf, 0)) > 0;) raw.append(buf, static_cast<size_t>(n));
  close(fd);

  Response r;
  const auto end = raw.find("\r\n\r\n");
  REQUIRE(end != std::string::npos);
  std::istringstream head(raw.substr(0, end));
  std::getline(head, r.status_line);
  if (!r.status_line.empty() && r.status_line.back() == '\r') r.status_line.pop_back();
  for (std::string l; std::getline(head, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    r.headers.push_back(l);
  }
  r.body = raw.substr(end + 4);
  return r;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

bool has_line(const std::string& text, const std::string& line) {
  for (const auto& l : lines(text))
    if (l == line) return true;
  return false;
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

std::string error_of(const ListenAddress& a) {
  try {
    HttpServer server(a, std::make_shared<exporter::SnapshotCollectable>("x"));
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("http: listening_ports for each listen form") {
  CHECK(exporter::listening_ports_option({"", 9586}, true) == "+9586");
  CHECK(exporter::listening_ports_option({"", 9586}, false) == "9586");
  CHECK(exporter::listening_ports_option({"127.0.0.1", 9586}, false) == "127.0.0.1:9586");
  CHECK(exporter::listening_ports_option({"127.0.0.1", 9586}, true) == "127.0.0.1:9586");
  CHECK(exporter::listening_ports_option({"::1", 9586}, true) == "[::1]:9586");
  CHECK(exporter::listening_ports_option({"2001:db8::1", 0}, true) == "[2001:db8::1]:0");
  CHECK_THROWS_WITH(exporter::listening_ports_option({"::1", 9586}, false),
                    "cannot listen on [::1]:9586: the civetweb library in use has no IPv6 "
                    "support (Debian's libcivetweb1 is built without it); use an IPv4 "
                    "address, or \":9586\" for every IPv4 address; change \"listen:\" in "
                    "the config");
}

TEST_CASE("http: a scrape of /metrics over loopback") {
  HttpServer server({"127.0.0.1", 0}, published_collectable());
  const uint16_t port = server.bound_port();
  REQUIRE(port != 0);
  const Response r = http_get("127.0.0.1", port, "/metrics");
  CHECK(r.status_line == "HTTP/1.1 200 OK");
  CHECK(std::find(r.headers.begin(), r.headers.end(), "Content-Type: text/plain; charset=utf-8") !=
        r.headers.end());
  for (const char* line :
       {"pktlens_packets_total{interface=\"eth0\",dir=\"ingress\",l3=\"ipv6\",l4=\"udp\"} 2",
        "pktlens_flows_active 1",
        "pktlens_flow_packets_total{interface=\"eth0\",dir=\"ingress\",proto=\"udp\","
        "src=\"2001:db8::1\",dst=\"2001:db8::2\",sport=\"5353\",dport=\"53\",vlan=\"10.20\"} 2",
        "pktlens_flow_bytes_total{interface=\"eth0\",dir=\"ingress\",proto=\"udp\","
        "src=\"2001:db8::1\",dst=\"2001:db8::2\",sport=\"5353\",dport=\"53\",vlan=\"10.20\"} 180",
        "pktlens_build_info{version=\"1.2.3\",abi=\"2\"} 1", "pktlens_up 1",
        "pktlens_collect_duration_seconds 0.25", "pktlens_collect_errors_total 0"}) {
    INFO(line);
    CHECK(has_line(r.body, line));
  }
  // prometheus-cpp adds its own scrape counters to the endpoint; only ours,
  // the process's and those are there.
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

  SECTION("the whole scrape passes promtool check metrics") {
    const auto [code, output] = test::promtool_check(r.body);
    INFO(output);
    CHECK(code == 0);
    CHECK(output.empty());
  }
  SECTION("other paths are 404") {
    // civetweb answers its own errors in the request's HTTP version.
    CHECK(http_get("127.0.0.1", port, "/").status_line == "HTTP/1.0 404 Not Found");
  }
  SECTION("a second server on the same port fails with one clear line") {
    CHECK(error_of({"127.0.0.1", port}) ==
          "cannot listen on 127.0.0.1:" + std::to_string(port) +
              ": address already in use (another pktlensd or exporter on that port?); change "
              "\"listen:\" in the config");
    // Every address includes 127.0.0.1: taken as well.
    CHECK(error_of({"", port}) ==
          "cannot listen on :" + std::to_string(port) +
              ": address already in use (another pktlensd or exporter on that port?); change "
              "\"listen:\" in the config");
  }
}

TEST_CASE("http: before the first publish /metrics serves pktlens_up 0") {
  HttpServer server({"127.0.0.1", 0}, std::make_shared<exporter::SnapshotCollectable>("1.2.3"));
  const Response r = http_get("127.0.0.1", server.bound_port(), "/metrics");
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

TEST_CASE("http: every address serves loopback too") {
  HttpServer server({"", 0}, published_collectable());
  CHECK(server.ipv4_only() == !exporter::civetweb_has_ipv6());
  CHECK(has_line(http_get("127.0.0.1", server.bound_port(), "/metrics").body, "pktlens_up 1"));
  if (exporter::civetweb_has_ipv6())
    CHECK(has_line(http_get("::1", server.bound_port(), "/metrics").body, "pktlens_up 1"));
}

TEST_CASE("http: an address no interface has fails with one clear line") {
  // 192.0.2.1 is TEST-NET-1 (RFC 5737): never configured on a test host.
  CHECK(error_of({"192.0.2.1", 9586}) ==
        "cannot listen on 192.0.2.1:9586: address not available (no local interface has this "
        "address); change \"listen:\" in the config");
}

TEST_CASE("http: IPv6 loopback") {
  if (exporter::civetweb_has_ipv6()) {
    HttpServer server({"::1", 0}, published_collectable());
    CHECK(has_line(http_get("::1", server.bound_port(), "/metrics").body, "pktlens_up 1"));
  } else {
    // Debian's civetweb: the limitation is reported, not a generic failure.
    CHECK(error_of({"::1", 9586}) ==
          "cannot listen on [::1]:9586: the civetweb library in use has no IPv6 support "
          "(Debian's libcivetweb1 is built without it); use an IPv4 address, or \":9586\" for "
          "every IPv4 address; change \"listen:\" in the config");
  }
}
