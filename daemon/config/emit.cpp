// SPDX-License-Identifier: Apache-2.0
// Config -> text: to_yaml, the effective config a check-config mode or a
// debug log prints, and the spelling of single values.
#include <yaml-cpp/yaml.h>

#include <charconv>

#include "config.hpp"
#include "duration.hpp"
#include "names.hpp"

namespace pktlens::config {
namespace {

template <typename Enum, std::size_t N>
std::string_view name_of(Enum value,
                         const std::array<std::pair<Enum, std::string_view>, N>& names) {
  for (const auto& [v, name] : names) {
    if (v == value) return name;
  }
  return "?";  // only for a value cast from outside the enum
}

}  // namespace

std::string_view to_string(AttachMode mode) { return name_of(mode, detail::kAttachModes); }
std::string_view to_string(FlowKeyField field) { return name_of(field, detail::kFlowKeyFields); }
std::string_view to_string(LogLevel level) { return name_of(level, detail::kLogLevels); }
std::string_view to_string(IpfixTransport transport) {
  return name_of(transport, detail::kIpfixTransports);
}
std::string_view to_string(Severity severity) { return name_of(severity, detail::kSeverities); }

std::string format_number(double value) {
  // Shortest fixed notation that reads back as the same double: 500, 0.9.
  char buf[512];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::fixed);
  if (ec != std::errc()) return std::to_string(value);  // beyond any threshold's range
  return std::string(buf, end);
}

std::string_view to_string(NetworkAction action) {
  return name_of(action, detail::kNetworkActions);
}

std::string to_string(const ListenAddress& address) {
  // Appended piece by piece: GCC 12 -O2 reports a false -Wrestrict for
  // "literal" + std::string (GCC PR 105651).
  std::string out;
  const bool v6 = address.host.find(':') != std::string::npos;
  if (v6) out += '[';
  out += address.host;
  if (v6) out += ']';
  out += ':';
  out += std::to_string(address.port);
  return out;
}

std::string to_yaml(const Config& config) {
  // yaml-cpp's emitter quotes whatever needs it (an interface named "null",
  // "-x" or "a,b"), so every name survives the round trip.
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "interfaces" << YAML::Value;
  if (config.interfaces.all) {
    out << "all";
  } else if (config.interfaces.patterns()) {
    out << YAML::BeginMap;
    out << YAML::Key << "include" << YAML::Value << YAML::Flow << config.interfaces.include;
    if (!config.interfaces.exclude.empty())
      out << YAML::Key << "exclude" << YAML::Value << YAML::Flow << config.interfaces.exclude;
    out << YAML::EndMap;
  } else {
    out << YAML::Flow << config.interfaces.names;
  }
  out << YAML::Key << "attach" << YAML::Value << std::string(to_string(config.attach));
  out << YAML::Key << "interface_slots" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "max_entries" << YAML::Value << config.interface_slots.max_entries;
  out << YAML::Key << "retention" << YAML::Value
      << detail::format_duration(config.interface_slots.retention);
  out << YAML::EndMap;
  // Quoted always: "[::1]:9586" must be, and one spelling for all reads best.
  out << YAML::Key << "listen" << YAML::Value << YAML::DoubleQuoted << to_string(config.listen);
  out << YAML::Key << "interval" << YAML::Value << detail::format_duration(config.interval);

  const FlowsConfig& f = config.flows;
  out << YAML::Key << "flows" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "enabled" << YAML::Value << f.enabled;
  out << YAML::Key << "max_entries" << YAML::Value << f.max_entries;
  out << YAML::Key << "top_k" << YAML::Value << f.top_k;
  out << YAML::Key << "top_k_window" << YAML::Value << detail::format_duration(f.top_k_window);
  out << YAML::Key << "idle_timeout" << YAML::Value << detail::format_duration(f.idle_timeout);
  out << YAML::Key << "max_new_per_second" << YAML::Value << f.max_new_per_second;
  out << YAML::Key << "cache_slots" << YAML::Value;
  if (f.cache_slots)
    out << *f.cache_slots;
  else
    out << "auto";
  out << YAML::Key << "key" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const FlowKeyField field : f.key) out << std::string(to_string(field));
  out << YAML::EndSeq;
  out << YAML::EndMap;

  out << YAML::Key << "vlans" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "enabled" << YAML::Value << config.vlans.enabled;
  out << YAML::Key << "max_entries" << YAML::Value << config.vlans.max_entries;
  out << YAML::Key << "top_k" << YAML::Value << config.vlans.top_k;
  out << YAML::Key << "idle_timeout" << YAML::Value
      << detail::format_duration(config.vlans.idle_timeout);
  out << YAML::EndMap;

  out << YAML::Key << "latency" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "handshake" << YAML::Value << config.latency.handshake;
  out << YAML::Key << "rtt" << YAML::Value << config.latency.rtt;
  out << YAML::Key << "srtt" << YAML::Value << config.latency.srtt;
  out << YAML::EndMap;

  out << YAML::Key << "loss" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "retransmits" << YAML::Value << config.loss.retransmits;
  out << YAML::Key << "drops" << YAML::Value << config.loss.drops;
  out << YAML::EndMap;

  if (!config.networks.empty()) {
    out << YAML::Key << "networks" << YAML::Value << YAML::BeginMap;
    for (const Network& n : config.networks) {
      out << YAML::Key << n.name << YAML::Value << YAML::BeginMap;
      std::vector<std::string> prefixes;
      for (const Prefix& p : n.prefixes) prefixes.push_back(to_string(p));
      out << YAML::Key << "prefixes" << YAML::Value << YAML::Flow << prefixes;
      out << YAML::Key << "action" << YAML::Value << std::string(to_string(n.action));
      out << YAML::EndMap;
    }
    out << YAML::EndMap;
  }
  const SynFloodConfig& syn = config.threats.syn_flood;
  out << YAML::Key << "threats" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "syn_flood" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "enabled" << YAML::Value << syn.enabled;
  out << YAML::Key << "max_entries" << YAML::Value << syn.max_entries;
  out << YAML::Key << "top_k" << YAML::Value << syn.top_k;
  out << YAML::EndMap;
  const IcmpEchoConfig& echo = config.threats.icmp_echo;
  out << YAML::Key << "icmp_echo" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "enabled" << YAML::Value << echo.enabled;
  out << YAML::Key << "max_entries" << YAML::Value << echo.max_entries;
  out << YAML::Key << "top_k" << YAML::Value << echo.top_k;
  out << YAML::EndMap;
  const UdpPortsConfig& udp = config.threats.udp_ports;
  out << YAML::Key << "udp_ports" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "enabled" << YAML::Value << udp.enabled;
  out << YAML::Key << "top_k" << YAML::Value << udp.top_k;
  out << YAML::EndMap;
  const PortScanConfig& scan = config.threats.port_scan;
  out << YAML::Key << "port_scan" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "enabled" << YAML::Value << scan.enabled;
  out << YAML::Key << "max_sources" << YAML::Value << scan.max_sources;
  out << YAML::Key << "window" << YAML::Value << detail::format_duration(scan.window);
  out << YAML::Key << "threshold" << YAML::Value << scan.threshold;
  out << YAML::Key << "top_k" << YAML::Value << scan.top_k;
  out << YAML::Key << "max_new_per_second" << YAML::Value << scan.max_new_per_second;
  out << YAML::EndMap;
  out << YAML::EndMap;

  out << YAML::Key << "log_level" << YAML::Value << std::string(to_string(config.log_level));
  out << YAML::Key << "web_config_file" << YAML::Value << YAML::DoubleQuoted
      << config.web_config_file;

  const IpfixConfig& ipfix = config.exports.ipfix;
  out << YAML::Key << "export" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "ipfix" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "collectors" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const ListenAddress& c : ipfix.collectors) out << YAML::DoubleQuoted << to_string(c);
  out << YAML::EndSeq;
  out << YAML::Key << "transport" << YAML::Value << std::string(to_string(ipfix.transport));
  out << YAML::Key << "active_timeout" << YAML::Value
      << detail::format_duration(ipfix.active_timeout);
  out << YAML::Key << "idle_timeout" << YAML::Value << detail::format_duration(ipfix.idle_timeout);
  out << YAML::Key << "template_refresh" << YAML::Value
      << detail::format_duration(ipfix.template_refresh);
  out << YAML::Key << "observation_domain" << YAML::Value << ipfix.observation_domain;
  out << YAML::EndMap;
  out << YAML::EndMap;

  out << YAML::Key << "alerts" << YAML::Value;
  if (config.alerts.empty()) out << YAML::Flow;
  out << YAML::BeginSeq;
  for (const AlertRule& a : config.alerts) {
    out << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << a.name;
    out << YAML::Key << "signal" << YAML::Value << a.signal;
    out << YAML::Key << "by" << YAML::Value << YAML::Flow << a.by;
    if (!a.match.empty()) {
      out << YAML::Key << "match" << YAML::Value << YAML::Flow << YAML::BeginMap;
      for (const auto& [label, value] : a.match) out << YAML::Key << label << YAML::Value << value;
      out << YAML::EndMap;
    }
    out << YAML::Key << "above" << YAML::Value << format_number(a.above);
    out << YAML::Key << "for" << YAML::Value << detail::format_duration(a.for_duration);
    out << YAML::Key << "clear_after" << YAML::Value << detail::format_duration(a.clear_after);
    out << YAML::Key << "severity" << YAML::Value << std::string(to_string(a.severity));
    out << YAML::Key << "summary" << YAML::Value << YAML::DoubleQuoted << a.summary;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace pktlens::config
