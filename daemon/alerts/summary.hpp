// SPDX-License-Identifier: Apache-2.0
// The `summary:` template ({{label}}, {{value}}; validated by the config)
// rendered for a log line, or translated to a Prometheus annotation.
#pragma once

#include <string>
#include <string_view>

#include "alerts/sample.hpp"

namespace pktlens::alerts {

// {{label}} -> its value in `labels` (empty if absent), {{value}} -> the
// value with up to 6 significant digits.
std::string render_summary(std::string_view tmpl, const Labels& labels, double value);
// {{label}} -> {{ $labels.label }}, {{value}} -> {{ $value }}; other text
// that Go templates would read ("{{" cannot remain) is kept literal.
std::string prometheus_summary(std::string_view tmpl);
// "812", "0.95", "1.5e+06": a value for humans.
std::string format_value(double value);

}  // namespace pktlens::alerts
