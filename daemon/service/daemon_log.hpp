// SPDX-License-Identifier: Apache-2.0
// What the daemon says of its modules' events, in the words docs/running.md
// ("Messages") quotes: attachments and interfaces coming and going, a
// collection cycle's paths and fallbacks, alert transitions.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>

#include "alerts/engine.hpp"
#include "bpf/loader.hpp"
#include "collector/collector.hpp"
#include "config/config.hpp"

namespace pktlens::service {

// What a line about an interface refers to beyond the event itself.
struct SyncLogContext {
  std::chrono::milliseconds retention{};  // interface_slots.retention
  config::AttachMode attach = config::AttachMode::tc;
  std::size_t slot_capacity = 0;
  bool serving = true;  // a long-running pktlensd (not `dump`) waits for missing interfaces
};

void log_sync(const bpf::SyncEvents& ev, const SyncLogContext& cx);

// One WARNING line per alert transition.
void log_transition(const alerts::Transition& t);

// A cycle's statistics: details at debug level; what changes how the
// flows are read (CPUs the cache misses, the walk's path) once, when it
// starts and when it changes.
class CycleLog {
 public:
  void log(const collector::CycleStats& st);

 private:
  std::optional<collector::FlowReadPath> last_walk_path_;
  std::size_t last_cache_missed_ = 0;  // CPUs the flow cache flush missed, as last logged
};

}  // namespace pktlens::service
