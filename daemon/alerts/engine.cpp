// SPDX-License-Identifier: Apache-2.0
#include "alerts/engine.hpp"

#include <algorithm>
#include <utility>

#include "alerts/summary.hpp"
#include "signals/catalog.hpp"

namespace pktlens::alerts {
namespace {

const std::string* label_value(const Labels& labels, std::string_view name) {
  for (const auto& [k, v] : labels)
    if (k == name) return &v;
  return nullptr;
}

bool matches(const config::AlertRule& rule, const Sample& s) {
  if (s.signal != rule.signal) return false;
  for (const auto& [label, want] : rule.match) {
    const std::string* have = label_value(s.labels, label);
    if (have == nullptr || *have != want) return false;
  }
  return true;
}

}  // namespace

std::map<Labels, double> aggregate(const config::AlertRule& rule, std::span<const Sample> samples) {
  const signals::SignalInfo* info = signals::find_signal(rule.signal);
  const bool use_max = info != nullptr && info->aggregation == signals::Aggregation::max;
  std::map<Labels, double> out;
  for (const Sample& s : samples) {
    if (!matches(rule, s)) continue;
    Labels key;
    for (const auto& b : rule.by) {
      const std::string* v = label_value(s.labels, b);
      key.emplace_back(b, v ? *v : std::string());
    }
    auto [it, inserted] = out.emplace(std::move(key), s.value);
    if (!inserted) it->second = use_max ? std::max(it->second, s.value) : it->second + s.value;
  }
  return out;
}

AlertEngine::AlertEngine(std::vector<config::AlertRule> rules, EngineOptions options)
    : rules_(std::move(rules)), states_(rules_.size()), options_(options) {}

Transition AlertEngine::transition(const config::AlertRule& rule, const Labels& labels,
                                   const SeriesState& s) const {
  Transition t;
  t.series = {rule.name, rule.severity, labels, s.value, s.firing};
  t.summary = render_summary(rule.summary, labels, s.value);
  t.above = rule.above;
  return t;
}

std::vector<Transition> AlertEngine::evaluate(std::span<const Sample> samples, Time now) {
  std::vector<Transition> out;
  refused_ = 0;
  for (std::size_t r = 0; r < rules_.size(); ++r) {
    const config::AlertRule& rule = rules_[r];
    States& states = states_[r];
    std::map<Labels, double> values = aggregate(rule, samples);

    // Series already tracked.
    for (auto it = states.begin(); it != states.end();) {
      SeriesState& s = it->second;
      const auto v = values.find(it->first);
      const bool above = v != values.end() && v->second > rule.above;
      s.value = v != values.end() ? v->second : 0;
      if (above) {
        s.last_above = now;
        if (!s.firing && now - s.since >= rule.for_duration) {
          s.firing = true;
          out.push_back(transition(rule, it->first, s));
        }
        ++it;
      } else if (!s.firing) {
        it = states.erase(it);  // pending ends without firing
      } else if (now - s.last_above >= rule.clear_after) {
        s.firing = false;
        out.push_back(transition(rule, it->first, s));
        it = states.erase(it);
      } else {
        ++it;  // keeps firing through clear_after
      }
    }

    // New series above the threshold, highest first, as long as there is room.
    std::vector<std::pair<const Labels*, double>> fresh;
    for (const auto& [labels, value] : values)
      if (value > rule.above && !states.contains(labels)) fresh.emplace_back(&labels, value);
    std::stable_sort(fresh.begin(), fresh.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [labels, value] : fresh) {
      if (states.size() >= options_.max_series) {
        ++refused_;
        continue;
      }
      SeriesState s{.since = now, .last_above = now, .value = value, .firing = false};
      if (rule.for_duration.count() == 0) {
        s.firing = true;
        out.push_back(transition(rule, *labels, s));
      }
      states.emplace(*labels, s);
    }
  }
  return out;
}

std::vector<Transition> AlertEngine::reconfigure(std::vector<config::AlertRule> rules) {
  std::vector<States> next(rules.size());
  std::vector<bool> kept(rules_.size(), false);
  for (std::size_t n = 0; n < rules.size(); ++n) {
    for (std::size_t o = 0; o < rules_.size(); ++o) {
      if (!kept[o] && rules_[o] == rules[n]) {
        next[n] = std::move(states_[o]);
        kept[o] = true;
        break;
      }
    }
  }
  std::vector<Transition> out;
  for (std::size_t o = 0; o < rules_.size(); ++o) {
    if (kept[o]) continue;
    for (auto& [labels, s] : states_[o]) {
      if (!s.firing) continue;
      s.firing = false;
      out.push_back(transition(rules_[o], labels, s));
    }
  }
  rules_ = std::move(rules);
  states_ = std::move(next);
  return out;
}

std::vector<SeriesStatus> AlertEngine::status() const {
  std::vector<SeriesStatus> out;
  for (std::size_t r = 0; r < rules_.size(); ++r)
    for (const auto& [labels, s] : states_[r])
      out.push_back({rules_[r].name, rules_[r].severity, labels, s.value, s.firing});
  return out;
}

}  // namespace pktlens::alerts
