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
#include <string>
#include <vector>

namespace pktlens::test {

std::string serialize(const std::vector<prometheus::MetricFamily>& families) {
  std::ostringstream out;
  prometheus::TextSerializer{}.Serialize(out, families);
  return out.str();
}

std::vector<std::string> samples_of(const std::string& text, const std::string& name) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l.rfind(name, 0) != 0) continue;
    const std::string rest = l.substr(name.size());
    for (const char* suffix : {"{", " ", "_bucket{", "_sum{", "_sum ", "_count{", "_count "})
      if (rest.rfind(suffix, 0) == 0) {
        out.push_back(l);
        break;
      }
  }
  return out;
}

bool declared_without_series(const std::string& text, const std::string& name) {
  const bool help = text.rfind("# HELP " + name + " ", 0) == 0 ||
                    text.find("\n# HELP " + name + " ") != std::string::npos;
  const bool type = text.find("# TYPE " + name + " ") != std::string::npos;
  return help && type && samples_of(text, name).empty();
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
