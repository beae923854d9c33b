// SPDX-License-Identifier: Apache-2.0
// The screen of `pktlensd top`: draws a Model with ncurses (initscr is the
// caller's), clipped to the terminal. Knows nothing of HTTP or metric names.
#pragma once

#include <cstddef>
#include <string>

#include "top/rates.hpp"

namespace pktlens::top {

struct ViewState {
  std::string url;
  double interval_seconds = 1;
  SortBy sort = SortBy::Bytes;
  std::size_t max_flows = 10;
  std::string error;  // of the last scrape, "" when it worked
  bool scraped = false;  // at least one scrape worked
};

void draw(const Model& model, const ViewState& state);

// 1234567 -> "1.23M", 999 -> "999": SI prefixes, three significant digits.
std::string human(double value);

}  // namespace pktlens::top
