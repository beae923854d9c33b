// SPDX-License-Identifier: Apache-2.0
#include "service/daemon_log.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <string>

#include "alerts/summary.hpp"
#include "config/duration.hpp"

namespace pktlens::service {

void log_sync(const bpf::SyncEvents& ev, const SyncLogContext& cx) {
  for (const auto& a : ev.attached)
    spdlog::info(
        "attached to {} (ifindex {}, slot {}) with {}{}{}", a.name, a.ifindex, a.slot,
        bpf::to_string(a.as),
        a.as != bpf::AttachedAs::tc ? ""
        : a.tcx                     ? " (tcx links)"
                                    : " (clsact filters)",
        a.replaced_stale ? "; replaced the programs a previous pktlensd left, in place" : "");
  for (const auto& a : ev.attached)
    if (a.as == bpf::AttachedAs::xdp_generic)
      spdlog::warn("{}: native XDP refused ({}), using generic XDP (slower); see troubleshooting",
                   a.name, a.generic_reason);
  const std::string retention = config::detail::format_duration(cx.retention);
  for (const auto& n : ev.gone)
    spdlog::info(
        "{} disappeared; its final values stay exported for {} (interface_slots.retention), "
        "and it is attached again to the same slot if it comes back meanwhile",
        n, retention);
  for (const auto& n : ev.deselected)
    spdlog::info(
        "detached from {}: the configuration no longer selects it; its final values "
        "stay exported for {}",
        n, retention);
  for (const auto& n : ev.switched)
    spdlog::warn(
        "{}: moved to attach: {}; frames between detaching and attaching (well under a "
        "millisecond) are not counted",
        n, config::to_string(cx.attach));
  if (!ev.released.empty())
    spdlog::info("freed the slots of {} gone interface(s) after their retention: {}",
                 ev.released.size(), fmt::join(ev.released, ", "));
  if (ev.slots_full)
    spdlog::error(
        "all {} interface slots are in use (attached, or gone and within their retention): {} "
        "interface(s) wait for a slot, retried every interval; raise "
        "interface_slots.max_entries or shorten interface_slots.retention "
        "(pktlens_interface_slots_waiting)",
        cx.slot_capacity, *ev.slots_full);
  for (const auto& n : ev.missing)
    if (cx.serving)
      spdlog::warn(
          "configured interface {} does not exist (yet); the others are monitored, and "
          "it is attached when it appears",
          n);
    else
      spdlog::warn("configured interface {} does not exist; measuring the others", n);
  for (const auto& p : ev.failed)
    spdlog::error("cannot attach to {}: {}; retrying every interval", p.name, p.what);
  for (const auto& p : ev.renamed)
    spdlog::info("{} was renamed to {}; its metrics keep the label interface=\"{}\"", p.name,
                 p.what, p.name);
  for (const auto& p : ev.reattached)
    spdlog::warn("pktlens's programs were removed from {} ({}); attached again", p.name, p.what);
  for (const auto& p : ev.displaced)
    spdlog::error(
        "{}: {} is not monitored; pktlens does not fight over it, and attaches again once "
        "the place is free",
        p.what, p.name);
  for (const auto& p : ev.cleaned)
    spdlog::info(
        "removed what a previous pktlensd left on {} ({}): this configuration does not use it",
        p.name, p.what);
}

// One WARNING line per transition (journald priority 4), e.g.
//   alert SynFlood firing: dst="198.18.0.2" dport="80" value=812 above 500
//   (critical): SYN flood against 198.18.0.2:80
void log_transition(const alerts::Transition& t) {
  std::string labels;
  for (const auto& [k, v] : t.series.labels) labels += k + "=\"" + v + "\" ";
  spdlog::warn("alert {} {}: {}value={} above {} ({}): {}", t.series.alert,
               t.series.firing ? "firing" : "resolved", labels,
               alerts::format_value(t.series.value), alerts::format_value(t.above),
               config::to_string(t.series.severity), t.summary);
}

void CycleLog::log(const collector::CycleStats& st) {
  if (st.handshakes.expired)
    spdlog::debug("handshakes: {} pending, {} expired (counted as timeouts)", st.handshakes.pending,
                  st.handshakes.expired);
  if (!st.flows) return;
  const auto& f = *st.flows;
  // CPUs whose flow cache cannot be flushed count in the table directly:
  // exact, only dearer. Said when it starts, and when it changes.
  if (f.cache_cpus_missed != last_cache_missed_) {
    if (f.cache_cpus_missed && !f.cache_error.empty())
      spdlog::warn(
          "flow cache: {} CPUs not flushed ({}); their packets count in the flow table "
          "directly",
          f.cache_cpus_missed, f.cache_error);
    else if (f.cache_cpus_missed)
      spdlog::info(
          "flow cache: {} CPUs outside pktlensd's CPU affinity (or offline) count in the flow "
          "table "
          "directly",
          f.cache_cpus_missed);
    last_cache_missed_ = f.cache_cpus_missed;
  }
  if (f.cache_reinserted)
    spdlog::debug("flow cache: {} flows removed while cached came back as new flows",
                  f.cache_reinserted);
  // Which way the table is walked when the log is not followed: said
  // once, and again when it changes.
  if (!f.from_log() && f.path != last_walk_path_) {
    spdlog::info("flow table: walked by {}{}", collector::to_string(f.path),
                 f.path == collector::FlowReadPath::key_walk
                     ? " (the kernel has no batch map operations: slower on large tables)"
                     : "");
    last_walk_path_ = f.path;
  }
  spdlog::debug(
      "flows: {} in the table, {} changed, {} idle deleted, {} evicted, {} dropped from the "
      "mirror; read by {}{} ({} elements); presence filter {:.0f}% full{}",
      f.entries, f.changed, f.expired_deleted, f.evicted, f.mirror_dropped,
      collector::to_string(f.path),
      f.full_pass      ? ", a full pass"
      : f.log_overflow ? " (touch log overflowed)"
                       : "",
      f.visited, st.presence.ratio() * 100, st.presence.rebuilt ? ", rebuilt" : "");
}

}  // namespace pktlens::service
