// SPDX-License-Identifier: Apache-2.0
#include "reload.hpp"

namespace pktlens::config {

std::vector<std::string> sections_needing_restart(const Config& running, const Config& next) {
  // interface_slots.max_entries sizes every per-interface map, which
  // a program reload cannot resize without losing each interface's
  // counters; everything else applies live (plan_reload).
  std::vector<std::string> restart;
  if (next.interface_slots.max_entries != running.interface_slots.max_entries)
    restart.push_back("interface_slots.max_entries");
  // The exporter threads and their sockets are set up at start.
  if (next.exports != running.exports) restart.push_back("export");
  return restart;
}

ReloadPlan plan_reload(const Config& running, const Config& next) {
  // Names every member of Config: one added later fails to compile here
  // until it is sorted into one of the lists.
  [[maybe_unused]] const auto& [interfaces, attach, interface_slots, listen, interval, flows, vlans,
                                latency, loss, networks, threats, log_level, web_config_file,
                                alerts, exports] = next;
  ReloadPlan p;
  p.restart = sections_needing_restart(running, next);
  auto note = [](std::vector<std::string>& list, const char* key, bool changed) {
    if (changed) list.push_back(key);
  };
  const Config& r = running;
  const Config& n = next;
  // In user space only; the collector's options first.
  note(p.at_once, "flows.top_k", r.flows.top_k != n.flows.top_k);
  note(p.at_once, "flows.top_k_window", r.flows.top_k_window != n.flows.top_k_window);
  note(p.at_once, "flows.idle_timeout", r.flows.idle_timeout != n.flows.idle_timeout);
  note(p.at_once, "threats.syn_flood.top_k",
       r.threats.syn_flood.top_k != n.threats.syn_flood.top_k);
  note(p.at_once, "threats.icmp_echo.top_k",
       r.threats.icmp_echo.top_k != n.threats.icmp_echo.top_k);
  note(p.at_once, "threats.udp_ports.top_k",
       r.threats.udp_ports.top_k != n.threats.udp_ports.top_k);
  note(p.at_once, "threats.port_scan.top_k",
       r.threats.port_scan.top_k != n.threats.port_scan.top_k);
  note(p.at_once, "threats.port_scan.threshold",
       r.threats.port_scan.threshold != n.threats.port_scan.threshold);
  p.collector = !p.at_once.empty();
  note(p.at_once, "listen", r.listen != n.listen);
  note(p.at_once, "interval", r.interval != n.interval);
  note(p.at_once, "log_level", r.log_level != n.log_level);
  note(p.at_once, "web_config_file", r.web_config_file != n.web_config_file);
  note(p.at_once, "alerts", r.alerts != n.alerts);
  // The loader attaches, detaches and switches hooks (Daemon::apply_interfaces).
  note(p.at_once, "interfaces", r.interfaces != n.interfaces);
  note(p.at_once, "attach", r.attach != n.attach);
  note(p.at_once, "interface_slots.retention",
       r.interface_slots.retention != n.interface_slots.retention);

  // .rodata switches (bpf/lib/config.h, bpf::ObjectOptions).
  note(p.programs, "flows.enabled", r.flows.enabled != n.flows.enabled);
  note(p.programs, "flows.key", r.flows.key != n.flows.key);
  note(p.programs, "flows.cache_slots", r.flows.cache_slots != n.flows.cache_slots);
  note(p.programs, "flows.max_new_per_second",
       r.flows.max_new_per_second != n.flows.max_new_per_second);
  note(p.programs, "vlans.enabled", r.vlans.enabled != n.vlans.enabled);
  note(p.programs, "latency.handshake", r.latency.handshake != n.latency.handshake);
  note(p.programs, "latency.rtt", r.latency.rtt != n.latency.rtt);
  note(p.programs, "networks", r.networks != n.networks);
  note(p.programs, "threats.syn_flood.enabled",
       r.threats.syn_flood.enabled != n.threats.syn_flood.enabled);
  note(p.programs, "threats.icmp_echo.enabled",
       r.threats.icmp_echo.enabled != n.threats.icmp_echo.enabled);
  // Also sizes pktlens_udp_ports (one entry while off), which the load
  // creates anew.
  note(p.programs, "threats.udp_ports.enabled",
       r.threats.udp_ports.enabled != n.threats.udp_ports.enabled);
  note(p.programs, "threats.port_scan.enabled",
       r.threats.port_scan.enabled != n.threats.port_scan.enabled);
  note(p.programs, "threats.port_scan.window",
       r.threats.port_scan.window != n.threats.port_scan.window);
  note(p.programs, "threats.port_scan.max_new_per_second",
       r.threats.port_scan.max_new_per_second != n.threats.port_scan.max_new_per_second);

  // Map sizes.
  note(p.resized, "flows.max_entries", r.flows.max_entries != n.flows.max_entries);
  note(p.resized, "vlans.max_entries", r.vlans.max_entries != n.vlans.max_entries);
  note(p.resized, "threats.syn_flood.max_entries",
       r.threats.syn_flood.max_entries != n.threats.syn_flood.max_entries);
  note(p.resized, "threats.icmp_echo.max_entries",
       r.threats.icmp_echo.max_entries != n.threats.icmp_echo.max_entries);
  note(p.resized, "threats.port_scan.max_sources",
       r.threats.port_scan.max_sources != n.threats.port_scan.max_sources);

  note(p.tracepoints, "loss.retransmits", r.loss.retransmits != n.loss.retransmits);
  note(p.tracepoints, "loss.drops", r.loss.drops != n.loss.drops);
  note(p.tracepoints, "latency.srtt", r.latency.srtt != n.latency.srtt);

  if (p.load_programs() || !p.tracepoints.empty()) p.collector = true;
  return p;
}

}  // namespace pktlens::config
