// SPDX-License-Identifier: Apache-2.0
#include "service/module_options.hpp"

#include <algorithm>
#include <chrono>

#include "bpf/abi.hpp"
#include "bpf/percpu.hpp"

namespace pktlens::service {
namespace {

static_assert(config::kMaxNetworks == PKTLENS_MAX_NETWORKS);
static_assert(config::kMaxPrefixesPerFamily == PKTLENS_MAX_NET_PREFIXES);
static_assert(config::kMaxNetworkNameLength == PKTLENS_NET_NAME_LEN - 1);

std::vector<bpf::NetworkSpec> network_specs(const std::vector<config::Network>& networks) {
  std::vector<bpf::NetworkSpec> out;
  for (const auto& n : networks) {
    bpf::NetworkSpec spec{n.name, n.action == config::NetworkAction::drop, {}};
    for (const auto& p : n.prefixes) spec.prefixes.push_back({p.family, p.address, p.length});
    out.push_back(std::move(spec));
  }
  return out;
}

uint32_t flow_key_fields(const std::vector<config::FlowKeyField>& key) {
  uint32_t bits = 0;
  for (const auto f : key) switch (f) {
      case config::FlowKeyField::vlan:
        bits |= PKTLENS_FK_VLAN;
        break;
      case config::FlowKeyField::proto:
        bits |= PKTLENS_FK_PROTO;
        break;
      case config::FlowKeyField::src:
        bits |= PKTLENS_FK_SRC;
        break;
      case config::FlowKeyField::dst:
        bits |= PKTLENS_FK_DST;
        break;
      case config::FlowKeyField::sport:
        bits |= PKTLENS_FK_SPORT;
        break;
      case config::FlowKeyField::dport:
        bits |= PKTLENS_FK_DPORT;
        break;
      case config::FlowKeyField::service_port:
        bits |= PKTLENS_FK_SERVICE_PORT;
        break;
    }
  return bits;
}

}  // namespace

bpf::ObjectOptions object_options(const config::Config& c, const DaemonOptions& d) {
  bpf::ObjectOptions o;
  o.max_slots = c.interface_slots.max_entries + 1;  // slot 0: unregistered ifindexes
  o.max_flows = c.flows.max_entries;
  o.max_vlans = c.vlans.max_entries;
  o.flows = c.flows.enabled;
  o.flow_key = flow_key_fields(c.flows.key);
  o.vlans = c.vlans.enabled;
  o.handshake = c.latency.handshake;
  o.rtt = c.latency.rtt;
  o.flow_inserts_per_window = config::flow_inserts_per_window(c.flows);
  o.flow_cache_slots = c.flows.cache_slots.value_or(
      bpf::default_flow_cache_slots(c.flows.max_entries, bpf::possible_cpus()));
  // Open for three intervals after each flush, at least 10 s: a CPU stays
  // cached across a slow cycle, and leaves its cache soon after pktlensd
  // stops flushing it.
  o.flow_cache_open_ns = static_cast<uint64_t>(
      std::max(std::chrono::duration_cast<std::chrono::nanoseconds>(3 * c.interval),
               std::chrono::nanoseconds(10'000'000'000))
          .count());
  o.flow_window_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(config::kFlowAdmissionWindow).count();
  o.networks = network_specs(c.networks);
  o.syn = c.threats.syn_flood.enabled;
  o.max_syn_dests = c.threats.syn_flood.max_entries;
  o.icmp_echo = c.threats.icmp_echo.enabled;
  o.max_icmp_dests = c.threats.icmp_echo.max_entries;
  o.udp_ports = c.threats.udp_ports.enabled;
  o.scan = c.threats.port_scan.enabled;
  o.max_scan_sources = c.threats.port_scan.max_sources;
  o.scan_window_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(c.threats.port_scan.window).count();
  o.scan_inserts_per_window = config::scan_inserts_per_window(c.threats.port_scan);
  o.pin_dir = d.pin_dir;
  // The touch log is read through mmap: without it the data plane need not
  // write one.
  o.flow_log = d.mmapable_maps;
  o.mmapable_maps = d.mmapable_maps;
  return o;
}

bpf::TcpEventsOptions events_options(const config::Config& c, const std::string& pin_dir) {
  bpf::TcpEventsOptions o;
  o.drops = c.loss.drops;
  o.retransmits = c.loss.retransmits;
  o.srtt = c.latency.srtt;
  o.pin_dir = pin_dir;
  return o;
}

bpf::LoaderOptions loader_options(const config::Config& c, const DaemonOptions& d) {
  bpf::LoaderOptions o;
  o.hook = c.attach == config::AttachMode::xdp ? bpf::Hook::xdp : bpf::Hook::tc;
  o.tcx = d.tcx_links;
  o.pin_dir = d.pin_dir;
  o.all = c.interfaces.all;
  o.names = c.interfaces.names;
  o.include = c.interfaces.include;
  o.exclude = c.interfaces.exclude;
  o.retention = c.interface_slots.retention;
  return o;
}

collector::CollectorOptions collector_options(const config::Config& c, const DaemonOptions& d,
                                              const std::vector<std::string>& network_names,
                                              bpf::FlowIterator* iterator) {
  collector::CollectorOptions o;
  o.flows = c.flows.enabled;
  o.egress_hooked = c.attach == config::AttachMode::tc;
  o.flow_table.idle_timeout = c.flows.idle_timeout;
  o.flow_table.top_k = c.flows.top_k;
  o.flow_table.top_k_window = c.flows.top_k_window;
  o.flow_table.iterator = iterator;
  o.flow_table.touch_log = d.mmapable_maps;
  o.flow_table.batch_ops = d.batch_ops;
  o.vlans = c.vlans.enabled;
  o.vlan_table.top_k = c.vlans.top_k;
  o.vlan_table.idle_timeout = c.vlans.idle_timeout;
  o.vlan_table.lookup_and_delete = d.lookup_and_delete;
  o.flow_table.lookup_and_delete = d.lookup_and_delete;
  o.flow_table.record_changes = c.flows.enabled && !c.exports.ipfix.collectors.empty();
  o.threats.syn_top_k = c.threats.syn_flood.top_k;
  o.threats.tc_hooks = c.attach == config::AttachMode::tc;
  o.threats.icmp_echo_top_k = c.threats.icmp_echo.top_k;
  o.threats.udp_ports_top_k = c.threats.udp_ports.top_k;
  o.threats.scan_top_k = c.threats.port_scan.top_k;
  o.threats.scan_threshold = c.threats.port_scan.threshold;
  o.networks = collector::network_ids(network_specs(c.networks), network_names);
  return o;
}

}  // namespace pktlens::service
