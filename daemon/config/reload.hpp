// SPDX-License-Identifier: Apache-2.0
// What a reload (SIGHUP) changes in a running pktlensd, and how each
// changed key is applied (docs/running.md, "Reload"): user-space keys at
// once; .rodata switches of the BPF programs by loading the programs anew
// and replacing them in place; map sizes the same way, with that map
// created anew; the tracepoint switches by re-creating the tracepoint
// object. What cannot change live needs a restart.
#pragma once

#include <string>
#include <vector>

#include "config.hpp"

namespace pktlens::config {

// The changed keys by how they apply, each list in a fixed order of the
// config's keys, dotted ("flows.top_k", "threats.syn_flood.enabled").
struct ReloadPlan {
  // User space: the collector's options (top-K, windows, idle timeout,
  // thresholds), listen, interval, log_level, web_config_file, alerts.
  std::vector<std::string> at_once;
  // Switches compiled into the programs as .rodata, and the networks
  // (their tries are sized to the prefixes, their kinds are .rodata): a
  // new program load into the pinned maps, replacing the running programs
  // in place.
  std::vector<std::string> programs;
  // Map sizes: a new program load too; the map is created anew, so its
  // counters start at 0 (every other map continues).
  std::vector<std::string> resized;
  // The tracepoint object's switches: it is re-created.
  std::vector<std::string> tracepoints;
  // Only a restart applies these.
  std::vector<std::string> restart;
  // The collector is built again with the new options (at_once keys it
  // reads, or a new program load / tracepoint object under it).
  bool collector = false;

  bool load_programs() const { return !programs.empty() || !resized.empty(); }
};

ReloadPlan plan_reload(const Config& running, const Config& next);

// The top-level keys whose values differ between the running config and
// `next` and need a restart to take effect, always in the same order;
// empty when a reload can apply everything that changed.
std::vector<std::string> sections_needing_restart(const Config& running, const Config& next);

}  // namespace pktlens::config
