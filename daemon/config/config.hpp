// SPDX-License-Identifier: Apache-2.0
// pktlensd's configuration: one plain value type, filled from YAML by one load
// function that either returns a fully validated Config or throws a ConfigError
// naming FILE:LINE:COLUMN. Every key, its range and meaning:
// docs/configuration.md. Nothing here touches libbpf; the loader turns the
// values into map sizes and .rodata switches.
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <cstddef>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pktlens::config {

// Which interfaces to attach to: `all`, a list of names, or patterns.
struct InterfaceSelection {
  // true: every non-loopback interface that is up (`interfaces: all`); the
  // lists below are empty.
  bool all = true;
  // When !all and not patterns(): exactly these, in file order, each
  // unique, valid Linux names.
  std::vector<std::string> names;
  // `interfaces: {include: [...], exclude: [...]}`: every non-loopback
  // interface that is up whose name matches a glob of include (fnmatch(3);
  // an absent include is ["*"]) and none of exclude. Exclude wins.
  std::vector<std::string> include;
  std::vector<std::string> exclude;

  bool patterns() const { return !all && names.empty(); }

  bool operator==(const InterfaceSelection&) const = default;
};

enum class AttachMode {
  tc,   // clsact ingress + egress
  xdp,  // XDP, ingress only
};

// Address of the /metrics endpoint.
struct ListenAddress {
  // "" = every address, IPv4 and IPv6; otherwise an IPv4 or IPv6 literal in
  // canonical form (inet_ntop), IPv6 without brackets.
  std::string host;
  std::uint16_t port = 9586;

  bool operator==(const ListenAddress&) const = default;
};

// A field flows can be keyed by, beside interface and direction (always).
// service_port: the lower of the two TCP/UDP ports, the other one dropped.
enum class FlowKeyField { vlan, proto, src, dst, sport, dport, service_port };

struct FlowsConfig {
  bool enabled = true;                             // cfg_flows
  std::uint32_t max_entries = 262144;              // pktlens_flows max_entries
  std::uint32_t top_k = 100;                       // flows exported at a time
  std::chrono::milliseconds top_k_window{60000};   // flows ranked by bytes in this window
  std::chrono::milliseconds idle_timeout{120000};  // idle flows deleted by the collector
  std::uint32_t max_new_per_second = 25000;        // per CPU; 0 = unlimited
  // Each CPU's flow cache (bpf/lib/flow_cache.h), in slots; 0: off;
  // nullopt ("auto"): bpf::default_flow_cache_slots().
  std::optional<std::uint32_t> cache_slots;
  // The fields flows are keyed by: one map entry per distinct key.
  std::vector<FlowKeyField> key = {FlowKeyField::vlan, FlowKeyField::proto, FlowKeyField::src,
                                   FlowKeyField::dst,  FlowKeyField::sport, FlowKeyField::dport};

  bool operator==(const FlowsConfig&) const = default;
};

struct VlansConfig {
  bool enabled = true;               // cfg_vlans
  std::uint32_t max_entries = 4096;  // pktlens_vlans max_entries
  // VLAN series exported at a time; the rest is summed into vlan="other".
  std::uint32_t top_k = 100;
  // VLAN entries without a packet for this long are deleted by the collector.
  std::chrono::milliseconds idle_timeout{120000};

  bool operator==(const VlansConfig&) const = default;
};

// TCP latency signals (docs/metrics.md, "Latency and loss"); off: the
// program is not loaded (srtt) or the data plane skips the work.
struct LatencyConfig {
  bool handshake = true;  // pktlens_tcp_handshake_seconds (TC, cfg_handshake)
  bool rtt = true;        // pktlens_tcp_rtt_seconds (TC, cfg_rtt)
  bool srtt = true;       // pktlens_tcp_srtt_seconds (tcp:tcp_probe)

  bool operator==(const LatencyConfig&) const = default;
};

// Loss signals; off: the tracepoint program is not loaded.
struct LossConfig {
  bool retransmits = true;  // tcp:tcp_retransmit_skb / _synack
  bool drops = true;        // skb:kfree_skb

  bool operator==(const LossConfig&) const = default;
};

// A configured prefix: address in network byte order with the host bits
// zero (IPv4 in the first 4 bytes), and its length.
struct Prefix {
  std::uint8_t family = 4;  // 4 or 6
  std::array<std::uint8_t, 16> address{};
  std::uint8_t length = 0;  // 0..32 or 0..128

  bool operator==(const Prefix&) const = default;
};

enum class NetworkAction {
  count,  // counted per network only
  drop,   // also dropped at ingress when the packet's source is in it
};

// One entry of `networks:` (docs/configuration.md, "networks").
struct Network {
  std::string name;              // unique; 1 to kMaxNetworkNameLength of [A-Za-z0-9_.-]
  std::vector<Prefix> prefixes;  // file order, each unique across all networks
  NetworkAction action = NetworkAction::count;

  bool operator==(const Network&) const = default;
};

// The data plane's room (PKTLENS_MAX_NETWORKS, PKTLENS_MAX_NET_PREFIXES,
// PKTLENS_NET_NAME_LEN - 1 in bpf/pktlens_abi.h; the daemon checks they agree).
inline constexpr std::size_t kMaxNetworks = 256;
inline constexpr std::size_t kMaxPrefixesPerFamily = 65536;
inline constexpr std::size_t kMaxNetworkNameLength = 63;
// SYN flood signal (threats.syn_flood): SYNs received and handshakes
// completed per destination address and port.
struct SynFloodConfig {
  bool enabled = true;                // cfg_syn
  std::uint32_t max_entries = 16384;  // pktlens_syn max_entries
  std::uint32_t top_k = 20;           // destinations exported per interval

  bool operator==(const SynFloodConfig&) const = default;
};

// ICMP echo requests per destination address (threats.icmp_echo).
struct IcmpEchoConfig {
  bool enabled = true;               // cfg_icmp_echo
  std::uint32_t max_entries = 4096;  // pktlens_icmp_echo max_entries
  std::uint32_t top_k = 20;

  bool operator==(const IcmpEchoConfig&) const = default;
};

// UDP datagrams per destination port (threats.udp_ports).
struct UdpPortsConfig {
  bool enabled = true;  // cfg_udp_ports
  std::uint32_t top_k = 20;

  bool operator==(const UdpPortsConfig&) const = default;
};

// Port scans (threats.port_scan): distinct destination ports per source,
// over SYNs, within a window.
struct PortScanConfig {
  bool enabled = true;                       // cfg_scan
  std::uint32_t max_sources = 4096;          // pktlens_scan max_entries
  std::chrono::milliseconds window{60000};   // cfg_scan_window_ns
  std::uint32_t threshold = 25;              // ports that make a suspect
  std::uint32_t top_k = 20;                  // suspects exported
  std::uint32_t max_new_per_second = 10000;  // new sources per CPU; 0 = unlimited

  bool operator==(const PortScanConfig&) const = default;
};

// Threat signals (docs/metrics.md, "Threat signals"); counted on ingress.
struct ThreatsConfig {
  SynFloodConfig syn_flood;
  IcmpEchoConfig icmp_echo;
  UdpPortsConfig udp_ports;
  PortScanConfig port_scan;

  bool operator==(const ThreatsConfig&) const = default;
};

enum class LogLevel { trace, debug, info, warn, error, critical, off };

enum class Severity { critical, warning, info };

// One entry of `alerts:` (docs/alerting.md): a threshold on a signal of the
// catalog (signals/catalog.hpp), evaluated per label set of `by`.
struct AlertRule {
  std::string name;                           // unique, [A-Za-z_][A-Za-z0-9_]*
  std::string signal;                         // a catalog name
  std::vector<std::string> by;                // labels of the signal, each once, in file order
  std::map<std::string, std::string> match;   // label -> value the series must have
  double above = 0;                           // fires while the value is > above (>= 0)
  std::chrono::milliseconds for_duration{0};  // above for this long before firing
  // A firing alert resolves once the value has not been above for this
  // long (Prometheus keep_firing_for); 0: at the first evaluation not above.
  std::chrono::milliseconds clear_after{0};
  Severity severity = Severity::warning;
  std::string summary;  // {{label}} for a `by` label, {{value}} for the value

  bool operator==(const AlertRule&) const = default;
};

// The alerts of config/pktlens.yaml, read from the copy compiled in
// (default_config_yaml()), so that they are written only there.
std::vector<AlertRule> default_alert_rules();

// The table of interface slots (docs/running.md, "Interface lifecycle").
struct InterfaceSlotsConfig {
  // Interfaces counted at once, gone ones within their retention included;
  // every per-interface map is sized to it at load (docs/running.md gives
  // the memory per slot: per-CPU maps, so the default is not larger).
  std::uint32_t max_entries = 1024;
  // How long a gone (or no longer configured) interface keeps exporting its
  // final values before its series end and its slot is zeroed and freed.
  std::chrono::milliseconds retention{300000};

  bool operator==(const InterfaceSlotsConfig&) const = default;
};

// IPFIX flow export (daemon/export/, docs/export.md): off while no
// collector is listed.
enum class IpfixTransport { udp, tcp };

struct IpfixConfig {
  std::vector<ListenAddress> collectors;  // each host and port, records go to all
  IpfixTransport transport = IpfixTransport::udp;
  std::chrono::milliseconds active_timeout{60000};    // a long flow's record at least this often
  std::chrono::milliseconds idle_timeout{15000};      // a flow quiet this long gets its record
  std::chrono::milliseconds template_refresh{60000};  // UDP: templates sent again this often
  std::uint32_t observation_domain = 0;

  bool operator==(const IpfixConfig&) const = default;
};

// `export:` in the file (a C++ keyword, hence the member's name).
struct ExportConfig {
  IpfixConfig ipfix;

  bool operator==(const ExportConfig&) const = default;
};

// Defaults equal config/pktlens.yaml (a unit test keeps them in step).
struct Config {
  InterfaceSelection interfaces;
  AttachMode attach = AttachMode::tc;
  InterfaceSlotsConfig interface_slots;
  ListenAddress listen;
  std::chrono::milliseconds interval{5000};  // map collection period
  FlowsConfig flows;
  VlansConfig vlans;
  LatencyConfig latency;
  LossConfig loss;
  std::vector<Network> networks;  // none by default: nothing looked up, nothing dropped
  ThreatsConfig threats;
  LogLevel log_level = LogLevel::info;
  // exporter-toolkit web config for /metrics (TLS, basic auth; web_config.hpp),
  // as written: relative to this file's directory. "" = plain HTTP, no auth.
  std::string web_config_file;
  // Absent from the file: these defaults; `alerts: []`: none.
  std::vector<AlertRule> alerts = default_alert_rules();
  ExportConfig exports;

  bool operator==(const Config&) const = default;
};

// what() is "FILE:LINE:COLUMN: what is wrong (expected ...)" with 1-based
// LINE and COLUMN, or "FILE: what is wrong" when there is no position (the
// file cannot be read).
class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, int line, int column, const std::string& message);

  const std::string& file() const { return file_; }
  int line() const { return line_; }      // 1-based; 0 when there is no position
  int column() const { return column_; }  // 1-based; 0 when there is no position

 private:
  std::string file_;
  int line_;
  int column_;
};

// Reads and validates a config file; `path` names it in messages.
Config load_config_file(const std::string& path);
// Same for text in memory; `name` stands for the file in messages, e.g. "<embedded>".
Config load_config_string(std::string_view yaml, std::string_view name);

// The effective config as YAML: every key, defaults filled in. Loading the
// result gives back an equal Config.
std::string to_yaml(const Config& config);

// config/pktlens.yaml as it was at build time, comments included.
std::string_view default_config_yaml();
// default_config_yaml() loaded; equal to Config{}.
Config default_config();

std::string_view to_string(AttachMode mode);
std::string_view to_string(FlowKeyField field);
std::string_view to_string(LogLevel level);
std::string_view to_string(IpfixTransport transport);
std::string_view to_string(Severity severity);
// A threshold as files and PromQL write it: shortest exact fixed notation.
std::string format_number(double value);
std::string_view to_string(NetworkAction action);
// "198.18.0.0/15", "fd00::/8".
std::string to_string(const Prefix& prefix);
// "host:port" as written in the file: ":9586", "127.0.0.1:9586", "[::1]:9586".
std::string to_string(const ListenAddress& address);

// The data plane counts flow admissions per CPU in windows of this length
// (cfg_flow_window_ns in bpf/lib/config.h).
inline constexpr std::chrono::milliseconds kFlowAdmissionWindow{100};
// flows.max_new_per_second as cfg_flow_inserts_per_window: per window,
// rounded up so the budget is never below what was asked; 0 stays 0
// (unlimited).
std::uint32_t flow_inserts_per_window(const FlowsConfig& flows);
// threats.port_scan.max_new_per_second the same way, as
// cfg_scan_inserts_per_window (same admission window).
std::uint32_t scan_inserts_per_window(const PortScanConfig& scan);

}  // namespace pktlens::config
