// SPDX-License-Identifier: Apache-2.0
// Help texts and quantiles as prometheus-cpp 1.0.1's MetricsHandler has
// them, so a scrape reads as it did with the Exposer.
#include "exporter/scrape_stats.hpp"

namespace pktlens::exporter {
namespace {

prometheus::Counter& counter(prometheus::Registry& r, const char* name, const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r).Add({});
}

}  // namespace

ScrapeStats::ScrapeStats()
    : registry_(std::make_shared<prometheus::Registry>()),
      bytes_(counter(*registry_, "exposer_transferred_bytes_total",
                     "Transferred bytes to metrics services")),
      scrapes_(
          counter(*registry_, "exposer_scrapes_total", "Number of times metrics were scraped")),
      latencies_(
          prometheus::BuildSummary()
              .Name("exposer_request_latencies")
              .Help("Latencies of serving scrape requests, in microseconds")
              .Register(*registry_)
              .Add({}, prometheus::Summary::Quantiles{{0.5, 0.05}, {0.9, 0.01}, {0.99, 0.001}})) {}

void ScrapeStats::observe(std::size_t bytes, std::chrono::steady_clock::duration took) {
  latencies_.Observe(
      static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(took).count()));
  bytes_.Increment(static_cast<double>(bytes));
  scrapes_.Increment();
}

}  // namespace pktlens::exporter
