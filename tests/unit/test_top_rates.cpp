// SPDX-License-Identifier: Apache-2.0
// `pktlensd top`'s rate model: two scrapes -> rates, ranking, quantiles.
#include <catch2/catch.hpp>

#include "top/rates.hpp"

using namespace pktlens::top;
using namespace std::chrono_literals;

namespace {

Scrape at(std::chrono::milliseconds t, const std::string& text) {
  return {parse_exposition(text), std::chrono::steady_clock::time_point(t)};
}

std::string flow(const std::string& family, const std::string& dport, double v) {
  return family + R"({interface="vethA",dir="ingress",proto="udp",src="198.18.0.2",dst="198.18.0.1",sport="4000",dport=")" +
         dport + R"(",vlan=""} )" + std::to_string(v) + "\n";
}

}  // namespace

TEST_CASE("rates: interfaces by direction, summed over l3/l4, in bits per second") {
  const auto before = at(0ms,
                         "pktlens_packets_total{interface=\"eth0\",dir=\"ingress\",l3=\"ipv4\",l4=\"tcp\"} 100\n"
                         "pktlens_packets_total{interface=\"eth0\",dir=\"ingress\",l3=\"ipv6\",l4=\"udp\"} 50\n"
                         "pktlens_packets_total{interface=\"eth0\",dir=\"egress\",l3=\"ipv4\",l4=\"tcp\"} 10\n"
                         "pktlens_bytes_total{interface=\"eth0\",dir=\"ingress\",l3=\"ipv4\",l4=\"tcp\"} 1000\n"
                         "pktlens_bytes_total{interface=\"eth0\",dir=\"ingress\",l3=\"ipv6\",l4=\"udp\"} 500\n"
                         "pktlens_bytes_total{interface=\"eth0\",dir=\"egress\",l3=\"ipv4\",l4=\"tcp\"} 100\n");
  const auto after = at(2000ms,
                        "pktlens_packets_total{interface=\"eth0\",dir=\"ingress\",l3=\"ipv4\",l4=\"tcp\"} 300\n"
                        "pktlens_packets_total{interface=\"eth0\",dir=\"ingress\",l3=\"ipv6\",l4=\"udp\"} 150\n"
                        "pktlens_packets_total{interface=\"eth0\",dir=\"egress\",l3=\"ipv4\",l4=\"tcp\"} 30\n"
                        "pktlens_packets_total{interface=\"lo\",dir=\"ingress\",l3=\"ipv4\",l4=\"tcp\"} 5\n"
                        "pktlens_bytes_total{interface=\"eth0\",dir=\"ingress\",l3=\"ipv4\",l4=\"tcp\"} 3000\n"
                        "pktlens_bytes_total{interface=\"eth0\",dir=\"ingress\",l3=\"ipv6\",l4=\"udp\"} 1500\n"
                        "pktlens_bytes_total{interface=\"eth0\",dir=\"egress\",l3=\"ipv4\",l4=\"tcp\"} 300\n");
  const auto m = compute(&before, after, SortBy::Bytes);
  REQUIRE(m.have_rates);
  CHECK(m.seconds == Approx(2));
  REQUIRE(m.interfaces.size() == 2);
  CHECK(m.interfaces[0].name == "eth0");
  CHECK(m.interfaces[0].in_pps == Approx(150));     // (200 + 100) / 2
  CHECK(m.interfaces[0].in_bps == Approx(12000));   // (2000 + 1000) / 2 * 8
  CHECK(m.interfaces[0].out_pps == Approx(10));
  CHECK(m.interfaces[0].out_bps == Approx(800));
  CHECK(m.interfaces[1].name == "lo");  // new: shown, no rate yet
  CHECK(m.interfaces[1].in_pps == 0);
}

TEST_CASE("rates: the first scrape has no rates, but lists interfaces") {
  const auto only = at(0ms, "pktlens_packets_total{interface=\"eth0\",dir=\"ingress\",l3=\"ipv4\",l4=\"tcp\"} 9\n");
  const auto m = compute(nullptr, only, SortBy::Bytes);
  CHECK_FALSE(m.have_rates);
  REQUIRE(m.interfaces.size() == 1);
  CHECK(m.interfaces[0].in_pps == 0);
  CHECK(m.flows.empty());
}

TEST_CASE("rates: a counter that went down was reset and counts from 0") {
  const auto before = at(0ms, "pktlens_packets_total{interface=\"eth0\",dir=\"ingress\"} 1000\n");
  const auto after = at(1000ms, "pktlens_packets_total{interface=\"eth0\",dir=\"ingress\"} 40\n");
  const auto m = compute(&before, after, SortBy::Bytes);
  CHECK(m.interfaces.at(0).in_pps == Approx(40));
}

TEST_CASE("rates: flows ranked by bytes or by packets; flows of one scrape only are left out") {
  // 7001: many small packets; 7002: few large ones; 7003 only in the second scrape.
  const auto before = at(0ms, flow("pktlens_flow_packets_total", "7001", 0) +
                                  flow("pktlens_flow_bytes_total", "7001", 0) +
                                  flow("pktlens_flow_packets_total", "7002", 0) +
                                  flow("pktlens_flow_bytes_total", "7002", 0));
  const auto after = at(1000ms, flow("pktlens_flow_packets_total", "7001", 1000) +
                                    flow("pktlens_flow_bytes_total", "7001", 60000) +
                                    flow("pktlens_flow_packets_total", "7002", 100) +
                                    flow("pktlens_flow_bytes_total", "7002", 140000) +
                                    flow("pktlens_flow_packets_total", "7003", 1e6) +
                                    flow("pktlens_flow_bytes_total", "7003", 1e9));
  auto m = compute(&before, after, SortBy::Bytes);
  REQUIRE(m.flows.size() == 2);
  CHECK(m.flows[0].dport == "7002");
  CHECK(m.flows[0].bps == Approx(1120000));
  CHECK(m.flows[0].pps == Approx(100));
  CHECK(m.flows[0].src == "198.18.0.2");
  CHECK(m.flows[0].proto == "udp");
  CHECK(m.flows[1].dport == "7001");
  sort_flows(m.flows, SortBy::Packets);
  CHECK(m.flows[0].dport == "7001");
  CHECK(m.flows[1].dport == "7002");
  const auto by_packets = compute(&before, after, SortBy::Packets);
  CHECK(by_packets.flows[0].dport == "7001");
}

TEST_CASE("rates: anomalies by kind and drops by reason, only those seen, highest total first") {
  const auto before = at(0ms,
                         "pktlens_anomalies_total{interface=\"a\",dir=\"ingress\",kind=\"land\"} 0\n"
                         "pktlens_anomalies_total{interface=\"a\",dir=\"ingress\",kind=\"truncated\"} 10\n"
                         "pktlens_anomalies_total{interface=\"b\",dir=\"egress\",kind=\"truncated\"} 5\n"
                         "pktlens_drops_total{reason=\"NO_SOCKET\"} 3\n");
  const auto after = at(500ms,
                        "pktlens_anomalies_total{interface=\"a\",dir=\"ingress\",kind=\"land\"} 0\n"
                        "pktlens_anomalies_total{interface=\"a\",dir=\"ingress\",kind=\"truncated\"} 20\n"
                        "pktlens_anomalies_total{interface=\"b\",dir=\"egress\",kind=\"truncated\"} 5\n"
                        "pktlens_anomalies_total{interface=\"a\",dir=\"ingress\",kind=\"fragment\"} 1\n"
                        "pktlens_drops_total{reason=\"NO_SOCKET\"} 4\n"
                        "pktlens_drops_total{reason=\"SOCKET_RCVBUFF\"} 100\n");
  const auto m = compute(&before, after, SortBy::Bytes);
  REQUIRE(m.anomalies.size() == 2);  // land never seen
  CHECK(m.anomalies[0].what == "truncated");
  CHECK(m.anomalies[0].total == 25);
  CHECK(m.anomalies[0].per_second == Approx(20));
  CHECK(m.anomalies[1].what == "fragment");
  CHECK(m.anomalies[1].per_second == 0);  // not in the first scrape: no rate
  REQUIRE(m.drops.size() == 2);
  CHECK(m.drops[0].what == "SOCKET_RCVBUFF");
  CHECK(m.drops[1].what == "NO_SOCKET");
  CHECK(m.drops[1].per_second == Approx(2));
}

TEST_CASE("rates: histogram_quantile as Prometheus computes it") {
  CHECK_FALSE(histogram_quantile(0.5, {}));
  CHECK_FALSE(histogram_quantile(0.5, {{1, 0}, {INFINITY, 0}}));  // no observations
  CHECK_FALSE(histogram_quantile(0.5, {{1, 5}}));                 // no +Inf bucket
  // 10 in (0, 0.1], 10 in (0.1, 0.2], none above.
  const std::vector<std::pair<double, double>> b{{0.1, 10}, {0.2, 20}, {INFINITY, 20}};
  CHECK(*histogram_quantile(0.5, b) == Approx(0.1));
  CHECK(*histogram_quantile(0.25, b) == Approx(0.05));
  CHECK(*histogram_quantile(0.75, b) == Approx(0.15));
  CHECK(*histogram_quantile(0.99, b) == Approx(0.198));
  // In the +Inf bucket: the highest finite bound.
  CHECK(*histogram_quantile(0.99, {{0.1, 1}, {INFINITY, 10}}) == Approx(0.1));
}

TEST_CASE("rates: latency quantiles per histogram series") {
  const auto s = at(0ms,
                    "pktlens_tcp_rtt_seconds_bucket{interface=\"eth0\",le=\"0.001\"} 50\n"
                    "pktlens_tcp_rtt_seconds_bucket{interface=\"eth0\",le=\"0.01\"} 100\n"
                    "pktlens_tcp_rtt_seconds_bucket{interface=\"eth0\",le=\"+Inf\"} 100\n"
                    "pktlens_tcp_rtt_seconds_sum{interface=\"eth0\"} 0.3\n"
                    "pktlens_tcp_rtt_seconds_count{interface=\"eth0\"} 100\n"
                    "pktlens_tcp_srtt_seconds_bucket{le=\"+Inf\"} 0\n");
  const auto m = compute(nullptr, s, SortBy::Bytes);
  REQUIRE(m.latency.size() == 2);
  CHECK(m.latency[0].what == "rtt eth0");
  CHECK(m.latency[0].count == 100);
  CHECK(*m.latency[0].p50 == Approx(0.001));
  CHECK(*m.latency[0].p90 == Approx(0.001 + 0.009 * 0.8));
  CHECK(m.latency[1].what == "srtt");
  CHECK_FALSE(m.latency[1].p50);
}

TEST_CASE("rates: same_collection compares pktlens counters only") {
  const auto a = at(0ms, "pktlens_packets_total{interface=\"a\"} 5\nprocess_cpu_seconds_total 1\npktlens_up 1\n");
  const auto b = at(1000ms, "pktlens_packets_total{interface=\"a\"} 5\nprocess_cpu_seconds_total 2\npktlens_up 0\n");
  const auto c = at(2000ms, "pktlens_packets_total{interface=\"a\"} 6\nprocess_cpu_seconds_total 2\n");
  CHECK(same_collection(a, b));
  CHECK_FALSE(same_collection(b, c));
}
