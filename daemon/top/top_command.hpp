// SPDX-License-Identifier: Apache-2.0
// `pktlensd top`: the subcommand's options and its loop (scrape every
// interval, compute rates, draw, read keys). It reads a running pktlensd's
// /metrics only, never the maps: it changes nothing pktlensd counts.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>

#include "top/scrape_client.hpp"

namespace pktlens::top {

struct TopOptions {
  ScrapeOptions scrape;
  double interval_seconds = 1;
  std::size_t max_flows = 10;
};

// Registers `top` on `app`, its options into `options`.
CLI::App* add_top_command(CLI::App& app, TopOptions& options);

// Runs until `q` (exit 0), SIGINT or SIGTERM (exit 0); 2 on bad options.
int run_top(const TopOptions& options);

}  // namespace pktlens::top
