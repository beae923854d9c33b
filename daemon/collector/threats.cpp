// SPDX-License-Identifier: Apache-2.0
#include "collector/threats.hpp"

#include <pktlens_bpf.skel.h>  // generated in the build tree

#include <array>
#include <cstring>
#include <map>
#include <utility>

#include "collector/map_reader.hpp"

namespace pktlens::collector {

ThreatCollector::ThreatCollector(pktlens_bpf* skel, const ThreatOptions& o)
    : skel_(skel), opts_(o) {}

void ThreatCollector::collect(Snapshot& s) {
  ThreatSignals& t = s.threats;
  // .rodata as loaded.
  t.syn_on = skel_->rodata->cfg_syn != 0;
  t.handshakes_on = t.syn_on && opts_.handshakes_counted;
  if (t.syn_on) {
    std::map<SynKey, SynCounts> cur;
    read_percpu_map(
        skel_->maps.pktlens_syn, [&] { cur.clear(); },
        [&](const uint8_t* key, const uint8_t* values, size_t stride, int cpus) {
          pktlens_syn_key k;
          std::memcpy(&k, key, sizeof k);
          std::array<uint8_t, 16> dst{};
          std::memcpy(dst.data(), k.dst, dst.size());
          SynCounts& c = cur[SynKey{k.family, dst, k.dport}];
          c = {};
          for (int cpu = 0; cpu < cpus; cpu++) {
            pktlens_syn_val v;
            std::memcpy(&v, values + static_cast<size_t>(cpu) * stride, sizeof v);
            c.syns += v.syns;
            c.handshakes += v.handshakes;
          }
        });
    t.syn_table_entries = cur.size();
    t.top_syn = rank_syn(cur, first_ ? nullptr : &prev_syn_, opts_.syn_top_k);
    if (!t.handshakes_on)
      for (auto& d : t.top_syn) d.handshakes = d.handshakes_delta = 0;
    prev_syn_ = std::move(cur);
  }
  first_ = false;
}

}  // namespace pktlens::collector
