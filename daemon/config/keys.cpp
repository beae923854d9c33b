// SPDX-License-Identifier: Apache-2.0
// Ranges as documented in docs/configuration.md (a unit test compares its
// table of keys with this one).
#include "keys.hpp"

#include <stdexcept>
#include <vector>

#include "alerts_schema.hpp"
#include "collectors.hpp"
#include "flow_key.hpp"
#include "interfaces.hpp"
#include "listen.hpp"
#include "names.hpp"
#include "network.hpp"
#include "quote.hpp"
#include "read_enum.hpp"

namespace pktlens::config::detail {
namespace {

using namespace std::chrono_literals;

constexpr DurationLimits kInterval{.min = 100ms, .max = 1h, .example = "5s"};
constexpr DurationLimits kIdleTimeout{
    .min = kInterval.min, .max = 24h, .example = "2m", .min_key = "interval"};
constexpr DurationLimits kTopKWindow{.min = kInterval.min,
                                     .max = 24h,
                                     .example = "1m",
                                     .min_key = "interval",
                                     .also = "at most flows.idle_timeout"};
// Slot 0 counts unregistered ifindexes, so the maps hold one more.
constexpr IntegerLimits kInterfaceSlots{.min = 16, .max = 65535};
// At least one interval, so that the final values are scraped at least once
// (docs/running.md, "Interface lifecycle").
constexpr DurationLimits kRetention{
    .min = kInterval.min, .max = 24h, .example = "5m", .min_key = "interval"};
constexpr IntegerLimits kFlowEntries{.min = 1024, .max = 16777216};
constexpr IntegerLimits kFlowTopK{.min = 1, .max = 100000, .also = "at most flows.max_entries"};
// Below 10/s the per-100ms budget would round to 0, which means unlimited.
constexpr IntegerLimits kNewPerSecond{
    .min = 1000 / kFlowAdmissionWindow.count(), .max = 100000000, .zero_means_no_limit = true};
constexpr IntegerLimits kVlanEntries{.min = 64, .max = 1048576};
constexpr IntegerLimits kVlanTopK{.min = 1, .max = 100000};
constexpr IntegerLimits kThreatEntries{.min = 64, .max = 1048576};
constexpr IntegerLimits kThreatTopK{.min = 1, .max = 1000};
constexpr DurationLimits kScanWindow{.min = 1s, .max = 1h, .example = "60s"};
// The linear-counting bitmap tells at most about 7098 distinct ports.
constexpr IntegerLimits kScanThreshold{.min = 2, .max = 7000};
// The default top_k fits every valid max_entries, so only a top_k the file
// sets can exceed it: check_relations() relies on that.
constexpr DurationLimits kExportTimeout{.min = 1s, .max = 24h, .example = "60s"};
constexpr IntegerLimits kObservationDomain{.min = 0, .max = 4294967295};
static_assert(FlowsConfig{}.top_k <= kFlowEntries.min);

constexpr std::int64_t kMaxCacheSlots = 1 << 20;
const char* const kExpectCacheSlots =
    "auto, 0 (off), or a power of two from 256 to 1048576 (slots per CPU)";

const char* const kExpectBool = "true or false";
const char* const kExpectCollectors =
    "a list of HOST:PORT, HOST an IPv4 address or an IPv6 address in brackets, e.g. "
    "['198.18.0.1:4739', '[fd00::1]:4739'], or [] for no export";
const char* const kExpectListen =
    "HOST:PORT with PORT from 1 to 65535, e.g. ':9586', '127.0.0.1:9586' or '[::1]:9586'";

// A key whose path in the file is the path of the Config member it sets,
// so that the two are spelt once: KEY(BoolKey, flows.enabled) reads
// "flows.enabled" into config.flows.enabled. Arguments after the member
// are the limits.
// clang-format off
#define KEY(Kind, member, ...) \
  KeySpec{#member, Kind{__VA_ARGS__ __VA_OPT__(,) [](Config& c) -> auto& { return c.member; }}}
// clang-format on

std::vector<KeySpec> make_config_keys() {
  // Short names for the custom readers' parameter types, so that an entry
  // stays a few lines long.
  using Text = const std::string&;
  using Node = const YAML::Node&;
  return {
      {"interfaces", CustomKey{kExpectInterfaces,
                               [](const Source& src, Node v, Text path, Text, Config& c) {
                                 c.interfaces = read_interfaces(src, v, path);
                               }}},
      {"attach", CustomKey{enum_expected(kAttachModes),
                           [](const Source& src, Node v, Text path, Text expected, Config& c) {
                             c.attach = read_enum(src, v, path, "mode", expected, kAttachModes);
                           }}},
      KEY(IntegerKey, interface_slots.max_entries, kInterfaceSlots),
      KEY(DurationKey, interface_slots.retention, kRetention),
      {"listen", CustomKey{kExpectListen,
                           [](const Source& src, Node v, Text path, Text expected, Config& c) {
                             const auto parsed = parse_listen(read_string(src, v, path, expected));
                             if (!parsed.value) src.fail(v.Mark(), path, parsed.error, expected);
                             c.listen = *parsed.value;
                           }}},
      KEY(DurationKey, interval, kInterval), KEY(BoolKey, flows.enabled),
      KEY(IntegerKey, flows.max_entries, kFlowEntries), KEY(IntegerKey, flows.top_k, kFlowTopK),
      KEY(DurationKey, flows.top_k_window, kTopKWindow),
      KEY(DurationKey, flows.idle_timeout, kIdleTimeout),
      KEY(IntegerKey, flows.max_new_per_second, kNewPerSecond),
      {"flows.cache_slots",
       CustomKey{kExpectCacheSlots,
                 [](const Source& src, Node v, Text path, Text expected, Config& c) {
                   if (v.IsScalar() && v.Scalar() == "auto") {
                     c.flows.cache_slots.reset();
                     return;
                   }
                   const std::int64_t n = read_integer(src, v, path, expected, 0, kMaxCacheSlots);
                   if (n != 0 && (n < 256 || (n & (n - 1)) != 0))
                     src.fail(v.Mark(), path, quote(v.Scalar()) + " is not a power of two from 256",
                              expected);
                   c.flows.cache_slots = static_cast<std::uint32_t>(n);
                 }}},
      {"flows.key", CustomKey{kExpectFlowKey,
                              [](const Source& src, Node v, Text path, Text expected, Config& c) {
                                c.flows.key = read_flow_key(src, v, path, expected);
                              }}},
      KEY(BoolKey, vlans.enabled), KEY(IntegerKey, vlans.max_entries, kVlanEntries),
      KEY(IntegerKey, vlans.top_k, kVlanTopK), KEY(DurationKey, vlans.idle_timeout, kIdleTimeout),
      KEY(BoolKey, latency.handshake), KEY(BoolKey, latency.rtt), KEY(BoolKey, latency.srtt),
      KEY(BoolKey, loss.retransmits), KEY(BoolKey, loss.drops),
      {"networks",
       CustomKey{kExpectNetworks, [](const Source& src, Node v, Text path, Text,
                                     Config& c) { c.networks = read_networks(src, v, path); }}},
      KEY(BoolKey, threats.syn_flood.enabled),
      KEY(IntegerKey, threats.syn_flood.max_entries, kThreatEntries),
      KEY(IntegerKey, threats.syn_flood.top_k, kThreatTopK),
      KEY(BoolKey, threats.icmp_echo.enabled),
      KEY(IntegerKey, threats.icmp_echo.max_entries, kThreatEntries),
      KEY(IntegerKey, threats.icmp_echo.top_k, kThreatTopK),
      KEY(BoolKey, threats.udp_ports.enabled),
      KEY(IntegerKey, threats.udp_ports.top_k, kThreatTopK),
      KEY(BoolKey, threats.port_scan.enabled),
      KEY(IntegerKey, threats.port_scan.max_sources, kThreatEntries),
      KEY(DurationKey, threats.port_scan.window, kScanWindow),
      KEY(IntegerKey, threats.port_scan.threshold, kScanThreshold),
      KEY(IntegerKey, threats.port_scan.top_k, kThreatTopK),
      KEY(IntegerKey, threats.port_scan.max_new_per_second, kNewPerSecond),
      {"log_level", CustomKey{"one of " + enum_expected(kLogLevels),
                              [](const Source& src, Node v, Text path, Text expected, Config& c) {
                                c.log_level =
                                    read_enum(src, v, path, "level", expected, kLogLevels);
                              }}},
      {"web_config_file",
       CustomKey{"the file name of an exporter-toolkit web config, or \"\" for none",
                 [](const Source& src, Node v, Text path, Text expected, Config& c) {
                   c.web_config_file = read_string(src, v, path, expected);
                 }}},
      {"export.ipfix.collectors",
       CustomKey{kExpectCollectors,
                 [](const Source& src, Node v, Text path, Text expected, Config& c) {
                   c.exports.ipfix.collectors = read_collectors(src, v, path, expected);
                 }}},
      {"export.ipfix.transport",
       CustomKey{enum_expected(kIpfixTransports),
                 [](const Source& src, Node v, Text path, Text expected, Config& c) {
                   c.exports.ipfix.transport =
                       read_enum(src, v, path, "transport", expected, kIpfixTransports);
                 }}},
      {"export.ipfix.active_timeout",
       DurationKey{kExportTimeout, [](Config & c) -> auto& {return c.exports.ipfix.active_timeout;
}
}  // namespace
}  // namespace pktlens::config::detail
, {"export.ipfix.idle_timeout",
   DurationKey{kExportTimeout, [](Config& c) -> auto& {return c.exports.ipfix.idle_timeout;
}
}
}
, {"export.ipfix.template_refresh",
   DurationKey{kExportTimeout, [](Config& c) -> auto& {return c.exports.ipfix.template_refresh;
}
}
}
, {"export.ipfix.observation_domain",
   IntegerKey{kObservationDomain, [](Config& c) -> auto& {return c.exports.ipfix.observation_domain;
}
}
}
, {"alerts", CustomKey{kExpectAlerts, [](const Source& src, Node v, Text path, Text, Config& c) {
                         c.alerts = read_alerts(src, v, path);
                       }}},
}
;
}

#undef KEY

}  // namespace

std::span<const KeySpec> config_keys() {
  static const std::vector<KeySpec> keys = make_config_keys();
  return keys;
}

const KeySpec& config_key(std::string_view path) {
  for (const KeySpec& key : config_keys()) {
    if (key.path == path) return key;
  }
  throw std::logic_error("no config key " + std::string(path));
}

std::string expected(const KeySpec& key) {
  if (std::holds_alternative<BoolKey>(key.kind)) return kExpectBool;
  if (const auto* k = std::get_if<IntegerKey>(&key.kind)) return expected(k->limits);
  if (const auto* k = std::get_if<DurationKey>(&key.kind)) return expected(k->limits);
  return std::get<CustomKey>(key.kind).expected;
}

void read_key(const KeySpec& key, const Source& src, const YAML::Node& value,
              const std::string& path, Config& config) {
  if (const auto* k = std::get_if<BoolKey>(&key.kind)) {
    k->value(config) = read_bool(src, value, path, kExpectBool);
  } else if (const auto* k = std::get_if<IntegerKey>(&key.kind)) {
    k->value(config) = static_cast<std::uint32_t>(read_integer(src, value, path, k->limits));
  } else if (const auto* k = std::get_if<DurationKey>(&key.kind)) {
    k->value(config) = read_duration(src, value, path, k->limits);
  } else {
    const CustomKey& custom = std::get<CustomKey>(key.kind);
    custom.read(src, value, path, custom.expected, config);
  }
}

}  // namespace pktlens::config::detail
