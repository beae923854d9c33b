// SPDX-License-Identifier: Apache-2.0
// The endpoint's own metrics, under the names prometheus-cpp's Exposer gave
// them while pktlensd used it (docs/metrics.md): exposer_scrapes_total,
// exposer_transferred_bytes_total and the exposer_request_latencies summary
// in microseconds. Metric names do not change, so the HTTP server keeps
// them. Kept in a prometheus::Registry: thread-safe, and the same text.
#pragma once

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <prometheus/summary.h>

#include <chrono>
#include <cstddef>
#include <memory>

namespace pktlens::exporter {

class ScrapeStats {
 public:
  ScrapeStats();

  // One scrape answered: `bytes` of body sent (compressed size when
  // gzipped), `took` from the request's arrival to the last byte written.
  void observe(std::size_t bytes, std::chrono::steady_clock::duration took);

  // Collected with the metrics, before them (as the Exposer did).
  std::shared_ptr<prometheus::Collectable> collectable() const { return registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Counter& bytes_;
  prometheus::Counter& scrapes_;
  prometheus::Summary& latencies_;
};

}  // namespace pktlens::exporter
