// SPDX-License-Identifier: Apache-2.0
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "service/check_config.hpp"

using pktlens::service::check_config;

namespace {

// CTest runs each case as a process of its own, several at once: a file
// of its own for each.
struct TempFile {
  std::string path;
  explicit TempFile(const std::string& text) {
    std::string name = std::string(P_tmpdir) + "/pktlens-check-config-XXXXXX.yaml";
    const int fd = ::mkstemps(name.data(), 5);
    if (fd < 0) throw std::runtime_error("mkstemps failed");
    ::close(fd);
    path = name;
    std::ofstream(path) << text;
  }
  ~TempFile() { std::remove(path.c_str()); }
};

}  // namespace

TEST_CASE("check-config prints the effective config of a valid file", "[check-config]") {
  TempFile f("interval: 10s\nflows:\n  top_k: 50\n");
  std::ostringstream out, err;
  CHECK(check_config(f.path, out, err) == 0);
  CHECK(err.str().empty());
  CHECK_THAT(out.str(), Catch::StartsWith("# " + f.path + ": valid; effective configuration:\n"));
  CHECK_THAT(out.str(), Catch::Contains("\ninterval: 10s\n") && Catch::Contains("  top_k: 50\n") &&
                            Catch::Contains("\nattach: tc\n"));
}

TEST_CASE("check-config names file, line and column of a mistake and fails", "[check-config]") {
  TempFile f("attach: tc\nintervall: 5s\n");
  std::ostringstream out, err;
  CHECK(check_config(f.path, out, err) == 1);
  CHECK(out.str().empty());
  CHECK_THAT(err.str(), Catch::StartsWith(f.path + ":2:1: unknown key 'intervall'"));
}

TEST_CASE("check-config of a missing file fails with the reason", "[check-config]") {
  std::ostringstream out, err;
  CHECK(check_config("/nonexistent/pktlens.yaml", out, err) == 1);
  CHECK_THAT(err.str(), Catch::Contains("/nonexistent/pktlens.yaml") &&
                            Catch::Contains("No such file or directory"));
}

TEST_CASE("check-config reports a bad alert at its position", "[check-config][alerts]") {
  TempFile f("alerts:\n  - name: A\n    signal: packet_rate\n    by: [dst]\n    above: 5\n");
  std::ostringstream out, err;
  CHECK(check_config(f.path, out, err) == 1);
  CHECK(out.str().empty());
  CHECK(err.str() == f.path +
                         ":4:10: alerts[1].by: signal packet_rate has no label 'dst' (expected "
                         "labels of packet_rate: interface, dir)\n");
}

TEST_CASE("check-config refuses a FIFO, a directory or a device at once", "[check-config]") {
  // A FIFO used to hang the reader forever, waiting for a writer.
  const std::string fifo =
      std::string(P_tmpdir) + "/pktlens-check-config-fifo-" + std::to_string(::getpid());
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  for (const auto& [path, what] : {std::pair<std::string, std::string>{fifo, "a FIFO"},
                                   {std::string(P_tmpdir), "a directory"},
                                   {"/dev/null", "a character device"}}) {
    INFO(path);
    std::ostringstream out, err;
    CHECK(check_config(path, out, err) == 1);
    CHECK_THAT(err.str(),
               Catch::StartsWith(path) && Catch::Contains(what + " (expected a regular file)"));
  }
  ::unlink(fifo.c_str());
}

TEST_CASE("check-config refuses a listen address no interface of this host has", "[check-config]") {
  // 198.18.0.0/15 is for tests; no interface of the test host has this one.
  TempFile f("interval: 5s\nlisten: \"198.19.255.254:9586\"\n");
  std::ostringstream out, err;
  CHECK(check_config(f.path, out, err) == 1);
  CHECK(out.str().empty());
  CHECK(err.str() == f.path +
                         ":2:9: listen: cannot listen on 198.19.255.254:9586: address not "
                         "available (no local interface has this address) (expected an address "
                         "of this host, or \"\" for every address, e.g. ':9586')\n");
  // The start refuses it with the same message, before anything is attached.
  const auto cfg = pktlens::config::load_config_file(f.path);
  try {
    pktlens::service::check_listen_on_host(cfg, f.path);
    FAIL("no error");
  } catch (const pktlens::config::ConfigError& e) {
    CHECK(std::string(e.what()) + "\n" == err.str());
  }
  // A local address passes, whatever its port (the running pktlensd's).
  TempFile ok("listen: \"127.0.0.1:9586\"\n");
  std::ostringstream out2, err2;
  CHECK(check_config(ok.path, out2, err2) == 0);
}

TEST_CASE("check-config refuses an alert match that can never match", "[check-config][alerts]") {
  const auto error = [](const std::string& yaml) {
    TempFile f(yaml);
    std::ostringstream out, err;
    CHECK(check_config(f.path, out, err) == 1);
    const std::string prefix = f.path + ":";
    return err.str().starts_with(prefix) ? err.str().substr(prefix.size()) : err.str();
  };
  const auto alert = [](const std::string& signal, const std::string& match) {
    return "alerts:\n  - name: A\n    signal: " + signal + "\n    match: " + match +
           "\n    above: 1\n";
  };
  // Outside a fixed vocabulary.
  CHECK(error(alert("anomaly_rate", "{kind: lands}")) ==
        "4:19: alerts[1].match.kind: 'lands' is no kind (one of truncated, bad_ip_header, "
        "bad_ip_length, ttl_expired, land, tcp_null, tcp_xmas, tcp_syn_fin, tcp_syn_rst, "
        "bad_tcp_offset, fragment, tiny_fragment, ip_options, oversize), so the alert could "
        "never match (expected a value the label can have)\n");
  CHECK(error(alert("anomaly_rate", "{dir: in}")) ==
        "4:18: alerts[1].match.dir: 'in' is no dir (one of ingress, egress), so the alert could "
        "never match (expected a value the label can have)\n");
  // A value no packet can produce, or not as the collector writes it.
  CHECK_THAT(error(alert("udp_rate", "{dport: 70000}")),
             Catch::StartsWith("4:20: alerts[1].match.dport: '70000' is no port as exported"));
  CHECK_THAT(error(alert("udp_rate", "{dport: \"053\"}")),
             Catch::StartsWith("4:20: alerts[1].match.dport: '053' is no port"));
  CHECK_THAT(error(alert("scan_ports", "{src: \"198.18.0.01\"}")),
             Catch::StartsWith("4:18: alerts[1].match.src: '198.18.0.01' is no address"));
  CHECK_THAT(error(alert("icmp_echo_rate", "{dst: \"FD00::1\"}")),
             Catch::StartsWith("4:18: alerts[1].match.dst: 'FD00::1' is no address"));
  CHECK_THAT(error(alert("drop_rate", "{reason: no_socket}")),
             Catch::StartsWith("4:21: alerts[1].match.reason: 'no_socket' is no drop reason"));
  // Names the config does not count.
  CHECK(error("interfaces: [eth0]\n" + alert("packet_rate", "{interface: eth1}")) ==
        "5:24: alerts[1].match.interface: 'eth1' is not among the configured interfaces, so the "
        "alert could never match (expected a name under interfaces)\n");
  CHECK(error("networks:\n  lan: {prefixes: [198.18.0.0/24]}\n" +
              alert("network_byte_rate", "{network: wan}")) ==
        "6:22: alerts[1].match.network: 'wan' is not among the configured networks, so the alert "
        "could never match (expected a name under networks)\n");

  // What can match passes.
  for (const std::string& yaml :
       {alert("anomaly_rate", "{kind: land, dir: ingress}"), alert("udp_rate", "{dport: \"53\"}"),
        alert("scan_ports", "{src: \"fd00::1\"}"), alert("drop_rate", "{reason: NO_SOCKET}"),
        "interfaces: [eth0]\n" + alert("packet_rate", "{interface: unregistered}")}) {
    INFO(yaml);
    TempFile f(yaml);
    std::ostringstream out, err;
    CHECK(check_config(f.path, out, err) == 0);
    CHECK(err.str().empty());
  }
}
