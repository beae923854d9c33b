// SPDX-License-Identifier: Apache-2.0
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "service/check_config.hpp"

using pktlens::service::check_config;

namespace {

struct TempFile {
  std::string path = std::string(P_tmpdir) + "/pktlens-check-config-test.yaml";
  explicit TempFile(const std::string& text) { std::ofstream(path) << text; }
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
