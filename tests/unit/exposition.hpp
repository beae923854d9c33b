// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the exporter tests: exposition text of metric families
// and `promtool check metrics` on it.
#pragma once

#include <prometheus/metric_family.h>

#include <string>
#include <utility>
#include <vector>

namespace pktlens::test {

// The text format (0.0.4) of `families`, as /metrics serves it.
std::string serialize(const std::vector<prometheus::MetricFamily>& families);

// The sample lines of family `name` in `text`: `name{...} v`, `name v`, and
// for histograms `name_bucket`, `name_sum`, `name_count`.
std::vector<std::string> samples_of(const std::string& text, const std::string& name);

// True when `text` has the HELP and TYPE lines of family `name` and no
// sample of it: the family is declared without a series.
bool declared_without_series(const std::string& text, const std::string& name);

// Runs `promtool check metrics` on `text`; returns its exit status and
// combined output. Fails the test when promtool is not installed: the
// check is part of the metrics contract, never silently skipped.
std::pair<int, std::string> promtool_check(const std::string& text);

}  // namespace pktlens::test
