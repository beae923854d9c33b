// SPDX-License-Identifier: Apache-2.0
#include "top/top_command.hpp"

#include <ncurses.h>

#include <chrono>
#include <csignal>
#include <iostream>
#include <optional>

#include "top/exposition.hpp"
#include "top/rates.hpp"
#include "top/view.hpp"

namespace pktlens::top {

CLI::App* add_top_command(CLI::App& app, TopOptions& o) {
  auto* top = app.add_subcommand(
      "top", "a live view of a running pktlensd (interfaces, top flows, anomalies, drops, "
             "latency) from its /metrics; keys: b/p sort flows by bytes/packets, q quits");
  top->add_option("--url", o.scrape.url, "the /metrics of the pktlensd to watch")
      ->capture_default_str();
  top->add_option("-d,--interval", o.interval_seconds, "seconds between scrapes")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  top->add_option("--flows", o.max_flows, "flows shown at most")->capture_default_str();
  top->add_option("--ca-file", o.scrape.ca_file,
                  "CA certificates (PEM) to verify an https:// server with (default: the system's)");
  top->add_option("--cert-file", o.scrape.cert_file, "client certificate (PEM), with --key-file");
  top->add_option("--key-file", o.scrape.key_file, "its private key (PEM)");
  top->add_option("--username", o.scrape.username, "basic auth user");
  top->add_option("--password-file", o.scrape.password_file,
                  "file with the basic auth password (one line)");
  return top;
}

namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

}  // namespace

int run_top(const TopOptions& options) {
  std::optional<ScrapeClient> client;
  try {
    client.emplace(options.scrape);
  } catch (const ScrapeError& e) {
    std::cerr << "pktlensd top: " << e.what() << '\n';
    return 2;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  initscr();
  cbreak();
  noecho();
  keypad(stdscr, TRUE);
  curs_set(0);
  timeout(100);  // getch() waits at most 100 ms: the loop checks the clock

  using Clock = std::chrono::steady_clock;
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(options.interval_seconds));
  ViewState state{options.scrape.url, options.interval_seconds, SortBy::Bytes, options.max_flows};
  std::optional<Scrape> previous;
  Model model;
  int unchanged = 0;
  auto next = Clock::now();
  while (!g_stop) {
    bool redraw = false;
    if (Clock::now() >= next) {
      try {
        const auto text = client->fetch();
        Scrape current{parse_exposition(text), Clock::now()};
        // The same collection again (top scrapes about as often as pktlensd
        // collects): its rates would be 0. Keep the model, and the older
        // scrape as the base, unless nothing moved for a few scrapes
        // (then 0 is the truth).
        const bool again = previous && same_collection(*previous, current) && ++unchanged < 3;
        if (!again) {
          unchanged = 0;
          model = compute(previous ? &*previous : nullptr, current, state.sort);
          previous = std::move(current);
        }
        state.error.clear();
        state.scraped = true;
      } catch (const std::exception& e) {
        state.error = e.what();
      }
      next += interval;
      if (next < Clock::now()) next = Clock::now() + interval;  // a slow scrape
      redraw = true;
    }
    switch (getch()) {
      case 'q':
      case 'Q':
        g_stop = 1;
        break;
      case 'b':
        state.sort = SortBy::Bytes;
        sort_flows(model.flows, state.sort);
        redraw = true;
        break;
      case 'p':
        state.sort = SortBy::Packets;
        sort_flows(model.flows, state.sort);
        redraw = true;
        break;
      case KEY_RESIZE:
        redraw = true;
        break;
      default:
        break;
    }
    if (redraw && !g_stop) draw(model, state);
  }
  endwin();
  return 0;
}

}  // namespace pktlens::top
