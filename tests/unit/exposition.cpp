// SPDX-License-Identifier: Apache-2.0
#include "exposition.hpp"

#include <prometheus/text_serializer.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

namespace pktlens::test {

std::string serialize(const std::vector<prometheus::MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer{}.Serialize(out, families);
  return out.str();
}

std::pair<int, std::string> promtool_check(const std::string& text) {
  if (std::system("command -v promtool >/dev/null 2>&1") != 0)
    FAIL("promtool not found in PATH: install the `prometheus` package (scripts/deps.sh)");
  char out_path[] = "/tmp/pktlens_promtool_XXXXXX";
  const int fd = mkstemp(out_path);
  REQUIRE(fd >= 0);
  close(fd);
  const std::string cmd = std::string("promtool check metrics >") + out_path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "w");
  REQUIRE(p != nullptr);
  fwrite(text.data(), 1, text.size(), p);
  const int status = pclose(p);
  std::ifstream in(out_path);
  std::string output((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  unlink(out_path);
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return {code, output};
}

}  // namespace pktlens::test
