// SPDX-License-Identifier: Apache-2.0
// pktlensd's self metrics: the exact exposition text.

#include <catch2/catch.hpp>
#include <string>

#include "bpf/abi.hpp"
#include "exporter/self_metrics.hpp"
#include "exposition.hpp"

using namespace pktlens;
using test::serialize;

TEST_CASE("self metrics: golden text") {
  exporter::SelfStats self;
  self.last_collect_seconds = 0.0125;
  self.last_collect_ok = true;
  self.collect_errors = 3;
  CHECK(
      serialize(exporter::render_self(self, "1.2.3")) ==
      R"golden(# HELP pktlens_build_info pktlensd build: version and kernel/user map ABI version; always 1.
# TYPE pktlens_build_info gauge
pktlens_build_info{version="1.2.3",abi="2"} 1
# HELP pktlens_collect_duration_seconds Wall time of the last collection of the maps.
# TYPE pktlens_collect_duration_seconds gauge
pktlens_collect_duration_seconds 0.0125
# HELP pktlens_up 1 if the last collection of the maps succeeded, else 0.
# TYPE pktlens_up gauge
pktlens_up 1
# HELP pktlens_collect_errors_total Collections of the maps that failed.
# TYPE pktlens_collect_errors_total counter
pktlens_collect_errors_total 3
# HELP pktlens_flow_cache_cpus CPUs whose flow cache the last collection flushed; the others count every packet in the flow table directly.
# TYPE pktlens_flow_cache_cpus gauge
)golden");
}

TEST_CASE("self metrics: the flow cache's CPUs, with flow caches") {
  exporter::SelfStats self;
  self.flow_cache = true;
  self.flow_cache_cpus = 2;
  const std::string text = serialize(exporter::render_self(self, "dev"));
  CHECK(text.find("\npktlens_flow_cache_cpus 2\n") != std::string::npos);
}

TEST_CASE("self metrics: a failed last cycle is pktlens_up 0") {
  exporter::SelfStats self;
  self.last_collect_ok = false;
  const std::string text = serialize(exporter::render_self(self, "dev"));
  CHECK(text.find("\npktlens_up 0\n") != std::string::npos);
  CHECK(text.find("pktlens_build_info{version=\"dev\",abi=\"" +
                  std::to_string(PKTLENS_ABI_VERSION) + "\"} 1\n") != std::string::npos);
}
