// SPDX-License-Identifier: Apache-2.0
#include "collector/flow_table.hpp"

#include <bpf/libbpf.h>
#include <pktlens_bpf.skel.h>  // generated in the build tree
#include <time.h>

#include <algorithm>
#include <iterator>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bpf/flow_cache.hpp"
#include "bpf/percpu.hpp"
#include "collector/abi_codec.hpp"
#include "collector/bpf_call.hpp"
#include "collector/flow_book.hpp"
#include "collector/flow_log.hpp"
#include "collector/flow_mirror.hpp"
#include "collector/flow_rank.hpp"
#include "collector/flow_removal.hpp"
#include "collector/flow_scan.hpp"
#include "collector/logged_flows.hpp"
#include "collector/top_k.hpp"

namespace pktlens::collector {
namespace {

// Flows updated this long before a pass started are read again by the next
// one. last_seen_ns (bpf_ktime_get_coarse_ns) and CLOCK_MONOTONIC_COARSE
// are the same clock, but a packet stamped just before a tick can land in
// the map after the walk passed it: one tick (10 ms at HZ=100) plus slack
// covers that. Re-read flows that did not change have zero deltas and
// count nowhere.
constexpr uint64_t kSinceMarginNs = 20'000'000;

}  // namespace

std::string_view to_string(FlowReadPath p) {
  switch (p) {
    case FlowReadPath::touch_log:
      return "touch log";
    case FlowReadPath::batch_scan:
      return "batch scan";
    case FlowReadPath::iterator:
      return "iterator";
    case FlowReadPath::key_walk:
      return "key walk";
  }
  return "?";
}

struct FlowTable::Impl {
  pktlens_bpf* skel;
  FlowTableOptions o;
  MapShape shape;
  size_t capacity;
  FlowScan scan;
  FlowLog log;
  FlowMirror mirror;
  FlowRemoval removal;
  FlowBook book;
  FlowChanges recorded;  // when o.record_changes
  bpf::FlowCache cache;
  MappedWords presence;  // pktlens_flow_seen
  bool presence_rebuilt = false;
  size_t scan_threads;
  bool batch_ops;  // false once the kernel refused them
  uint32_t pass = 0;
  uint64_t since_ns = 0;  // the next walk reports last_seen_ns >= this
  bool full_next = true;  // the next walk re-reads everything
  // The mirror holds exactly the kernel's flows: true after a full pass
  // (only the collector removes flows). Following the log needs it.
  bool mirror_exact = false;
  size_t last_visited = 0;    // elements the previous walk saw
  uint64_t next_step_ns = 0;  // when the ranking window steps next; 0: not started
  std::vector<FlowDelta> changes;
  std::vector<FlowDelta> ranked;  // this cycle's ranking, kept for its buffer
  std::vector<pktlens_flow_key> idle;
  std::vector<pktlens_flow_key> logged;               // the touch log's keys of this cycle
  std::vector<pktlens_flow_key> gone;                 // logged, but no longer in the kernel
  std::vector<pktlens_flow_key> evict;                // least recently seen, under pressure
  std::vector<std::pair<uint64_t, uint32_t>> by_age;  // (last_seen_ns, mirror index)

  Impl(pktlens_bpf* s, FlowTableOptions opts)
      : skel(s),
        o(opts),
        shape(shape_of(s->maps.pktlens_flows, bpf::possible_cpus())),
        capacity(shape.max_entries),
        scan(shape),
        log(s),
        mirror(capacity),
        removal(shape, o.lookup_and_delete),
        book(s),
        cache(s),
        presence(s->maps.pktlens_flow_seen),
        scan_threads(o.scan_threads
                         ? o.scan_threads
                         : std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4)),
        batch_ops(o.batch_ops) {}

  // One record from the kernel.
  void apply(const pktlens_flow_rec& r) {
    if (r.idle) {
      idle.push_back(r.key);
      return;
    }
    const uint32_t idx = mirror.find(r.key);
    if (idx == FlowMirror::kNone) {
      const uint32_t at = mirror.insert(MirrorEntry{.key = r.key,
                                                    .packets = r.packets,
                                                    .bytes = r.bytes,
                                                    .first_seen_ns = r.first_seen_ns,
                                                    .last_seen_ns = r.last_seen_ns,
                                                    .step_bytes = {},
                                                    .pass = pass,
                                                    .tcp_flags = r.tcp_flags,
                                                    .tos = r.tos});
      changes.push_back(FlowDelta{at, r.bytes, r.packets});
      return;
    }
    MirrorEntry& e = mirror.at(idx);
    const FlowRecord before = counters_of(e);
    const RankedFlow d = interval_of(counters_of(r), &before);
    // A new flow under an old key: all of its bytes are in the window.
    if (recreated(counters_of(r), before))
      std::fill(std::begin(e.step_bytes), std::end(e.step_bytes), 0);
    if (e.pass != pass) {
      changes.push_back(FlowDelta{idx, d.bytes_delta, d.packets_delta});
    } else {
      // Read twice in one pass (a walk resumed in a bucket that changed
      // between two reads, or a key walk restarted): add what came in
      // between.
      for (FlowDelta& c : changes)
        if (c.idx == idx) {
          c.bytes_delta += d.bytes_delta;
          c.packets_delta += d.packets_delta;
        }
    }
    e.packets = r.packets;
    e.bytes = r.bytes;
    e.first_seen_ns = r.first_seen_ns;
    e.last_seen_ns = r.last_seen_ns;
    e.tcp_flags = r.tcp_flags;
    e.tos = r.tos;
    e.pass = pass;
  }

  // Walks the whole map: the batch scan, the iterator on one thread where
  // the kernel has it, key by key where it has no batch ops.
  ScanResult walk(const ScanRange& range, FlowCollectStats& st) {
    const FlowSink sink = [this](const pktlens_flow_rec& r) { apply(r); };
    if (o.iterator && scan_threads == 1) {
      st.path = FlowReadPath::iterator;
      return scan.iterator(*o.iterator, range, sink);
    }
    ScanResult res;
    if (batch_ops && scan.batch(scan_threads, range, last_visited, sink, res)) {
      st.path = FlowReadPath::batch_scan;
      st.scan_threads = scan_threads;
      return res;
    }
    batch_ops = false;
    st.path = FlowReadPath::key_walk;
    return scan.keys(range, sink);
  }

  // The top-K of this cycle into s.top_flows: by the window's bytes, or by
  // the interval's when there is no window.
  void rank(Snapshot& s, uint64_t expire_before) {
    const auto by_key = [&](uint32_t a, uint32_t b) {
      return key_less(mirror.at(a).key, mirror.at(b).key);
    };
    s.top_flows.clear();
    if (o.top_k_window.count() == 0) {
      ranked = changes;
      keep_top_k(ranked, o.top_k, by_key);
    } else {
      // The window: every flow that moved since the oldest step, except
      // those about to expire (their last bytes are older than the
      // idle timeout, however the steps fell).
      TopKStream top(o.top_k, by_key, ranked);
      const auto& entries = mirror.entries();
      for (uint32_t i = 0; i < entries.size(); i++) {
        const MirrorEntry& e = entries[i];
        if (e.bytes > e.step_bytes[2] && e.last_seen_ns >= expire_before)
          top.offer(FlowDelta{i, e.bytes - e.step_bytes[2], 0});
      }
      top.finish();
    }
    // The interval's deltas of the ranked flows that changed in it.
    std::sort(changes.begin(), changes.end(),
              [](const FlowDelta& a, const FlowDelta& b) { return a.idx < b.idx; });
    s.top_flows.reserve(ranked.size());
    for (const FlowDelta& r : ranked) {
      const MirrorEntry& e = mirror.at(r.idx);
      FlowRecord f = counters_of(e);
      f.key = decode_flow_key(e.key);
      RankedFlow out{f, 0, 0, r.bytes_delta};
      const auto c = std::lower_bound(changes.begin(), changes.end(), r.idx,
                                      [](const FlowDelta& d, uint32_t idx) { return d.idx < idx; });
      if (c != changes.end() && c->idx == r.idx) {
        out.bytes_delta = c->bytes_delta;
        out.packets_delta = c->packets_delta;
      }
      s.top_flows.push_back(out);
    }
  }

  // The window moves in steps of half its length: at each step every
  // flow's bytes now become its newest step, and the oldest is dropped. A
  // flow's bytes count in the ranking until the step that recorded them
  // is two steps old: between one and one and a half windows.
  void step_window(uint64_t now_ns) {
    const auto step = static_cast<uint64_t>(o.top_k_window.count()) / 2;
    if (next_step_ns == 0) next_step_ns = now_ns + step;
    if (now_ns < next_step_ns) return;
    for (MirrorEntry& e : mirror.mutable_entries()) {
      e.step_bytes[2] = e.step_bytes[1];
      e.step_bytes[1] = e.step_bytes[0];
      e.step_bytes[0] = e.bytes;
    }
    next_step_ns += step;
    if (next_step_ns <= now_ns) next_step_ns = now_ns + step;
  }

  // Flow export: every changed flow with its cumulative counters.
  void record_updated() {
    recorded.updated.reserve(changes.size());
    for (const FlowDelta& c : changes) {
      const MirrorEntry& e = mirror.at(c.idx);
      FlowRecord f = counters_of(e);
      f.key = decode_flow_key(e.key);
      recorded.updated.push_back(FlowChange{e.key, f});
    }
  }

  // Removes `keys` from the kernel map and the mirror, booking each one's
  // final counters as ended for `why`; returns how many the kernel had.
  size_t remove(const std::vector<pktlens_flow_key>& keys, FlowEnd why) {
    const size_t n = removal.remove(keys, [&](const pktlens_flow_rec& r) {
      book.ended(r, why);
      if (!o.record_changes) return;
      FlowRecord f = counters_of(r);
      f.key = decode_flow_key(r.key);
      recorded.ended.push_back(EndedFlow{r.key, f, why});
    });
    for (const pktlens_flow_key& key : keys)
      if (const uint32_t idx = mirror.find(key); idx != FlowMirror::kNone) mirror.erase(idx);
    return n;
  }

  // Above the high watermark, the least recently seen flows down to the
  // low one, into `evict`.
  void pick_least_recent() {
    evict.clear();
    const auto above = static_cast<size_t>(static_cast<double>(capacity) * o.evict_above);
    const auto to = static_cast<size_t>(static_cast<double>(capacity) * o.evict_to);
    if (mirror.size() <= above) return;
    const size_t n = mirror.size() - std::min(to, mirror.size());
    by_age.clear();
    const auto& entries = mirror.entries();
    for (uint32_t i = 0; i < entries.size(); i++) by_age.emplace_back(entries[i].last_seen_ns, i);
    std::nth_element(by_age.begin(), by_age.begin() + static_cast<ptrdiff_t>(n), by_age.end());
    for (size_t i = 0; i < n; i++) evict.push_back(entries[by_age[i].second].key);
  }

  void flush_cache(FlowCollectStats& st) {
    st.cache = cache.enabled();
    if (!st.cache) return;
    const bpf::FlowCacheFlush f = cache.flush();
    st.cache_cpus = f.cpus;
    st.cache_cpus_missed = f.cpus_missed;
    st.cache_reinserted = f.reinserted;
    st.cache_error = f.error;
    // Flows the flush inserted again after a removal were never logged,
    // and a CPU flushed late moved counts logged cycles ago: only a full
    // pass finds them.
    if (f.reinserted || f.resync) full_next = true;
  }

  FlowCollectStats collect(uint64_t now_ns, Snapshot& s) {
    FlowCollectStats st;
    const uint64_t idle_ns = static_cast<uint64_t>(o.idle_timeout.count());
    const uint64_t expire_before = now_ns > idle_ns ? now_ns - idle_ns : 0;
    pass++;
    recorded = {};
    changes.clear();
    idle.clear();
    gone.clear();
    logged.clear();

    // The log is drained every cycle, whatever reads the flows this time,
    // so that the next cycle can follow it.
    const bool log_on = o.touch_log && log.usable();
    FlowLog::Drain drained;
    if (log_on) drained = log.drain(logged);
    st.logged = drained.entries;
    st.log_overflow = drained.overflow;
    // After the epoch switch, before any read: a flow's packets cached
    // before the switch were logged in the drained epoch, and those after
    // it are logged in the new one (bpf/lib/flow_cache.h).
    flush_cache(st);
    // Looking a flow up costs 4-5x what a scan pays per element
    // (bench/bench_collector.cpp, docs/performance.md): past a fifth of
    // the table, walk.
    const bool follow_log = log_on && drained.complete && mirror_exact && !full_next &&
                            logged.size() <= std::max<size_t>(4096, mirror.size() / 5);

    const uint64_t started = clock_ns(CLOCK_MONOTONIC_COARSE);
    ScanResult res;
    if (follow_log) {
      st.path = FlowReadPath::touch_log;
      res = read_logged_flows(
          shape, logged, scan_threads, expire_before,
          [this](const pktlens_flow_rec& r) { apply(r); }, gone);
      // Idle flows are the mirror's: nothing logged means no packet.
      for (const MirrorEntry& e : mirror.entries())
        if (e.last_seen_ns < expire_before && e.pass != pass) idle.push_back(e.key);
    } else {
      st.full_pass = full_next;
      res = walk(ScanRange{.since = full_next ? 0 : since_ns, .expire_before = expire_before}, st);
      last_visited = res.visited;
    }
    since_ns = started > kSinceMarginNs ? started - kSinceMarginNs : 0;
    const size_t visited = res.visited;
    st.visited = res.visited;
    st.reported = res.reported;
    st.read_calls = res.calls;

    // The interval: what changed, ranked. Before any removal, which moves
    // entries and would invalidate the indexes in `changes`.
    std::erase_if(changes, [](const FlowDelta& c) { return c.packets_delta == 0; });
    st.changed = changes.size();
    s.flows_active = changes.size();
    if (o.record_changes) record_updated();
    rank(s, expire_before);
    if (o.top_k_window.count() > 0) step_window(now_ns);

    // Expiry, then pressure eviction: each flow out of the kernel map with
    // its final counters, booked, then out of the mirror.
    recorded.ended.clear();
    st.expired_deleted = remove(idle, FlowEnd::idle);
    for (const pktlens_flow_key& key : gone)
      if (const uint32_t idx = mirror.find(key); idx != FlowMirror::kNone) {
        mirror.erase(idx);
        st.mirror_dropped++;
      }
    // The mirror only: flows the kernel no longer has, which a full pass
    // would have reported.
    const uint32_t this_pass = pass;
    if (st.full_pass)
      st.mirror_dropped +=
          mirror.erase_if([&](const MirrorEntry& e) { return e.pass != this_pass; });
    pick_least_recent();
    st.evicted = remove(evict, FlowEnd::pressure);

    // Following the log, the mirror is the kernel's table (mirror_exact).
    const size_t removed = st.expired_deleted + st.evicted;
    const size_t entries = st.from_log()       ? mirror.size()
                           : visited > removed ? visited - removed
                                               : 0;
    st.entries = entries;
    s.flow_table_entries = entries;
    s.flow_table_capacity = capacity;
    for (const MirrorEntry& e : mirror.entries()) book.in_table(e.key, e.packets, e.bytes);
    book.finish(s);
    if (st.full_pass) mirror_exact = true;
    full_next = log_on && !mirror_exact;
    if (changes.capacity() > 4 * std::max<size_t>(changes.size(), 4096)) changes.shrink_to_fit();
    if (ranked.capacity() > 4 * std::max<size_t>(ranked.size(), 4096)) ranked.shrink_to_fit();
    if (idle.capacity() > 4 * std::max<size_t>(idle.size(), 4096)) idle.shrink_to_fit();
    return st;
  }
};

FlowTable::FlowTable(pktlens_bpf* skel, FlowTableOptions o)
    : impl_(std::make_unique<Impl>(skel, o)) {}

FlowTable::~FlowTable() = default;

FlowCollectStats FlowTable::collect(uint64_t now_ns, Snapshot& s) {
  return impl_->collect(now_ns, s);
}

void FlowTable::close_cache() { impl_->cache.close(); }

FlowChanges FlowTable::take_changes() { return std::exchange(impl_->recorded, {}); }

PresenceFill FlowTable::upkeep_presence(double max_ratio) {
  // The first upkeep rebuilds whatever the fill: a filter created anew
  // (first start, a new size or layout) beside a pinned table would lack
  // the bits of its flows, and in a flood their packets would not count.
  if (!impl_->presence_rebuilt) max_ratio = -1;
  PresenceFill fill = upkeep_presence_filter(
      impl_->skel, [&](const FlowKeyAdd& add) { for_each_key(add); }, max_ratio,
      &impl_->presence);
  if (fill.rebuilt) impl_->presence_rebuilt = true;
  // A flow inserted while the filter was rewritten lost its bits; the
  // programs set a flow's bits again at its first touch in an epoch.
  if (fill.rebuilt && impl_->o.touch_log) impl_->log.advance_epoch();
  return fill;
}

std::string FlowTable::touch_log_off_reason() const {
  if (!impl_->o.touch_log) return "switched off";
  return impl_->log.usable() ? std::string() : impl_->log.reason();
}

size_t FlowTable::size() const { return impl_->mirror.size(); }

std::optional<FlowRecord> FlowTable::find(const FlowKey& k) const {
  const uint32_t idx = impl_->mirror.find(encode_flow_key(k));
  if (idx == FlowMirror::kNone) return std::nullopt;
  const MirrorEntry& e = impl_->mirror.at(idx);
  FlowRecord f = counters_of(e);
  f.key = decode_flow_key(e.key);
  return f;
}

void FlowTable::for_each_key(const FlowKeyAdd& add) const {
  for (const MirrorEntry& e : impl_->mirror.entries()) add(e.key);
}

}  // namespace pktlens::collector
