// SPDX-License-Identifier: Apache-2.0
// Flow records from the collector's changes (collector/flow_changes.hpp):
// per flow, what was already sent, so that each record carries the delta
// since the flow's previous record and the records of a flow add up to its
// counters exactly. A flow gets a record when it leaves the kernel table
// (with the reason), when it was quiet for idle_timeout, at least every
// active_timeout while it moves, and at shutdown (forced end). Pure: no
// I/O, no clock of its own; tested without a kernel.
#pragma once

#include <chrono>
#include <cstdint>
#include <unordered_map>
#include <vector>

#include "collector/flow_changes.hpp"
#include "export/ipfix_record.hpp"

namespace pktlens::flowexport {

struct FlowExportOptions {
  std::chrono::nanoseconds active_timeout{60'000'000'000};
  std::chrono::nanoseconds idle_timeout{15'000'000'000};
  // A flow with nothing left to send and no packet for this long is
  // forgotten (the kernel table has lost it without saying: a re-created
  // flow then counts from 0). Longer than flows.idle_timeout.
  std::chrono::nanoseconds forget_after{240'000'000'000};
  // Where the flows' bytes were counted: at XDP every VLAN tag is in the
  // frame; at TC the outer tag is in skb->vlan_tci (the stack untags on
  // receive, VLAN devices tag through it on send), so not in the bytes.
  bool xdp = false;
};

// What was sent of one flow: handed from a pktlensd that stops to the next
// one (export/sent_handover.hpp), so the next one's first records carry
// only what came after.
struct FlowSent {
  pktlens_flow_key key;
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t last_seen_ns = 0;  // of the last packet sent (CLOCK_MONOTONIC)
};

// CLOCK_MONOTONIC ns (the flows' clock) to Unix epoch ms.
struct Clocks {
  uint64_t now_ns = 0;             // CLOCK_MONOTONIC
  int64_t realtime_offset_ns = 0;  // CLOCK_REALTIME - CLOCK_MONOTONIC
  static Clocks now();
};

// The bytes a flow's counters hold per packet that are not IP: the
// Ethernet header and the VLAN tags in the frame.
uint64_t link_bytes_per_packet(const collector::FlowKey& k, bool xdp);

class FlowExport {
 public:
  explicit FlowExport(FlowExportOptions o) : o_(o) {}

  // One collection cycle: the changed and ended flows, then the timeouts.
  // Appends the records due to `out`.
  void cycle(const collector::FlowChanges& changes, const Clocks& c, std::vector<IpfixRecord>& out);
  // Every flow with something not yet sent, as forced end; the flows stay
  // held, everything of them sent (sent() hands that on).
  void flush(const Clocks& c, std::vector<IpfixRecord>& out);

  // What was sent of every flow held, and the same taken up as the
  // starting point (a new process over the same kernel table).
  std::vector<FlowSent> sent() const;
  void restore(const std::vector<FlowSent>& sent);

  size_t flows() const { return flows_.size(); }

 private:
  struct State {
    collector::FlowRecord now;  // cumulative counters as last read
    uint64_t sent_packets = 0;
    uint64_t sent_bytes = 0;
    uint64_t start_ns = 0;  // of the part not yet sent
    uint64_t sent_last_seen_ns = 0;
  };
  struct KeyHash {
    size_t operator()(const pktlens_flow_key& k) const;
  };
  struct KeyEq {
    bool operator()(const pktlens_flow_key& a, const pktlens_flow_key& b) const;
  };

  void update(State& s, const collector::FlowRecord& r);
  void emit(State& s, EndReason why, const Clocks& c, std::vector<IpfixRecord>& out) const;

  FlowExportOptions o_;
  std::unordered_map<pktlens_flow_key, State, KeyHash, KeyEq> flows_;
};

}  // namespace pktlens::flowexport
