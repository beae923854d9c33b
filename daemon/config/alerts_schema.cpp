// SPDX-License-Identifier: Apache-2.0
// Each entry is read in two passes: read_mapping checks each key on its own
// (types, ranges, durations), then the checks between keys run in a fixed
// order (required keys, signal, by, match, summary), since `by` may be
// written before the `signal` it refers to.
#include "alerts_schema.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>

#include "ifname.hpp"
#include "limits.hpp"
#include "names.hpp"
#include "quote.hpp"
#include "read_enum.hpp"
#include "signals/catalog.hpp"
#include "signals/label_values.hpp"
#include "suggest.hpp"

namespace pktlens::config::detail {

const char* const kExpectAlerts = "a list of alerts, each a mapping with name, signal and above";

namespace {

using namespace std::chrono_literals;

constexpr DurationLimits kAlertDuration{.min = 0ms, .max = 24h, .example = "10s"};
constexpr double kMaxThreshold = 1e15;
const std::string kExpectName = "a name of letters, digits and _, not starting with a digit";
const std::string kExpectAbove =
    "a number from 0 to " + format_number(kMaxThreshold) + ", e.g. 500 or 0.9";
const std::string kExpectSeverity = enum_expected(kSeverities);
const std::string kExpectSummary = "a text; {{LABEL}} for a label of by, {{value}} for the value";
const std::string kExpectBy = "a list of labels of the signal, e.g. [dst, dport]";
const std::string kExpectMatch = "a mapping of labels of the signal to values, e.g. {kind: land}";

bool is_name(std::string_view s) {
  if (s.empty() || (s.front() >= '0' && s.front() <= '9')) return false;
  for (char c : s) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? — what YAML and PromQL both
// read as the same number.
bool is_number_text(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&] {
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - start;
  };
  if (i < s.size() && s[i] == '-') ++i;
  const std::size_t int_start = i;
  const std::size_t n = digits();
  if (n == 0 || (n > 1 && s[int_start] == '0')) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

double read_threshold(const Source& src, const YAML::Node& node, const std::string& path) {
  const bool plain =
      node.IsScalar() && (node.Tag() == "?" || node.Tag() == "tag:yaml.org,2002:int" ||
                          node.Tag() == "tag:yaml.org,2002:float");
  if (!plain) src.fail(node.Mark(), path, "got " + describe(node), kExpectAbove);
  const std::string& s = node.Scalar();
  if (!is_number_text(s)) src.fail(node.Mark(), path, quote(s) + " is not a number", kExpectAbove);
  // strtod, not stod: beyond double's range is HUGE_VAL here, not an exception.
  const double value = std::strtod(s.c_str(), nullptr);
  if (value < 0) src.fail(node.Mark(), path, quote(s) + " is negative", kExpectAbove);
  if (!(value <= kMaxThreshold))
    src.fail(node.Mark(), path, quote(s) + " is out of range", kExpectAbove);
  return value == 0 ? 0.0 : value;  // -0 reads as 0
}

std::string labels_expected(const signals::SignalInfo& signal) {
  if (signal.labels.empty()) return "no labels: " + std::string(signal.name) + " is one series";
  std::string out = "labels of " + std::string(signal.name) + ": ";
  for (std::size_t i = 0; i < signal.labels.size(); ++i)
    out += (i ? ", " : "") + std::string(signal.labels[i]);
  return out;
}

std::string signals_expected() {
  std::string out = "one of: ";
  bool first = true;
  for (std::string_view n : signals::signal_names()) {
    out += (first ? "" : ", ") + std::string(n);
    first = false;
  }
  return out;
}

// Positions of what one entry sets, for the checks between keys.
struct EntryNodes {
  std::optional<YAML::Node> name, signal, by, match, above, summary;
};

// {{ x }} placeholders of a summary, each checked against `by`.
void check_summary(const Source& src, const YAML::Node& node, const std::string& path,
                   const AlertRule& rule) {
  const std::string& s = rule.summary;
  std::string by_list;
  for (const auto& b : rule.by) by_list += (by_list.empty() ? "" : ", ") + b;
  const std::string expected = "{{value}}, or {{LABEL}} with LABEL one of by" +
                               (by_list.empty() ? std::string(" (by is empty)") : ": " + by_list);
  for (std::size_t at = s.find("{{"); at != std::string::npos; at = s.find("{{", at)) {
    const std::size_t end = s.find("}}", at + 2);
    if (end == std::string::npos)
      src.fail(node.Mark(), path, "'{{' without a closing '}}'", expected);
    std::string inner = s.substr(at + 2, end - at - 2);
    const auto first = inner.find_first_not_of(' ');
    const auto last = inner.find_last_not_of(' ');
    inner = first == std::string::npos ? "" : inner.substr(first, last - first + 1);
    const bool known =
        inner == "value" || std::find(rule.by.begin(), rule.by.end(), inner) != rule.by.end();
    if (!known)
      src.fail(node.Mark(), path, quote(s.substr(at, end + 2 - at)) + " is not a label of by",
               expected);
    at = end + 2;
  }
}

AlertRule read_entry(const Source& src, const YAML::Node& item, const std::string& path) {
  AlertRule rule;
  EntryNodes given;
  std::vector<Field> fields;
  fields = {
      {"name", kExpectName,
       [&](const YAML::Node& v, const std::string& p) {
         rule.name = read_string(src, v, p, kExpectName);
         if (!is_name(rule.name))
           src.fail(v.Mark(), p, quote(rule.name) + " is not a valid name", kExpectName);
         given.name.emplace(v);
       }},
      {"signal", "a signal name, e.g. packet_rate",
       [&](const YAML::Node& v, const std::string& p) {
         rule.signal = read_string(src, v, p, signals_expected());
         given.signal.emplace(v);
       }},
      {"by", kExpectBy,
       [&](const YAML::Node& v, const std::string& p) {
         if (!v.IsSequence()) src.fail(v.Mark(), p, "got " + describe(v), kExpectBy);
         std::size_t n = 0;
         for (const YAML::Node& label : v) {
           ++n;
           if (label.IsNull())
             src.fail(v.Mark(), p, "item " + std::to_string(n) + " is null", kExpectBy);
           rule.by.push_back(read_string(src, label, p, kExpectBy));
         }
         given.by.emplace(v);
       }},
      {"match", kExpectMatch,
       [&](const YAML::Node& v, const std::string& p) {
         if (!v.IsMap()) src.fail(v.Mark(), p, "got " + describe(v), kExpectMatch);
         for (const auto& pair : v) {
           const std::string label = read_string(src, pair.first, p, kExpectMatch);
           if (pair.second.IsNull())
             src.fail(pair.first.Mark(), p + "." + label, "got null", "a label value, e.g. land");
           const std::string value =
               read_string(src, pair.second, p + "." + label, "a label value, e.g. land");
           if (!rule.match.emplace(label, value).second)
             src.fail(pair.first.Mark(), p, "label " + quote(label) + " is given twice",
                      kExpectMatch);
         }
         given.match.emplace(v);
       }},
      {"above", kExpectAbove,
       [&](const YAML::Node& v, const std::string& p) {
         rule.above = read_threshold(src, v, p);
         given.above.emplace(v);
       }},
      {"for", expected(kAlertDuration),
       [&](const YAML::Node& v, const std::string& p) {
         rule.for_duration = read_duration(src, v, p, kAlertDuration);
       }},
      {"clear_after", expected(kAlertDuration),
       [&](const YAML::Node& v, const std::string& p) {
         rule.clear_after = read_duration(src, v, p, kAlertDuration);
       }},
      {"severity", kExpectSeverity,
       [&](const YAML::Node& v, const std::string& p) {
         rule.severity = read_enum(src, v, p, "severity", kExpectSeverity, kSeverities);
       }},
      {"summary", kExpectSummary,
       [&](const YAML::Node& v, const std::string& p) {
         rule.summary = read_string(src, v, p, kExpectSummary);
         given.summary.emplace(v);
       }},
  };
  if (!item.IsMap()) src.fail(item.Mark(), path, "got " + describe(item), mapping_expected(fields));
  read_mapping(src, item, path, fields);

  for (const auto& [key, node] :
       {std::pair{"name", &given.name}, {"signal", &given.signal}, {"above", &given.above}}) {
    if (!*node)
      src.fail(item.Mark(), path, std::string("missing key '") + key + "'",
               "name, signal and above in every alert");
  }
  const signals::SignalInfo* signal = signals::find_signal(rule.signal);
  if (signal == nullptr) {
    std::string problem = "unknown signal " + quote(rule.signal);
    const auto names = signals::signal_names();
    if (auto near = closest(rule.signal, names)) problem += ", did you mean " + quote(*near) + "?";
    src.fail(given.signal->Mark(), path + ".signal", problem, signals_expected());
  }
  if (given.by) {
    std::set<std::string> seen;
    std::size_t i = 0;
    for (const YAML::Node& label : *given.by) {
      const std::string& l = rule.by[i++];
      if (!signals::has_label(*signal, l))
        src.fail(label.Mark(), path + ".by",
                 "signal " + std::string(signal->name) + " has no label " + quote(l),
                 labels_expected(*signal));
      if (!seen.insert(l).second)
        src.fail(label.Mark(), path + ".by", quote(l) + " is listed twice", "each label once");
    }
  }
  if (given.match) {
    for (const auto& pair : *given.match) {
      const std::string& l = pair.first.Scalar();
      if (!signals::has_label(*signal, l))
        src.fail(pair.first.Mark(), path + ".match",
                 "signal " + std::string(signal->name) + " has no label " + quote(l),
                 labels_expected(*signal));
      // A value no series can have would never match: the alert could not fire.
      std::optional<std::string> problem = signals::label_value_problem(l, pair.second.Scalar());
      if (!problem && l == "interface") problem = interface_name_problem(pair.second.Scalar());
      if (problem)
        src.fail(pair.second.Mark(), path + ".match." + l,
                 *problem + ", so the alert could never match", "a value the label can have");
    }
  }
  if (given.summary) check_summary(src, *given.summary, path + ".summary", rule);
  if (rule.summary.empty()) rule.summary = rule.name;
  return rule;
}

}  // namespace

std::vector<AlertRule> read_alerts(const Source& src, const YAML::Node& node,
                                   const std::string& path) {
  if (!node.IsSequence()) src.fail(node.Mark(), path, "got " + describe(node), kExpectAlerts);
  std::vector<AlertRule> out;
  std::map<std::string, YAML::Mark> names;
  std::size_t n = 0;
  for (const YAML::Node& item : node) {
    const std::string item_path = path + "[" + std::to_string(++n) + "]";
    if (item.IsNull()) src.fail(node.Mark(), item_path, "got null", kExpectAlerts);
    AlertRule rule = read_entry(src, item, item_path);
    const YAML::Node name = item["name"];
    if (auto [first, inserted] = names.emplace(rule.name, name.Mark()); !inserted)
      src.fail(name.Mark(), item_path + ".name",
               quote(rule.name) + " is used twice, first at " + position(first->second),
               "each alert name once");
    out.push_back(std::move(rule));
  }
  return out;
}

}  // namespace pktlens::config::detail
