// SPDX-License-Identifier: Apache-2.0
// What the engine takes in and gives out: plain values, no kernel, no
// Prometheus types.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "config/config.hpp"

namespace pktlens::alerts {

// Label name -> value, in a fixed order: the signal's label order for
// samples, the alert's `by` order for series.
using Labels = std::vector<std::pair<std::string, std::string>>;

// One series of one signal at one evaluation.
struct Sample {
  std::string signal;  // a catalog name
  Labels labels;       // every label of the signal
  double value = 0;

  bool operator==(const Sample&) const = default;
};

// A label set of an alert that is pending (above, waiting for `for`) or firing.
struct SeriesStatus {
  std::string alert;
  config::Severity severity = config::Severity::warning;
  Labels labels;     // the alert's `by` labels
  double value = 0;  // at the last evaluation; 0 when the series had no sample
  bool firing = false;

  bool operator==(const SeriesStatus&) const = default;
};

// An alert that started firing or resolved at this evaluation.
struct Transition {
  SeriesStatus series;  // firing: the new state
  std::string summary;  // rendered with the labels and value
  double above = 0;     // the threshold, for the log line

  bool operator==(const Transition&) const = default;
};

}  // namespace pktlens::alerts
