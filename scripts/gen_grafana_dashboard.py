#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the Grafana dashboard packaging/grafana/pktlens.json (docs/dashboard.md).

    scripts/gen_grafana_dashboard.py packaging/grafana/pktlens.json

Edit the panels here and regenerate: tests/e2e/test_dashboard.py checks that
the JSON is this script's output, lints it and runs every query against a
real Prometheus."""
import json
import sys

DS = {"type": "prometheus", "uid": "${datasource}"}
S = 'job=~"$job", instance=~"$instance"'
SI = S + ', interface=~"$interface"'
R = "[$__rate_interval]"

panels = []
_id = [0]
_y = [0]
_x = [0]
_row = [None]


def nid():
    _id[0] += 1
    return _id[0]


def row(title, description, collapsed=False):
    if _x[0]:
        _y[0] += 8
        _x[0] = 0
    p = {"type": "row", "id": nid(), "title": title, "description": description,
         "collapsed": collapsed, "gridPos": {"h": 1, "w": 24, "x": 0, "y": _y[0]}, "panels": []}
    panels.append(p)
    _row[0] = p if collapsed else None
    _y[0] += 1


def target(expr, legend="", ref="A", fmt="time_series", instant=False):
    t = {"datasource": DS, "refId": ref, "expr": expr, "legendFormat": legend or "__auto",
         "range": not instant, "instant": instant, "format": fmt, "editorMode": "code"}
    return t


def place(p, w, h):
    if _x[0] + w > 24:
        _y[0] += 8
        _x[0] = 0
    p["gridPos"] = {"h": h, "w": w, "x": _x[0], "y": _y[0]}
    _x[0] += w
    if _x[0] >= 24:
        _x[0] = 0
        _y[0] += h
    if _row[0] is not None:
        _row[0]["panels"].append(p)
    else:
        panels.append(p)


def ts(title, description, unit, targets, w=12, h=8, stack=False, min0=True):
    custom = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never",
              "spanNulls": False, "stacking": {"mode": "normal" if stack else "none", "group": "A"}}
    d = {"unit": unit, "custom": custom}
    if min0:
        d["min"] = 0
    p = {"type": "timeseries", "id": nid(), "title": title, "description": description,
         "datasource": DS, "fieldConfig": {"defaults": d, "overrides": []},
         "options": {"legend": {"displayMode": "table", "placement": "bottom", "showLegend": True,
                                "calcs": ["mean", "max", "lastNotNull"]},
                     "tooltip": {"mode": "multi", "sort": "desc"}},
         "targets": [target(e, l, chr(65 + i)) for i, (e, l) in enumerate(targets)]}
    place(p, w, h)


def table(title, description, unit, expr, w=24, h=9, exclude=("Time", "job", "instance"), value="Value"):
    p = {"type": "table", "id": nid(), "title": title, "description": description, "datasource": DS,
         "fieldConfig": {"defaults": {"unit": unit, "custom": {"align": "auto", "filterable": True}},
                         "overrides": []},
         "options": {"showHeader": True, "sortBy": [{"displayName": value, "desc": True}],
                     "footer": {"show": False, "reducer": ["sum"], "fields": ""}},
         "transformations": [{"id": "organize", "options": {
             "excludeByName": {k: True for k in exclude}, "renameByName": {"Value": value}}}],
         "targets": [target(expr, "", "A", fmt="table", instant=True)]}
    place(p, w, h)


def stat(title, description, unit, targets, w=6, h=4, thresholds=None, mappings=None):
    p = {"type": "stat", "id": nid(), "title": title, "description": description, "datasource": DS,
         "fieldConfig": {"defaults": {"unit": unit, "mappings": mappings or [], "thresholds": thresholds or {
             "mode": "absolute", "steps": [{"color": "green", "value": None}]}}, "overrides": []},
         "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                     "colorMode": "background", "graphMode": "area", "textMode": "auto",
                     "justifyMode": "auto", "orientation": "auto"},
         "targets": [target(e, l, chr(65 + i), instant=False) for i, (e, l) in enumerate(targets)]}
    place(p, w, h)


def heatmap(title, description, unit, expr, w=12, h=8):
    p = {"type": "heatmap", "id": nid(), "title": title, "description": description, "datasource": DS,
         "fieldConfig": {"defaults": {"unit": unit, "custom": {"hideFrom": {"legend": False, "tooltip": False,
                                                                           "viz": False},
                                                              "scaleDistribution": {"type": "linear"}}},
                         "overrides": []},
         "options": {"calculate": False, "cellGap": 1, "yAxis": {"axisPlacement": "left", "unit": unit},
                     "rowsFrame": {"layout": "auto"}, "color": {"mode": "scheme", "scheme": "Oranges",
                                                                "fill": "dark", "scale": "exponential",
                                                                "exponent": 0.5, "steps": 64},
                     "cellValues": {"unit": "pps"}, "tooltip": {"show": True, "yHistogram": True},
                     "legend": {"show": True}, "filterValues": {"le": 1e-9}},
         "targets": [target(expr, "{{le}}", "A", fmt="heatmap")]}
    place(p, w, h)


def quantiles(metric, by, sel):
    return [(f"histogram_quantile({q}, sum by (le{by}) (rate({metric}_bucket{{{sel}}}{R})))",
             f"p{int(q * 100)}" + "".join(f" {{{{{b.strip()}}}}}" for b in by.split(",") if b.strip()))
            for q in (0.5, 0.9, 0.99)]


UP_MAP = [{"type": "value", "options": {"0": {"text": "DOWN", "color": "red", "index": 0},
                                        "1": {"text": "UP", "color": "green", "index": 1}}}]
RED0 = {"mode": "absolute", "steps": [{"color": "red", "value": None}, {"color": "green", "value": 1}]}
GREEN0 = {"mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "red", "value": 1}]}

# --------------------------------------------------------------------------
row("Overview", "Is pktlensd up and counting, and how much traffic does it see?")
stat("pktlensd up", "pktlens_up: 1 when pktlensd's last collection of the kernel maps succeeded, 0 when it "
     "failed or none has run yet. Says nothing about which interfaces are counted (see Interfaces monitored).",
     "none", [(f"min(pktlens_up{{{S}}})", "pktlens_up")], thresholds=RED0, mappings=UP_MAP)
stat("Scrape up", "Prometheus' own up series for the pktlensd targets: 1 when the last scrape of /metrics "
     "succeeded.", "none", [(f"min(up{{{S}}})", "up")], thresholds=RED0, mappings=UP_MAP)
stat("Interfaces not monitored", "Interfaces pktlensd should count on whose programs are not attached "
     "(pktlens_interface_monitored == 0: missing, attach failed, or another program took pktlens's place). "
     "The shipped rule PktlensInterfaceNotMonitored fires on it.", "none",
     [(f"count(pktlens_interface_monitored{{{SI}}} == 0) or on() vector(0)", "not monitored")], thresholds=GREEN0)
stat("Features switched off", "Number of pktlens features switched off in the config "
     "(pktlens_feature_enabled == 0). Families of a switched-off feature have no series: their panels show "
     "no data rather than 0. The table in the pktlensd row names them.", "none",
     [(f"sum(1 - pktlens_feature_enabled{{{S}}})", "off")])

# --------------------------------------------------------------------------
row("Traffic", "How many bits and packets per interface and direction, and of which protocols?")
ts("Throughput by interface and direction",
   "Bits per second on the wire per interface and direction (pktlens_bytes_total x 8, Ethernet header "
   "included). GSO/GRO aggregates count as the segments the NIC sends.", "bps",
   [(f"sum by (instance, interface, dir) (rate(pktlens_bytes_total{{{SI}}}{R})) * 8",
     "{{interface}} {{dir}}")])
ts("Packets by interface and direction",
   "Packets per second on the wire per interface and direction (pktlens_packets_total).", "pps",
   [(f"sum by (instance, interface, dir) (rate(pktlens_packets_total{{{SI}}}{R}))", "{{interface}} {{dir}}")])
ts("Packets by protocol", "Packets per second by network layer (l3) and transport (l4) protocol, all "
   "selected interfaces and directions.", "pps",
   [(f"sum by (l3, l4) (rate(pktlens_packets_total{{{SI}}}{R}))", "{{l3}}/{{l4}}")], stack=True)
ts("Throughput by protocol", "Bits per second by network layer (l3) and transport (l4) protocol.", "bps",
   [(f"sum by (l3, l4) (rate(pktlens_bytes_total{{{SI}}}{R})) * 8", "{{l3}}/{{l4}}")], stack=True)
ts("Packets per buffer (GSO/GRO)", "Wire packets per buffer the hook was handed "
   "(pktlens_packets_total / pktlens_skbs_total): 1 at XDP, tens on a TC host sending bulk TCP.", "none",
   [(f"sum by (instance, interface, dir) (rate(pktlens_packets_total{{{SI}}}{R})) / sum by (instance, "
     f"interface, dir) (rate(pktlens_skbs_total{{{SI}}}{R}))", "{{interface}} {{dir}}")])
ts("DSCP", "IP packets per second by DSCP code point (only code points seen).", "pps",
   [(f"sum by (dscp) (rate(pktlens_dscp_packets_total{{{SI}}}{R}))", "DSCP {{dscp}}")])
ts("ECN congestion experienced", "IP packets per second marked ECN Congestion Experienced (CE): a "
   "router on the path signals congestion.", "pps",
   [(f"sum by (instance, interface, dir) (rate(pktlens_ecn_ce_packets_total{{{SI}}}{R}))",
     "{{interface}} {{dir}}")])
ts("VLANs", "Tagged packets per second per VLAN (100, or outer.inner for double tags), and tagged "
   "packets the VLAN table had no room for (raise vlans.max_entries).", "pps",
   [(f"sum by (interface, dir, vlan) (rate(pktlens_vlan_packets_total{{{SI}}}{R}))",
     "{{interface}} {{dir}} vlan {{vlan}}"),
    (f"sum by (interface, dir) (rate(pktlens_vlan_overflow_packets_total{{{SI}}}{R}))",
     "{{interface}} {{dir}} overflow")])

# --------------------------------------------------------------------------
row("Top flows", "Which conversations move the most bytes right now? (top-K flows only)")
table("Top flows by throughput", "The 20 flows with the most bits per second over the rate interval, among "
      "the top-K flows pktlensd exports (flows.top_k by bytes in flows.top_k_window), those that moved in "
      "it. Short flows may be missing; the per-interface panels count every packet.", "bps",
      f"topk(20, sum by (interface, dir, proto, src, sport, dst, dport, vlan) "
      f"(rate(pktlens_flow_bytes_total{{{SI}}}{R})) * 8 > 0)", value="Throughput")
table("Top flows by packets", "The 20 flows with the most packets per second among the exported top-K "
      "flows (those that moved in the rate interval).", "pps",
      f"topk(20, sum by (interface, dir, proto, src, sport, dst, dport, vlan) "
      f"(rate(pktlens_flow_packets_total{{{SI}}}{R})) > 0)", w=12, value="Packets/s")
table("Top flows by retransmits", "TCP connections (egress flows in the top-K) with the most segments "
      "the kernel retransmitted in the rate interval.", "short",
      f"topk(20, sum by (interface, proto, src, sport, dst, dport) "
      f"(increase(pktlens_flow_retransmits_total{{{SI}}}{R})))", w=12, value="Retransmits")
ts("Flows", "Flows that saw a packet in the last collection interval, flows in the kernel table, and new "
   "flows created per second.", "short",
   [(f"sum(pktlens_flows_active{{{S}}})", "active"), (f"sum(pktlens_flow_table_entries{{{S}}})", "in table"),
    (f"sum(rate(pktlens_flow_inserts_total{{{SI}}}{R}))", "created/s")])
ts("Packets outside the top-K bookkeeping", "Packets per second with no flow key (not IP, or flows "
   "switched off: untracked) and of new flows over the admission budget flows.max_new_per_second "
   "(unadmitted, i.e. floods of new 5-tuples).", "pps",
   [(f"sum by (interface, dir) (rate(pktlens_flow_untracked_packets_total{{{SI}}}{R}))",
     "{{interface}} {{dir}} untracked"),
    (f"sum by (interface, dir) (rate(pktlens_flow_unadmitted_packets_total{{{SI}}}{R}))",
     "{{interface}} {{dir}} unadmitted")])

# --------------------------------------------------------------------------
row("Packet sizes", "How large are the packets, and how far have they travelled?")
heatmap("Packet size distribution", "Packets per second per size bucket (pktlens_packet_size_bytes, "
        "wire size with Ethernet header; aggregates segment by segment).", "bytes",
        f"sum by (le) (rate(pktlens_packet_size_bytes_bucket{{{SI}}}{R}))")
ts("Mean packet size", "Mean wire packet size per interface and direction "
   "(pktlens_packet_size_bytes_sum / _count).", "bytes",
   [(f"sum by (interface, dir) (rate(pktlens_packet_size_bytes_sum{{{SI}}}{R})) / sum by (interface, dir) "
     f"(rate(pktlens_packet_size_bytes_count{{{SI}}}{R}))", "{{interface}} {{dir}}")])
ts("Packet size quantiles", "Median and 99th percentile packet size, estimated from the histogram "
   "buckets (64 ... 65535 bytes).", "bytes",
   [(f"histogram_quantile({q}, sum by (le, dir) (rate(pktlens_packet_size_bytes_bucket{{{SI}}}{R})))",
     f"p{int(q * 100)} {{{{dir}}}}") for q in (0.5, 0.99)])
ts("Mean TTL / hop limit", "Mean IPv4 TTL / IPv6 hop limit of received and sent packets "
   "(pktlens_packet_ttl_sum / _count): a sudden change on ingress can mean spoofed traffic.", "none",
   [(f"sum by (interface, dir) (rate(pktlens_packet_ttl_sum{{{SI}}}{R})) / sum by (interface, dir) "
     f"(rate(pktlens_packet_ttl_count{{{SI}}}{R}))", "{{interface}} {{dir}}")])

# --------------------------------------------------------------------------
row("TCP", "Do TCP connections start quickly, how long are round trips, and how much is retransmitted "
    "or reset?")
ts("TCP flags", "TCP headers per second with each flag set (syn: SYN without ACK), once per buffer.",
   "pps", [(f"sum by (flag) (rate(pktlens_tcp_flags_total{{{SI}}}{R}))", "{{flag}}")])
ts("Handshake latency", "TCP handshake time quantiles per role: client, our SYN to the SYN-ACK; "
   "server, our SYN-ACK to the final ACK (pktlens_tcp_handshake_seconds, TC only).", "s",
   quantiles("pktlens_tcp_handshake_seconds", ", role", SI), min0=False)
ts("RTT (passive, TCP timestamps)", "Round-trip time quantiles from TCP timestamp echoes "
   "(pktlens_tcp_rtt_seconds, includes the peer's delayed-ACK wait).", "s",
   quantiles("pktlens_tcp_rtt_seconds", "", SI), min0=False)
ts("Smoothed RTT (kernel)", "Quantiles of the kernel's smoothed RTT of established connections "
   "(pktlens_tcp_srtt_seconds, tcp:tcp_probe, at most 10 samples/s per connection).", "s",
   quantiles("pktlens_tcp_srtt_seconds", "", S), min0=False)
ts("Retransmits", "TCP segments the kernel retransmitted per second, SYN-ACKs included "
   "(pktlens_tcp_retransmits_total), and SYNs we sent again for a pending handshake.", "pps",
   [(f"sum by (interface) (rate(pktlens_tcp_retransmits_total{{{SI}}}{R}))", "{{interface}} retransmits"),
    (f"sum by (interface) (rate(pktlens_tcp_syn_retransmits_total{{{SI}}}{R}))", "{{interface}} SYN again")])
ts("Resets", "TCP segments with RST per second: egress sent, ingress received.", "pps",
   [(f"sum by (interface, dir) (rate(pktlens_tcp_resets_total{{{SI}}}{R}))", "{{interface}} {{dir}}")])
ts("Handshake timeouts", "Handshakes per second still pending after 10 s (no SYN-ACK or no final "
   "ACK), per role.", "short",
   [(f"sum by (interface, role) (rate(pktlens_tcp_handshake_timeouts_total{{{SI}}}{R}))",
     "{{interface}} {{role}}")])
ts("Segments without timestamps", "TCP segments per second without a timestamp option: they give no "
   "passive RTT sample (pktlens_tcp_rtt_unsampled_packets_total).", "pps",
   [(f"sum by (interface) (rate(pktlens_tcp_rtt_unsampled_packets_total{{{SI}}}{R}))", "{{interface}}")])

# --------------------------------------------------------------------------
row("Drops", "Which packets does the kernel drop, and why? (all of pktlensd's network namespace)")
ts("Kernel drops by reason", "Packets the kernel dropped per second, by drop reason (skb:kfree_skb; "
   "NO_SOCKET: to a closed port). Not limited to the monitored interfaces.", "pps",
   [(f"sum by (reason) (rate(pktlens_drops_total{{{S}}}{R}))", "{{reason}}")], stack=True)
ts("Dropped by pktlens (networks with action: drop)", "Packets per second pktlens itself dropped at "
   "ingress because their source is in a network with action: drop.", "pps",
   [(f"sum by (network) (rate(pktlens_blocked_packets_total{{{S}}}{R}))", "{{network}}")], stack=True)

# --------------------------------------------------------------------------
row("Anomalies", "Are malformed or suspicious frames arriving?")
ts("Anomalies by kind", "Malformed or suspicious buffers per second by kind (truncated, land, tcp_null, "
   "tcp_xmas, fragment, ...; definitions in docs/architecture.md).", "pps",
   [(f"sum by (kind) (rate(pktlens_anomalies_total{{{SI}}}{R}))", "{{kind}}")], stack=True)
ts("Anomalies by interface", "Anomalous buffers per second per interface and direction.", "pps",
   [(f"sum by (interface, dir) (rate(pktlens_anomalies_total{{{SI}}}{R}))", "{{interface}} {{dir}}")])

# --------------------------------------------------------------------------
row("Threats", "Is this host under a SYN flood, a port scan, an ICMP or UDP flood? (ingress, top-K keys)")
ts("SYN half-open rate", "SYNs received minus handshakes completed per second per destination, floor 0 "
   "(rate of pktlens_tcp_syn_received_total minus pktlens_tcp_handshakes_completed_total; the SynFlood "
   "signal). Needs attach: tc and latency.handshake.", "cps",
   [(f"clamp_min(sum by (instance, dst, dport) (rate(pktlens_tcp_syn_received_total{{{S}}}{R})) - "
     f"sum by (instance, dst, dport) (rate(pktlens_tcp_handshakes_completed_total{{{S}}}{R})), 0)",
     "{{dst}}:{{dport}}")])
ts("SYNs and completed handshakes", "SYNs received and handshakes completed per second per destination "
   "(top-K destinations).", "cps",
   [(f"sum by (dst, dport) (rate(pktlens_tcp_syn_received_total{{{S}}}{R}))", "SYN {{dst}}:{{dport}}"),
    (f"sum by (dst, dport) (rate(pktlens_tcp_handshakes_completed_total{{{S}}}{R}))",
     "completed {{dst}}:{{dport}}")])
ts("Half-open in the last interval", "pktlens_syn_half_open: SYNs minus completed handshakes in "
   "pktlensd's last collection interval (not a rate), per destination.", "short",
   [(f"max by (dst, dport) (pktlens_syn_half_open{{{S}}})", "{{dst}}:{{dport}}")])
ts("Port scans", "Distinct destination ports each suspected scanner sent SYNs to in its scan window "
   "(estimated; sources at or over threats.port_scan.threshold), and how many sources are suspects.",
   "short",
   [(f"max by (src) (pktlens_scan_ports{{{S}}})", "{{src}}"),
    (f"sum(pktlens_scan_suspects{{{S}}})", "suspects")])
ts("ICMP echo requests", "ICMP echo requests received per second per destination (top-K).", "pps",
   [(f"sum by (dst) (rate(pktlens_icmp_echo_requests_total{{{S}}}{R}))", "{{dst}}")])
ts("UDP by destination port", "UDP datagrams received per second per destination port (top-K).", "pps",
   [(f"sum by (dport) (rate(pktlens_udp_dport_packets_total{{{S}}}{R}))", "port {{dport}}")])

# --------------------------------------------------------------------------
row("Networks", "How much traffic goes to and from each configured network? (networks: in the config)")
ts("Network throughput", "Bits per second whose source (side src) or destination (side dst) address is "
   "in each configured network (longest prefix wins).", "bps",
   [(f"sum by (network, dir, side) (rate(pktlens_network_bytes_total{{{S}}}{R})) * 8",
     "{{network}} {{dir}} {{side}}")])
ts("Network packets", "Packets per second per configured network, direction and side.", "pps",
   [(f"sum by (network, dir, side) (rate(pktlens_network_packets_total{{{S}}}{R}))",
     "{{network}} {{dir}} {{side}}")])
ts("Blocked throughput", "Bits per second dropped at ingress per network with action: drop.", "bps",
   [(f"sum by (network) (rate(pktlens_blocked_bytes_total{{{S}}}{R})) * 8", "{{network}}")], w=24)

# --------------------------------------------------------------------------
row("Alerts", "Which alerts fire now, in pktlensd and in Prometheus?")
table("pktlensd alerts", "In-daemon alerts (alerts: in the config) that are pending (0) or firing (1), "
      "with their labels (pktlens_alert_firing).", "none",
      f"max by (alert, severity, dst, dport, src, interface, kind, network) (pktlens_alert_firing{{{S}}})",
      w=12, h=8, value="Firing")
table("pktlensd alert values", "The signal of each active in-daemon alert at the last collection "
      "(pktlens_alert_value, rates per second).", "short",
      f"max by (alert, severity, dst, dport, src, interface, kind, network) (pktlens_alert_value{{{S}}})",
      w=12, h=8, value="Value")
table("Prometheus alerts firing", "Alerts of the shipped Prometheus rules "
      "(/usr/share/pktlens/pktlens-rules.yml) firing for the selected instances (ALERTS).", "none",
      'sum by (alertname, severity, instance, dst, dport, src, interface, kind, network) '
      '(ALERTS{alertstate="firing", instance=~"$instance"})', w=24, h=8, value="Firing")

# --------------------------------------------------------------------------
row("pktlensd", "Is pktlensd healthy: collections, errors, flow table, interfaces, features, resources?",
    collapsed=True)
ts("Collect duration", "Wall time of pktlensd's last collection of the kernel maps "
   "(pktlens_collect_duration_seconds); close to interval means it cannot keep up.", "s",
   [(f"max by (instance) (pktlens_collect_duration_seconds{{{S}}})", "{{instance}}")], w=8)
ts("Collect errors", "Collections of the kernel maps that failed in the rate interval "
   "(pktlens_collect_errors_total; resets on restart).", "short",
   [(f"sum by (instance) (increase(pktlens_collect_errors_total{{{S}}}{R}))", "{{instance}}")], w=8)
ts("Flow table fill", "Flows in the kernel flow table over its capacity (flows.max_entries); when full, "
   "the least recently used flows are evicted.", "percentunit",
   [(f"max by (instance) (pktlens_flow_table_entries{{{S}}} / pktlens_flow_table_capacity{{{S}}})",
     "{{instance}}")], w=8)
table("Interfaces monitored", "pktlens_interface_monitored: 1 while pktlens's programs count the "
      "interface's frames (how: tc, xdp_native, xdp_generic), 0 (how=none) when the interface is missing, "
      "attaching failed, or another program took pktlens's place.", "none",
      f"max by (instance, interface, how) (pktlens_interface_monitored{{{SI}}})", w=8, h=8,
      exclude=("Time", "job"), value="Monitored")
table("Features", "pktlens_feature_enabled: 1 when a feature collects data, 0 when it is switched off "
      "in the config (its families then have no series).", "none",
      f"max by (instance, feature) (pktlens_feature_enabled{{{S}}})", w=8, h=8, exclude=("Time", "job"),
      value="Enabled")
table("Version", "pktlens_build_info: pktlensd's version and the map ABI version per instance.", "none",
      f"max by (instance, version, abi) (pktlens_build_info{{{S}}})", w=8, h=8, exclude=("Time", "job"))
ts("CPU", "CPU time pktlensd uses (user + system, all threads), in cores; BPF programs run in the "
   "kernel and are not in it.", "percentunit",
   [(f"rate(process_cpu_seconds_total{{{S}}}{R})", "{{instance}}")], w=8)
ts("Memory", "Resident memory of pktlensd; BPF maps live in kernel memory and are not in it.", "bytes",
   [(f"process_resident_memory_bytes{{{S}}}", "{{instance}}")], w=8)
ts("Open file descriptors", "Open descriptors (BPF maps, programs and links included) and the limit.",
   "short",
   [(f"process_open_fds{{{S}}}", "{{instance}} open"), (f"process_max_fds{{{S}}}", "{{instance}} limit")],
   w=8)


def var_query(name, label, q, multi=True):
    return {"name": name, "label": label, "type": "query", "datasource": DS,
            "query": {"query": q, "refId": "PrometheusVariableQueryEditor-VariableQuery",
                                       "qryType": 1},
            "refresh": 2, "includeAll": True, "multi": multi, "allValue": ".*", "sort": 1, "hide": 0,
            "regex": "", "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
            "options": [], "skipUrlSync": False}


dash = {
    "__requires": [
        {"type": "grafana", "id": "grafana", "name": "Grafana", "version": "10.0.0"},
        {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"},
        {"type": "panel", "id": "timeseries", "name": "Time series", "version": ""},
        {"type": "panel", "id": "table", "name": "Table", "version": ""},
        {"type": "panel", "id": "stat", "name": "Stat", "version": ""},
        {"type": "panel", "id": "heatmap", "name": "Heatmap", "version": ""},
    ],
    "annotations": {"list": [{"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
                              "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
                              "name": "Annotations & Alerts", "type": "dashboard"}]},
    "description": "pktlens: per-packet traffic, flows, TCP latency, drops, anomalies and threats counted "
                   "with eBPF by pktlensd (docs/dashboard.md, docs/metrics.md).",
    "editable": True,
    "fiscalYearStartMonth": 0,
    "graphTooltip": 1,
    "id": None,
    "links": [],
    "panels": panels,
    "refresh": "30s",
    "schemaVersion": 39,
    "tags": ["pktlens", "network", "ebpf"],
    "templating": {"list": [
        {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus",
         "refresh": 1, "regex": "", "hide": 0, "includeAll": False, "multi": False,
         "current": {"selected": False, "text": "default", "value": "default"}, "options": [],
         "skipUrlSync": False},
        var_query("job", "Job", "label_values(pktlens_up, job)"),
        var_query("instance", "Instance", 'label_values(pktlens_up{job=~"$job"}, instance)'),
        var_query("interface", "Interface",
                  'label_values(pktlens_interface_monitored{job=~"$job", instance=~"$instance"}, interface)'),
    ]},
    "time": {"from": "now-1h", "to": "now"},
    "timepicker": {},
    "timezone": "",
    "title": "pktlens",
    "uid": "pktlens",
    "version": 1,
    "weekStart": "",
}

with open(sys.argv[1], "w") as f:
    json.dump(dash, f, indent=2)
    f.write("\n")
