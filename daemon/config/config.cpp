// SPDX-License-Identifier: Apache-2.0
// The schema: which keys exist, their ranges, and the checks that involve
// two keys. One walk over the document in file order, so the first problem
// in the file is the one reported.
#include "config.hpp"

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "alerts_schema.hpp"
#include "duration.hpp"
#include "ifname.hpp"
#include "listen.hpp"
#include "names.hpp"
#include "network.hpp"
#include "quote.hpp"
#include "read_file.hpp"
#include "yaml_document.hpp"
#include "yaml_read.hpp"

namespace pktlens::config {
namespace {

using namespace std::chrono_literals;
using detail::Field;
using detail::Source;

// Ranges, as documented in docs/configuration.md.
constexpr auto kMinInterval = 100ms;
constexpr auto kMaxInterval = 1h;
constexpr auto kMinIdleTimeout = kMinInterval;
constexpr auto kMaxIdleTimeout = 24h;
constexpr std::int64_t kMinFlowEntries = 1024;
constexpr std::int64_t kMaxFlowEntries = 16777216;
constexpr std::int64_t kMaxTopK = 100000;
// Below 10/s the per-100ms budget would round to 0, which means unlimited.
constexpr std::int64_t kMinNewFlowsPerSecond = 1000 / kFlowAdmissionWindow.count();
constexpr std::int64_t kMaxNewFlowsPerSecond = 100000000;
constexpr std::int64_t kMinVlanEntries = 64;
constexpr std::int64_t kMaxVlanEntries = 1048576;
constexpr std::int64_t kMinThreatEntries = 64;
constexpr std::int64_t kMaxThreatEntries = 1048576;
constexpr std::int64_t kMaxThreatTopK = 1000;
// The linear-counting bitmap tells at most about 7098 distinct ports.
constexpr std::int64_t kMaxScanThreshold = 7000;
// The default top_k fits every valid max_entries, so only a top_k the file
// sets can exceed it: check_relations() relies on that.
static_assert(FlowsConfig{}.top_k <= kMinFlowEntries);

const std::string kExpectInterfaces = "a list of interface names, e.g. [eth0, eth1], or all";
const std::string kExpectInterfaceName =
    "an interface name of 1 to 15 bytes without '/', ':' or whitespace";
const std::string kExpectListen =
    "HOST:PORT with PORT from 1 to 65535, e.g. ':9586', '127.0.0.1:9586' or '[::1]:9586'";
const std::string kExpectInterval = "a duration from 100ms to 1h, e.g. 5s";
const std::string kExpectBool = "true or false";
const std::string kExpectFlowEntries = "an integer from 1024 to 16777216";
const std::string kExpectTopK = "an integer from 1 to 100000, at most flows.max_entries";
const std::string kExpectIdleTimeout = "a duration from interval to 24h, e.g. 2m";
const std::string kExpectNewFlows = "0 for no limit, or an integer from 10 to 100000000";
const std::string kExpectVlanEntries = "an integer from 64 to 1048576";
const std::string kExpectThreatEntries = "an integer from 64 to 1048576";
const std::string kExpectThreatTopK = "an integer from 1 to 1000";
const std::string kExpectScanWindow = "a duration from 1s to 1h, e.g. 60s";
const std::string kExpectScanThreshold = "an integer from 2 to 7000";
const std::string kExpectWebConfigFile =
    "the file name of an exporter-toolkit web config, or \"\" for none";

// Values the file sets, for messages about two keys at once. Stored with
// emplace: assigning to an existing YAML::Node would overwrite the node it
// refers to, not rebind it.
struct Given {
  std::optional<YAML::Node> interval;
  std::optional<YAML::Node> idle_timeout;
  std::optional<YAML::Node> top_k;
};

template <typename Enum, std::size_t N>
std::string enum_expected(const std::array<std::pair<Enum, std::string_view>, N>& names) {
  std::string out;
  for (std::size_t i = 0; i < N; ++i) {
    out += i == 0 ? "" : (i + 1 == N ? " or " : ", ");
    out += names[i].second;
  }
  return out;
}

template <typename Enum, std::size_t N>
Enum read_enum(const Source& src, const YAML::Node& node, const std::string& path,
               const std::string& what, const std::string& expected,
               const std::array<std::pair<Enum, std::string_view>, N>& names) {
  const std::string s = detail::read_string(src, node, path, expected);
  for (const auto& [value, name] : names) {
    if (s == name) return value;
  }
  src.fail(node.Mark(), path, "unknown " + what + " " + detail::quote(s), expected);
}

InterfaceSelection read_interfaces(const Source& src, const YAML::Node& node,
                                   const std::string& path) {
  if (node.IsScalar() && node.Scalar() == "all") return {.all = true, .names = {}};
  if (!node.IsSequence()) {
    src.fail(node.Mark(), path, "got " + detail::describe(node), kExpectInterfaces);
  }
  if (node.size() == 0) src.fail(node.Mark(), path, "the list is empty", kExpectInterfaces);

  InterfaceSelection selection{.all = false, .names = {}};
  std::map<std::string, YAML::Mark> seen;
  std::size_t n = 0;
  for (const YAML::Node& item : node) {
    const std::string item_no = "item " + std::to_string(++n);
    // A null item ("- " alone) has the position of what follows it, so
    // point at the list and count instead.
    if (item.IsNull()) src.fail(node.Mark(), path, item_no + " is null", kExpectInterfaceName);
    if (!item.IsScalar()) {
      src.fail(item.Mark(), path, item_no + " is " + detail::describe(item), kExpectInterfaceName);
    }
    const std::string& name = item.Scalar();
    if (name == "all") {
      src.fail(item.Mark(), path, "'all' inside a list",
               "interface names, or 'interfaces: all' on its own");
    }
    if (auto problem = detail::interface_name_problem(name)) {
      src.fail(item.Mark(), path, *problem, kExpectInterfaceName);
    }
    if (auto [first, inserted] = seen.emplace(name, item.Mark()); !inserted) {
      src.fail(
          item.Mark(), path,
          detail::quote(name) + " is listed twice, first at " + detail::position(first->second),
          "each interface once");
    }
    selection.names.push_back(name);
  }
  return selection;
}

// Checks that involve two keys, after the walk, so they see final values.
// Each points at a key the file sets.
void check_relations(const Source& src, const Config& cfg, const Given& given) {
  using detail::format_duration;
  using detail::quote;
  if (cfg.flows.idle_timeout < cfg.interval) {
    if (given.idle_timeout) {
      src.fail(given.idle_timeout->Mark(), "flows.idle_timeout",
               quote(given.idle_timeout->Scalar()) + " is shorter than interval " +
                   format_duration(cfg.interval),
               kExpectIdleTimeout);
    }
    // The defaults satisfy the rule, so here the file sets interval.
    if (given.interval) {
      src.fail(given.interval->Mark(), "interval",
               quote(given.interval->Scalar()) + " is longer than flows.idle_timeout, " +
                   format_duration(cfg.flows.idle_timeout) + " by default",
               "at most flows.idle_timeout; raise flows.idle_timeout too");
    }
  }
  if (cfg.flows.top_k > cfg.flows.max_entries && given.top_k) {
    // Only a top_k the file sets can get here (see the static_assert).
    src.fail(given.top_k->Mark(), "flows.top_k",
             quote(given.top_k->Scalar()) + " is more than flows.max_entries " +
                 std::to_string(cfg.flows.max_entries),
             kExpectTopK);
  }
}

Config parse_document(const Source& src, const YAML::Node& root) {
  Config cfg;
  if (root.IsNull()) return cfg;  // an empty document: all defaults
  Given given;
  FlowsConfig& flows = cfg.flows;
  VlansConfig& vlans = cfg.vlans;

  // A section: a mapping of its own fields.
  const auto section = [&src](const std::vector<Field>& fields) {
    return [&src, &fields](const YAML::Node& v, const std::string& p) {
      if (!v.IsMap()) {
        src.fail(v.Mark(), p, "got " + detail::describe(v), detail::mapping_expected(fields));
      }
      detail::read_mapping(src, v, p, fields);
    };
  };
  const auto u32 = [&src](const YAML::Node& v, const std::string& p, const std::string& expected,
                          std::int64_t min, std::int64_t max) {
    return static_cast<std::uint32_t>(detail::read_integer(src, v, p, expected, min, max));
  };

  const std::vector<Field> flow_fields = {
      {"enabled", kExpectBool,
       [&](const YAML::Node& v, const std::string& p) {
         flows.enabled = detail::read_bool(src, v, p, kExpectBool);
       }},
      {"max_entries", kExpectFlowEntries,
       [&](const YAML::Node& v, const std::string& p) {
         flows.max_entries = u32(v, p, kExpectFlowEntries, kMinFlowEntries, kMaxFlowEntries);
       }},
      {"top_k", kExpectTopK,
       [&](const YAML::Node& v, const std::string& p) {
         flows.top_k = u32(v, p, kExpectTopK, 1, kMaxTopK);
         given.top_k.emplace(v);
       }},
      {"idle_timeout", kExpectIdleTimeout,
       [&](const YAML::Node& v, const std::string& p) {
         flows.idle_timeout =
             detail::read_duration(src, v, p, kExpectIdleTimeout, kMinIdleTimeout, kMaxIdleTimeout);
         given.idle_timeout.emplace(v);
       }},
      {"max_new_per_second", kExpectNewFlows,
       [&](const YAML::Node& v, const std::string& p) {
         flows.max_new_per_second = u32(v, p, kExpectNewFlows, 0, kMaxNewFlowsPerSecond);
         if (flows.max_new_per_second != 0 && flows.max_new_per_second < kMinNewFlowsPerSecond) {
           src.fail(v.Mark(), p, detail::quote(v.Scalar()) + " is out of range", kExpectNewFlows);
         }
       }},
  };
  const std::vector<Field> vlan_fields = {
      {"enabled", kExpectBool,
       [&](const YAML::Node& v, const std::string& p) {
         vlans.enabled = detail::read_bool(src, v, p, kExpectBool);
       }},
      {"max_entries", kExpectVlanEntries,
       [&](const YAML::Node& v, const std::string& p) {
         vlans.max_entries = u32(v, p, kExpectVlanEntries, kMinVlanEntries, kMaxVlanEntries);
       }},
  };
  const auto flag = [&src](bool& out) {
    return [&src, &out](const YAML::Node& v, const std::string& p) {
      out = detail::read_bool(src, v, p, kExpectBool);
    };
  };
  const std::vector<Field> latency_fields = {
      {"handshake", kExpectBool, flag(cfg.latency.handshake)},
      {"rtt", kExpectBool, flag(cfg.latency.rtt)},
      {"srtt", kExpectBool, flag(cfg.latency.srtt)},
  };
  const std::vector<Field> loss_fields = {
      {"retransmits", kExpectBool, flag(cfg.loss.retransmits)},
      {"drops", kExpectBool, flag(cfg.loss.drops)},
  };
  SynFloodConfig& syn = cfg.threats.syn_flood;
  const std::vector<Field> syn_fields = {
      {"enabled", kExpectBool, flag(syn.enabled)},
      {"max_entries", kExpectThreatEntries,
       [&](const YAML::Node& v, const std::string& p) {
         syn.max_entries = u32(v, p, kExpectThreatEntries, kMinThreatEntries, kMaxThreatEntries);
       }},
      {"top_k", kExpectThreatTopK,
       [&](const YAML::Node& v, const std::string& p) {
         syn.top_k = u32(v, p, kExpectThreatTopK, 1, kMaxThreatTopK);
       }},
  };
  IcmpEchoConfig& echo = cfg.threats.icmp_echo;
  const std::vector<Field> echo_fields = {
      {"enabled", kExpectBool, flag(echo.enabled)},
      {"max_entries", kExpectThreatEntries,
       [&](const YAML::Node& v, const std::string& p) {
         echo.max_entries = u32(v, p, kExpectThreatEntries, kMinThreatEntries, kMaxThreatEntries);
       }},
      {"top_k", kExpectThreatTopK,
       [&](const YAML::Node& v, const std::string& p) {
         echo.top_k = u32(v, p, kExpectThreatTopK, 1, kMaxThreatTopK);
       }},
  };
  UdpPortsConfig& udp = cfg.threats.udp_ports;
  const std::vector<Field> udp_fields = {
      {"enabled", kExpectBool, flag(udp.enabled)},
      {"top_k", kExpectThreatTopK,
       [&](const YAML::Node& v, const std::string& p) {
         udp.top_k = u32(v, p, kExpectThreatTopK, 1, kMaxThreatTopK);
       }},
  };
  PortScanConfig& scan = cfg.threats.port_scan;
  const std::vector<Field> scan_fields = {
      {"enabled", kExpectBool, flag(scan.enabled)},
      {"max_sources", kExpectThreatEntries,
       [&](const YAML::Node& v, const std::string& p) {
         scan.max_sources = u32(v, p, kExpectThreatEntries, kMinThreatEntries, kMaxThreatEntries);
       }},
      {"window", kExpectScanWindow,
       [&](const YAML::Node& v, const std::string& p) {
         scan.window = detail::read_duration(src, v, p, kExpectScanWindow, 1s, 1h);
       }},
      {"threshold", kExpectScanThreshold,
       [&](const YAML::Node& v, const std::string& p) {
         scan.threshold = u32(v, p, kExpectScanThreshold, 2, kMaxScanThreshold);
       }},
      {"top_k", kExpectThreatTopK,
       [&](const YAML::Node& v, const std::string& p) {
         scan.top_k = u32(v, p, kExpectThreatTopK, 1, kMaxThreatTopK);
       }},
      {"max_new_per_second", kExpectNewFlows,
       [&](const YAML::Node& v, const std::string& p) {
         scan.max_new_per_second = u32(v, p, kExpectNewFlows, 0, kMaxNewFlowsPerSecond);
         if (scan.max_new_per_second != 0 && scan.max_new_per_second < kMinNewFlowsPerSecond) {
           src.fail(v.Mark(), p, detail::quote(v.Scalar()) + " is out of range", kExpectNewFlows);
         }
       }},
  };
  const std::vector<Field> threat_fields = {
      {"syn_flood", detail::mapping_expected(syn_fields), section(syn_fields)},
      {"icmp_echo", detail::mapping_expected(echo_fields), section(echo_fields)},
      {"udp_ports", detail::mapping_expected(udp_fields), section(udp_fields)},
      {"port_scan", detail::mapping_expected(scan_fields), section(scan_fields)},
  };
  const std::string expect_attach = enum_expected(detail::kAttachModes);
  const std::string expect_log_level = "one of " + enum_expected(detail::kLogLevels);
  const std::vector<Field> root_fields = {
      {"interfaces", kExpectInterfaces,
       [&](const YAML::Node& v, const std::string& p) {
         cfg.interfaces = read_interfaces(src, v, p);
       }},
      {"attach", expect_attach,
       [&](const YAML::Node& v, const std::string& p) {
         cfg.attach = read_enum(src, v, p, "mode", expect_attach, detail::kAttachModes);
       }},
      {"listen", kExpectListen,
       [&](const YAML::Node& v, const std::string& p) {
         const auto parsed = detail::parse_listen(detail::read_string(src, v, p, kExpectListen));
         if (!parsed.value) src.fail(v.Mark(), p, parsed.error, kExpectListen);
         cfg.listen = *parsed.value;
       }},
      {"interval", kExpectInterval,
       [&](const YAML::Node& v, const std::string& p) {
         cfg.interval =
             detail::read_duration(src, v, p, kExpectInterval, kMinInterval, kMaxInterval);
         given.interval.emplace(v);
       }},
      {"flows", detail::mapping_expected(flow_fields), section(flow_fields)},
      {"vlans", detail::mapping_expected(vlan_fields), section(vlan_fields)},
      {"latency", detail::mapping_expected(latency_fields), section(latency_fields)},
      {"loss", detail::mapping_expected(loss_fields), section(loss_fields)},
      {"networks", detail::kExpectNetworks,
       [&](const YAML::Node& v, const std::string& p) {
         cfg.networks = detail::read_networks(src, v, p);
       }},
      {"threats", detail::mapping_expected(threat_fields), section(threat_fields)},
      {"log_level", expect_log_level,
       [&](const YAML::Node& v, const std::string& p) {
         cfg.log_level = read_enum(src, v, p, "level", expect_log_level, detail::kLogLevels);
       }},
      {"web_config_file", kExpectWebConfigFile,
       [&](const YAML::Node& v, const std::string& p) {
         cfg.web_config_file = detail::read_string(src, v, p, kExpectWebConfigFile);
       }},
      {"alerts", detail::kExpectAlerts,
       [&](const YAML::Node& v, const std::string& p) {
         cfg.alerts = detail::read_alerts(src, v, p);
       }},
  };

  if (!root.IsMap()) {
    src.fail(root.Mark(), "the document is " + detail::describe(root) + " (expected " +
                              detail::mapping_expected(root_fields) + ")");
  }
  // Keys of the sections, for "unknown key 'top_k', it belongs under flows".
  std::map<std::string, std::string, std::less<>> homes;
  for (const auto& [name, fields] : {std::pair{"flows", &flow_fields},
                                     {"vlans", &vlan_fields},
                                     {"latency", &latency_fields},
                                     {"loss", &loss_fields},
                                     {"threats", &threat_fields}}) {
    for (const Field& f : *fields) {
      std::string& home = homes[std::string(f.key)];
      home += home.empty() ? name : std::string(" or ") + name;
    }
  }
  detail::read_mapping(src, root, "", root_fields, homes);
  check_relations(src, cfg, given);
  return cfg;
}

}  // namespace

Config load_config_string(std::string_view yaml, std::string_view name) {
  const Source src{std::string(name)};
  const auto document = detail::single_document(src, yaml);
  if (!document) return Config{};  // empty, or comments only
  return parse_document(src, *document);
}

Config load_config_file(const std::string& path) {
  return load_config_string(detail::read_file(path), path);
}

}  // namespace pktlens::config
