// SPDX-License-Identifier: Apache-2.0
#include "collector/flow_table.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <pktlens_bpf.skel.h>        // generated in the build tree
#include <pktlens_flow_iter.skel.h>  // generated in the build tree
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "bpf/percpu.hpp"
#include "collector/abi_codec.hpp"
#include "collector/bpf_call.hpp"
#include "collector/flow_log.hpp"
#include "collector/map_reader.hpp"
#include "collector/top_k.hpp"
#include "flow_iter.h"

extern "C" {
#include "lib/flow_hash.h"
}

namespace pktlens::collector {
namespace {

static_assert(sizeof(pktlens_flow_rec) == 88);
static_assert(offsetof(pktlens_flow_rec, packets) == sizeof(pktlens_flow_key));

// Flows updated this long before a pass started are read again by the next
// one. last_seen_ns (bpf_ktime_get_coarse_ns) and CLOCK_MONOTONIC_COARSE
// are the same clock, but a packet stamped just before a tick can land in
// the map after the iterator passed it: one tick (10 ms at HZ=100) plus
// slack covers that. Re-read flows that did not change have zero deltas
// and count nowhere.
constexpr uint64_t kSinceMarginNs = 20'000'000;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

struct IterSkelDestroy {
  void operator()(pktlens_flow_iter* s) const { pktlens_flow_iter::destroy(s); }
};
struct LinkDestroy {
  void operator()(bpf_link* l) const { bpf_link__destroy(l); }
};

// The iterator program, loaded and attached to the flow map. `reason` is
// set (and the rest empty) when the kernel refused it.
struct Iterator {
  std::unique_ptr<pktlens_flow_iter, IterSkelDestroy> skel;
  std::unique_ptr<bpf_link, LinkDestroy> link;
  std::string reason;

  Iterator() : reason("forced (FlowTableOptions::force_fallback)") {}
  Iterator(int flows_fd, int cpus) {
    if (cpus > PKTLENS_ITER_MAX_CPUS) {
      reason = std::to_string(cpus) + " possible CPUs, the iterator sums at most " +
               std::to_string(PKTLENS_ITER_MAX_CPUS);
      return;
    }
    skel.reset(pktlens_flow_iter::open());
    if (!skel) {
      reason = std::string("opening the iterator object: ") + std::strerror(errno);
      return;
    }
    skel->rodata->cfg_cpus = static_cast<uint32_t>(cpus);
    if (const int rc = pktlens_flow_iter::load(skel.get()); rc != 0) {
      reason = std::string("loading the iterator program: ") + std::strerror(error_of(rc));
      skel.reset();
      return;
    }
    union bpf_iter_link_info info {};
    info.map.map_fd = static_cast<uint32_t>(flows_fd);
    LIBBPF_OPTS(bpf_iter_attach_opts, opts, .link_info = &info, .link_info_len = sizeof info);
    link.reset(bpf_program__attach_iter(skel->progs.flow_iter, &opts));
    if (!link) {
      reason = std::string("attaching the iterator to pktlens_flows: ") + std::strerror(errno);
      skel.reset();
    }
  }
  bool usable() const { return link != nullptr; }
};

// A flow of the mirror. Keys as the kernel holds them: the presence filter
// and deletes use them as they are; decoded only for the top-K.
struct Entry {
  pktlens_flow_key key;
  uint64_t packets;
  uint64_t bytes;
  uint64_t first_seen_ns;
  uint64_t last_seen_ns;
  uint32_t pass;  // the last pass that reported it
  uint8_t tcp_flags;
};
static_assert(sizeof(Entry) == 88);

// The counters of an Entry or a pktlens_flow_rec (same field names), key
// left empty: what interval_of() compares.
template <typename T>
FlowRecord counters_of(const T& x) {
  return FlowRecord{.packets = x.packets,
                    .bytes = x.bytes,
                    .first_seen_ns = x.first_seen_ns,
                    .last_seen_ns = x.last_seen_ns,
                    .tcp_flags = x.tcp_flags};
}

bool same_key(const pktlens_flow_key& a, const pktlens_flow_key& b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

// FlowKey's order (the ranking tie-break) on kernel keys, without decoding.
bool key_less(const pktlens_flow_key& a, const pktlens_flow_key& b) {
  if (a.ifindex != b.ifindex) return a.ifindex < b.ifindex;
  if (a.dir != b.dir) return a.dir < b.dir;
  if (a.vlan != b.vlan) return a.vlan < b.vlan;
  if (a.vlan_inner != b.vlan_inner) return a.vlan_inner < b.vlan_inner;
  if (a.proto != b.proto) return a.proto < b.proto;
  if (a.family != b.family) return a.family < b.family;
  if (const int c = std::memcmp(a.src, b.src, sizeof a.src)) return c < 0;
  if (const int c = std::memcmp(a.dst, b.dst, sizeof a.dst)) return c < 0;
  if (a.sport != b.sport) return a.sport < b.sport;
  return a.dport < b.dport;
}

// Dense entries plus an open-addressing index (linear probing, no
// tombstones): 88 bytes per flow and 8 per index slot, at most half full.
// Removal moves the last entry into the hole.
class Mirror {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  // Sized for the map's capacity: the entries only reserve address space
  // (pages are touched as flows arrive) and never move while filling.
  explicit Mirror(size_t expected) {
    entries_.reserve(expected);
    rehash(slots_for(expected));
  }

  size_t size() const { return entries_.size(); }
  Entry& at(uint32_t i) { return entries_[i]; }
  const Entry& at(uint32_t i) const { return entries_[i]; }
  const std::vector<Entry>& entries() const { return entries_; }

  uint32_t find(const pktlens_flow_key& k) const {
    const uint64_t h = pktlens_flow_key_hash(&k);
    for (size_t p = h & mask_;; p = (p + 1) & mask_) {
      const uint64_t s = slots_[p];
      if (s == 0) return kNone;
      const auto idx = static_cast<uint32_t>(s) - 1;
      if ((s >> 32) == (h >> 32) && same_key(entries_[idx].key, k)) return idx;
    }
  }

  // The key must be absent.
  uint32_t insert(const Entry& e) {
    if ((entries_.size() + 1) * 2 > slots_.size()) rehash(slots_.size() * 2);
    const auto idx = static_cast<uint32_t>(entries_.size());
    entries_.push_back(e);
    place(pktlens_flow_key_hash(&e.key), idx);
    return idx;
  }

  void erase(uint32_t idx) {
    unlink(idx);
    const auto last = static_cast<uint32_t>(entries_.size() - 1);
    if (idx != last) {
      // Point the last entry's slot at its new place.
      const uint64_t h = pktlens_flow_key_hash(&entries_[last].key);
      for (size_t p = h & mask_;; p = (p + 1) & mask_) {
        if (static_cast<uint32_t>(slots_[p]) - 1 == last) {
          slots_[p] = (h >> 32 << 32) | (uint64_t{idx} + 1);
          break;
        }
      }
      entries_[idx] = entries_[last];
    }
    entries_.pop_back();
  }

  // Removes every entry for which `drop` is true; returns how many.
  template <typename Pred>
  size_t erase_if(Pred drop) {
    size_t n = 0;
    for (size_t i = entries_.size(); i-- > 0;) {
      // Descending: the entry moved into a hole is one already kept.
      if (drop(entries_[i])) {
        erase(static_cast<uint32_t>(i));
        n++;
      }
    }
    return n;
  }

 private:
  static size_t slots_for(size_t n) {
    size_t s = 1024;
    while (s < n * 2) s <<= 1;
    return s;
  }

  void place(uint64_t h, uint32_t idx) {
    size_t p = h & mask_;
    while (slots_[p] != 0) p = (p + 1) & mask_;
    slots_[p] = (h >> 32 << 32) | (uint64_t{idx} + 1);
  }

  // Removes idx's slot; backward-shift deletion keeps probe chains whole.
  void unlink(uint32_t idx) {
    const uint64_t h = pktlens_flow_key_hash(&entries_[idx].key);
    size_t p = h & mask_;
    while (static_cast<uint32_t>(slots_[p]) - 1 != idx) p = (p + 1) & mask_;
    for (size_t q = (p + 1) & mask_;; q = (q + 1) & mask_) {
      const uint64_t s = slots_[q];
      if (s == 0) break;
      const uint64_t hq = pktlens_flow_key_hash(&entries_[static_cast<uint32_t>(s) - 1].key);
      const size_t home = hq & mask_;
      // Move q back to p unless its home lies cyclically in (p, q].
      const bool stays = p <= q ? (p < home && home <= q) : (p < home || home <= q);
      if (!stays) {
        slots_[p] = s;
        p = q;
      }
    }
    slots_[p] = 0;
  }

  void rehash(size_t n) {
    slots_.assign(n, 0);
    mask_ = n - 1;
    for (uint32_t i = 0; i < entries_.size(); i++)
      place(pktlens_flow_key_hash(&entries_[i].key), i);
  }

  std::vector<Entry> entries_;
  std::vector<uint64_t> slots_;
  size_t mask_ = 0;
};

// A flow the pass changed, and what it added.
struct Change {
  uint32_t idx;
  uint64_t bytes_delta;
  uint64_t packets_delta;
};

// One flow element as the batch ops return it (key, then `cpus` values
// PKTLENS_FLOW_VAL_STRIDE apart), summed as the iterator program does.
pktlens_flow_rec sum_element(const uint8_t* key, const uint8_t* values, int cpus,
                             uint64_t expire_before) {
  pktlens_flow_rec r{};
  std::memcpy(&r.key, key, sizeof r.key);
  for (int c = 0; c < cpus; c++) {
    pktlens_flow_val v;
    std::memcpy(&v, values + static_cast<size_t>(c) * PKTLENS_FLOW_VAL_STRIDE, sizeof v);
    r.packets += v.packets;
    r.bytes += v.bytes;
    if (v.first_seen_ns && (!r.first_seen_ns || v.first_seen_ns < r.first_seen_ns))
      r.first_seen_ns = v.first_seen_ns;
    r.last_seen_ns = std::max(r.last_seen_ns, v.last_seen_ns);
    r.tcp_flags |= v.tcp_flags;
  }
  r.idle = r.last_seen_ns < expire_before;
  return r;
}

// A parallel scan of the flow map splits its hash buckets into shards,
// each read with BPF_MAP_LOOKUP_BATCH from its first bucket by one of the
// worker threads. A batch call returns whole buckets and may run past the
// shard's end, so each shard's last chunk is kept raw and cut, once the
// next non-empty shard is read, at that shard's first key: the elements
// from there on are the next shard's.
struct Shard {
  uint32_t from = 0;
  uint32_t to = 0;
  std::vector<pktlens_flow_rec>* recs = nullptr;  // wanted records of all chunks but the last
  size_t visited = 0;                             // elements of all chunks but the last
  size_t calls = 0;
  std::vector<uint8_t> keys, values;  // the last chunk
  uint32_t last_count = 0;
  bool has_first = false;
  pktlens_flow_key first{};
  std::exception_ptr error;
};

// A worker's batch buffers, reused for every shard it reads.
struct ChunkBuffers {
  std::vector<uint8_t> keys, values;
};

// `density`: elements per bucket expected (the previous pass's). A batch
// call reads up to `chunk` elements whatever the buckets, so a chunk much
// larger than the shard's remaining elements copies the next shards' for
// nothing: chunks are sized to what is left, 25% over.
void scan_shard(Shard& sh, ChunkBuffers& b, int fd, int cpus, uint64_t since,
                uint64_t expire_before, double density) {
  const size_t ksz = sizeof(pktlens_flow_key);
  const size_t vsz = PKTLENS_FLOW_VAL_STRIDE * static_cast<size_t>(cpus);
  uint32_t grown = 0;  // a bucket larger than the chunk needs this much
  uint32_t in = sh.from, out = 0;
  for (bool first = sh.from == 0;;) {
    const double left = static_cast<double>(sh.to > in ? sh.to - in : 1) * density;
    const uint32_t chunk =
        std::max(grown, std::clamp<uint32_t>(static_cast<uint32_t>(left * 1.25) + 16, 16, 4096));
    if (b.keys.size() < size_t{chunk} * ksz) b.keys.resize(size_t{chunk} * ksz);
    if (b.values.size() < size_t{chunk} * vsz) b.values.resize(size_t{chunk} * vsz);
    __u32 count = chunk;
    LIBBPF_OPTS(bpf_map_batch_opts, bo);
    const int rc = bpf_map_lookup_batch(fd, first ? nullptr : &in, &out, b.keys.data(),
                                        b.values.data(), &count, &bo);
    sh.calls++;
    const int err = rc == 0 ? 0 : error_of(rc);
    if (err == ENOSPC && count == 0) {
      grown = chunk * 2;  // a bucket larger than the chunk
      continue;
    }
    if (err != 0 && err != ENOENT) fail(err, "batch-reading pktlens_flows");
    if (count > 0 && !sh.has_first) {
      std::memcpy(&sh.first, b.keys.data(), ksz);
      sh.has_first = true;
    }
    if (err == ENOENT || count == 0 || out >= sh.to) {
      sh.last_count = count;
      sh.keys.assign(b.keys.begin(), b.keys.begin() + static_cast<std::ptrdiff_t>(count * ksz));
      sh.values.assign(b.values.begin(),
                       b.values.begin() + static_cast<std::ptrdiff_t>(count * vsz));
      return;
    }
    for (uint32_t i = 0; i < count; i++) {
      const pktlens_flow_rec r =
          sum_element(b.keys.data() + i * ksz, b.values.data() + i * vsz, cpus, expire_before);
      if (r.idle || r.last_seen_ns >= since) sh.recs->push_back(r);
    }
    sh.visited += count;
    in = out;
    first = false;
  }
}

}  // namespace

struct FlowTable::Impl {
  pktlens_bpf* skel;
  FlowTableOptions o;
  int flows_fd;
  size_t capacity;
  Iterator iter;
  FlowLog log;
  Mirror mirror;
  uint32_t pass = 0;
  uint64_t since_ns = 0;  // the next iterator pass reports last_seen_ns >= this
  bool full_next = true;  // the next pass re-reads everything
  std::vector<Change> changes;
  std::vector<pktlens_flow_key> idle;
  std::vector<uint8_t> buf;
  // Record buffers of the scan's shards in flight, kept across cycles.
  std::vector<std::vector<pktlens_flow_rec>> scan_bufs;
  std::vector<ChunkBuffers> chunk_bufs;  // one per scan thread, kept across cycles
  size_t last_visited = 0;               // elements the previous pass saw
  size_t scan_threads;
  std::vector<pktlens_flow_key> logged;  // the touch log's keys of this cycle
  std::vector<pktlens_flow_key> todo;    // the distinct ones, looked up
  std::vector<pktlens_flow_key> gone;    // logged, but no longer in the kernel
  // The mirror holds exactly the kernel's flows: true after a full pass,
  // false once the table came near enough to full that the kernel LRU may
  // have evicted flows unseen. Following the log needs it.
  bool mirror_exact = false;

  Impl(pktlens_bpf* s, FlowTableOptions opts)
      : skel(s),
        o(opts),
        flows_fd(bpf_map__fd(s->maps.pktlens_flows)),
        capacity(bpf_map__max_entries(s->maps.pktlens_flows)),
        iter(o.force_fallback ? Iterator() : Iterator(flows_fd, bpf::possible_cpus())),
        log(s),
        mirror(capacity),
        scan_threads(o.scan_threads
                         ? o.scan_threads
                         : std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4)) {}

  // One record from the kernel (or the fallback read).
  void apply(const pktlens_flow_rec& r) {
    if (r.idle) {
      idle.push_back(r.key);
      return;
    }
    const uint32_t idx = mirror.find(r.key);
    if (idx == Mirror::kNone) {
      const uint32_t at = mirror.insert(
          Entry{r.key, r.packets, r.bytes, r.first_seen_ns, r.last_seen_ns, pass, r.tcp_flags});
      changes.push_back(Change{at, r.bytes, r.packets});
      return;
    }
    Entry& e = mirror.at(idx);
    const FlowRecord before = counters_of(e);
    const RankedFlow d = interval_of(counters_of(r), &before);
    if (e.pass != pass) {
      changes.push_back(Change{idx, d.bytes_delta, d.packets_delta});
    } else {
      // Read twice in one pass (the kernel's walk resumed in a bucket that
      // changed between two read() calls): add what came in between.
      for (Change& c : changes)
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
    e.pass = pass;
  }

  // Runs the iterator; returns the kernel's element count.
  size_t read_iterator(uint64_t since, uint64_t expire_before, FlowCollectStats& st) {
    auto* bss = iter.skel->bss;
    bss->iter_since_ns = since;
    bss->iter_expire_before_ns = expire_before;
    bss->iter_entries = 0;
    bss->iter_reported = 0;
    const Fd fd(bpf_iter_create(bpf_link__fd(iter.link.get())));
    if (fd.get() < 0) fail(errno, "creating a pktlens_flows iterator");
    buf.resize(1 << 20);
    size_t have = 0;  // bytes of a record cut by the previous read()
    for (;;) {
      const ssize_t n = read(fd.get(), buf.data() + have, buf.size() - have);
      st.read_calls++;
      if (n < 0) {
        // EAGAIN: the kernel visited a million elements without output.
        if (errno == EAGAIN || errno == EINTR) continue;
        fail(errno, "reading the pktlens_flows iterator");
      }
      if (n == 0) break;
      have += static_cast<size_t>(n);
      const size_t whole = have / sizeof(pktlens_flow_rec);
      for (size_t i = 0; i < whole; i++) {
        pktlens_flow_rec r;
        std::memcpy(&r, buf.data() + i * sizeof r, sizeof r);
        apply(r);
      }
      const size_t used = whole * sizeof(pktlens_flow_rec);
      std::memmove(buf.data(), buf.data() + used, have - used);
      have -= used;
    }
    if (have != 0) fail(EPROTO, "pktlens_flows iterator: a record cut at the end");
    st.reported = bss->iter_reported;
    return bss->iter_entries;
  }

  // The parallel batch scan (Shard); returns the kernel's element count.
  size_t read_scan(size_t threads, uint64_t since, uint64_t expire_before, FlowCollectStats& st) {
    const int cpus = bpf::possible_cpus();
    uint32_t buckets = 1;
    while (buckets < capacity) buckets <<= 1;  // the kernel's roundup_pow_of_two
    // More shards than threads, taken in turn: a thread on a CPU that is
    // busy with something else takes fewer, instead of the whole cycle
    // waiting for its fixed half.
    // Shards of at most 16k buckets also bound what a full pass holds: a
    // few shards' records (~1.4 MB each) at a time.
    const size_t n = std::min<size_t>(std::max<size_t>(threads * 8, buckets / 16384), buckets);
    std::vector<Shard> shards(n);
    for (size_t t = 0; t < n; t++) {
      shards[t].from = static_cast<uint32_t>(uint64_t{buckets} * t / n);
      shards[t].to = static_cast<uint32_t>(uint64_t{buckets} * (t + 1) / n);
    }
    // Workers scan shards in order; this thread applies each finished
    // shard's records in order and frees them, so a full pass holds a few
    // shards' records, not the whole table. A worker takes a shard only
    // within `window` of the last one applied.
    const size_t window = threads * 2;
    // Unknown before the first pass: as if full.
    const double density = last_visited ? static_cast<double>(last_visited) / buckets : 1.0;
    scan_bufs.resize(window);
    std::mutex mu;
    std::condition_variable cv;
    size_t next = 0, applied = 0;  // under mu
    bool stop = false;             // under mu
    std::vector<char> done(n, 0);  // under mu
    const auto worker = [&](ChunkBuffers& bufs) {
      for (;;) {
        size_t t;
        {
          std::unique_lock lk(mu);
          cv.wait(lk, [&] { return stop || next >= n || next < applied + window; });
          if (stop || next >= n) return;
          t = next++;
        }
        // Shard t - window is applied: its buffer is free.
        shards[t].recs = &scan_bufs[t % window];
        shards[t].recs->clear();
        try {
          scan_shard(shards[t], bufs, flows_fd, cpus, since, expire_before, density);
        } catch (...) {
          shards[t].error = std::current_exception();
        }
        {
          std::lock_guard lk(mu);
          done[t] = 1;
        }
        cv.notify_all();
      }
    };
    struct Pool {
      std::mutex& mu;
      std::condition_variable& cv;
      bool& stop;
      std::vector<std::thread> threads;
      ~Pool() {
        {
          std::lock_guard lk(mu);
          stop = true;
        }
        cv.notify_all();
        for (auto& th : threads) th.join();
      }
    } pool{mu, cv, stop, {}};
    chunk_bufs.resize(threads);
    for (size_t t = 0; t < threads; t++) pool.threads.emplace_back(worker, std::ref(chunk_bufs[t]));

    size_t visited = 0;
    const size_t ksz = sizeof(pktlens_flow_key);
    const size_t vsz = PKTLENS_FLOW_VAL_STRIDE * static_cast<size_t>(cpus);
    // The last chunk of shard t, cut at `first` (the next non-empty
    // shard's first key; nullptr: not cut).
    const auto finish_tail = [&](Shard& sh, const pktlens_flow_key* first) {
      uint32_t cut = sh.last_count;
      for (uint32_t i = 0; first && i < sh.last_count; i++)
        if (std::memcmp(sh.keys.data() + i * ksz, first, ksz) == 0) {
          cut = i;
          break;
        }
      for (uint32_t i = 0; i < cut; i++) {
        const pktlens_flow_rec r =
            sum_element(sh.keys.data() + i * ksz, sh.values.data() + i * vsz, cpus, expire_before);
        if (r.idle || r.last_seen_ns >= since) {
          apply(r);
          st.reported++;
        }
      }
      visited += cut;
      std::vector<uint8_t>().swap(sh.keys);
      std::vector<uint8_t>().swap(sh.values);
    };
    std::vector<size_t> pending;  // shards whose last chunk waits for the next first key
    for (size_t t = 0; t < n; t++) {
      {
        std::unique_lock lk(mu);
        cv.wait(lk, [&] { return done[t] != 0; });
      }
      Shard& sh = shards[t];
      if (sh.error) std::rethrow_exception(sh.error);
      if (sh.has_first) {
        for (const size_t p : pending) finish_tail(shards[p], &sh.first);
        pending.clear();
      }
      for (const pktlens_flow_rec& r : *sh.recs) apply(r);
      visited += sh.visited;
      st.reported += sh.recs->size();
      st.read_calls += sh.calls;
      pending.push_back(t);
      {
        std::lock_guard lk(mu);
        applied = t + 1;
      }
      cv.notify_all();
    }
    for (const size_t p : pending) finish_tail(shards[p], nullptr);
    return visited;
  }

  // Looks up the flows of `logged`, each once, with up to scan_threads
  // threads; returns how many were looked up. Flows the kernel no longer
  // has go to `gone`.
  size_t read_logged(uint64_t expire_before, FlowCollectStats& st) {
    // A flow is logged once per CPU that touched it (and again when a
    // touch raced the epoch switch): each is looked up once.
    todo.assign(logged.begin(), logged.end());
    std::sort(todo.begin(), todo.end(), [](const pktlens_flow_key& a, const pktlens_flow_key& b) {
      return std::memcmp(&a, &b, sizeof a) < 0;
    });
    todo.erase(std::unique(todo.begin(), todo.end(), same_key), todo.end());

    const int cpus = bpf::possible_cpus();
    const size_t vsz = PKTLENS_FLOW_VAL_STRIDE * static_cast<size_t>(cpus);
    std::vector<pktlens_flow_rec> recs(todo.size());
    std::vector<char> found(todo.size(), 0);
    std::vector<int> errs(scan_threads, 0);
    const auto lookup = [&](size_t t, size_t from, size_t to) {
      std::vector<uint8_t> values(vsz);
      for (size_t i = from; i < to; i++) {
        if (bpf_map_lookup_elem(flows_fd, &todo[i], values.data()) != 0) {
          if (errno == ENOENT) continue;
          errs[t] = errno;
          return;
        }
        recs[i] = sum_element(reinterpret_cast<const uint8_t*>(&todo[i]), values.data(), cpus,
                              expire_before);
        found[i] = 1;
      }
    };
    // A lookup is a syscall of about a microsecond: threads pay off only
    // for thousands.
    const size_t threads = std::clamp<size_t>(todo.size() / 8192, 1, scan_threads);
    {
      std::vector<std::jthread> pool;
      for (size_t t = 1; t < threads; t++)
        pool.emplace_back(lookup, t, todo.size() * t / threads, todo.size() * (t + 1) / threads);
      lookup(0, 0, todo.size() / threads);
    }
    for (const int e : errs)
      if (e != 0) fail(e, "looking up logged flows in pktlens_flows");
    st.read_calls += todo.size();
    for (size_t i = 0; i < todo.size(); i++) {
      if (!found[i]) {
        gone.push_back(todo[i]);
        continue;
      }
      apply(recs[i]);
      st.reported++;
    }
    return todo.size();
  }

  // The fallback: the whole map batch-read, every flow a record.
  size_t read_batch(uint64_t expire_before, FlowCollectStats& st) {
    const Snapshot all = read_snapshot(skel, {.flows = true, .counters = false});
    for (const FlowRecord& f : all.flows) {
      pktlens_flow_rec r{};
      r.key = encode_flow_key(f.key);
      r.packets = f.packets;
      r.bytes = f.bytes;
      r.first_seen_ns = f.first_seen_ns;
      r.last_seen_ns = f.last_seen_ns;
      r.tcp_flags = f.tcp_flags;
      r.idle = f.last_seen_ns < expire_before;
      apply(r);
    }
    st.reported = all.flows.size();
    return all.flows.size();
  }

  // Deletes `idle` from the kernel map; returns how many were there.
  size_t delete_idle() {
    size_t deleted = 0;
    size_t at = 0;
    bool batch = true;
    while (at < idle.size()) {
      if (batch) {
        auto count = static_cast<__u32>(idle.size() - at);
        LIBBPF_OPTS(bpf_map_batch_opts, bo);
        const int rc = bpf_map_delete_batch(flows_fd, idle.data() + at, &count, &bo);
        deleted += count;
        at += count;
        if (rc == 0) continue;
        const int err = error_of(rc);
        if (err == ENOENT) {
          at++;  // gone meanwhile (LRU eviction): skip it
        } else if (no_batch_ops(err)) {
          batch = false;
        } else {
          fail(err, "deleting idle flows from pktlens_flows");
        }
        continue;
      }
      if (bpf_map_delete_elem(flows_fd, &idle[at]) == 0)
        deleted++;
      else if (errno != ENOENT)
        fail(errno, "deleting an idle flow from pktlens_flows");
      at++;
    }
    return deleted;
  }

  FlowCollectStats collect(uint64_t now_ns, Snapshot& s) {
    FlowCollectStats st;
    st.used_iterator = iter.usable();
    st.fallback_reason = iter.reason;
    const uint64_t idle_ns = static_cast<uint64_t>(o.idle_timeout.count());
    const uint64_t expire_before = now_ns > idle_ns ? now_ns - idle_ns : 0;
    pass++;
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
    // Looking a flow up costs 4-5x what a scan pays per element
    // (bench/bench_collector.cpp, docs/performance.md): past a fifth of
    // the table, scan.
    const bool follow_log = log_on && drained.complete && mirror_exact && !full_next &&
                            logged.size() <= std::max<size_t>(4096, mirror.size() / 5);

    size_t visited;
    if (st.used_iterator && follow_log) {
      st.from_log = true;
      const uint64_t started = clock_ns(CLOCK_MONOTONIC_COARSE);
      visited = read_logged(expire_before, st);
      since_ns = started > kSinceMarginNs ? started - kSinceMarginNs : 0;
      // Idle flows are the mirror's: nothing logged means no packet.
      for (const Entry& e : mirror.entries())
        if (e.last_seen_ns < expire_before && e.pass != pass) idle.push_back(e.key);
    } else if (st.used_iterator) {
      st.full_pass = full_next;
      const uint64_t since = full_next ? 0 : since_ns;
      const uint64_t started = clock_ns(CLOCK_MONOTONIC_COARSE);
      if (scan_threads > 1) {
        st.scan_threads = scan_threads;
        visited = read_scan(scan_threads, since, expire_before, st);
      } else {
        visited = read_iterator(since, expire_before, st);
      }
      since_ns = started > kSinceMarginNs ? started - kSinceMarginNs : 0;
    } else {
      st.full_pass = true;
      visited = read_batch(expire_before, st);
    }
    st.visited = visited;
    if (!st.from_log) last_visited = visited;

    // The interval: what changed, ranked. Before any removal, which moves
    // entries and would invalidate the indexes in `changes`.
    std::erase_if(changes, [](const Change& c) { return c.packets_delta == 0; });
    st.changed = changes.size();
    s.flows_active = changes.size();
    const auto order = [&](const Change& a, const Change& b) {
      if (a.bytes_delta != b.bytes_delta) return a.bytes_delta > b.bytes_delta;
      return key_less(mirror.at(a.idx).key, mirror.at(b.idx).key);
    };
    const size_t k = std::min(o.top_k, changes.size());
    if (k < changes.size())
      std::nth_element(changes.begin(), changes.begin() + static_cast<std::ptrdiff_t>(k),
                       changes.end(), order);
    std::sort(changes.begin(), changes.begin() + static_cast<std::ptrdiff_t>(k), order);
    s.top_flows.clear();
    s.top_flows.reserve(k);
    for (size_t i = 0; i < k; i++) {
      const Entry& e = mirror.at(changes[i].idx);
      FlowRecord f = counters_of(e);
      f.key = decode_flow_key(e.key);
      s.top_flows.push_back(RankedFlow{f, changes[i].bytes_delta, changes[i].packets_delta});
    }

    // Expiry: idle flows out of the kernel map, then out of the mirror.
    st.expired_deleted = delete_idle();
    for (const pktlens_flow_key& key : idle)
      if (const uint32_t idx = mirror.find(key); idx != Mirror::kNone) mirror.erase(idx);
    for (const pktlens_flow_key& key : gone)
      if (const uint32_t idx = mirror.find(key); idx != Mirror::kNone) {
        mirror.erase(idx);
        st.mirror_dropped++;
      }
    // Mirror only: flows the kernel no longer has. A full pass reported
    // every flow in the map; otherwise only idle age tells.
    const uint32_t this_pass = pass;
    st.mirror_dropped += mirror.erase_if([&](const Entry& e) {
      return (st.full_pass && e.pass != this_pass) || e.last_seen_ns < expire_before;
    });

    // Following the log, the mirror is the kernel's table (mirror_exact).
    const size_t entries = st.from_log                  ? mirror.size()
                           : visited > st.expired_deleted ? visited - st.expired_deleted
                                                          : 0;
    st.entries = entries;
    s.flow_table_entries = entries;
    s.flow_table_capacity = capacity;
    const size_t sweep_at =
        o.evicted_sweep_threshold ? o.evicted_sweep_threshold : std::max<size_t>(1, capacity / 100);
    full_next = mirror.size() >= entries + sweep_at;
    // The LRU evicts once its shared free list is empty, while each CPU may
    // still hold up to 128 free nodes (LOCAL_FREE_TARGET, kernel/bpf/
    // bpf_lru_list.c): near that, evictions the log cannot show may happen,
    // so scans take over until a full pass after the table shrinks again.
    const size_t slack = static_cast<size_t>(bpf::possible_cpus()) * 256 + capacity / 64;
    const bool near_full = mirror.size() + slack >= capacity;
    if (st.full_pass) mirror_exact = true;
    if (near_full) mirror_exact = false;
    if (log_on && !mirror_exact && !near_full) full_next = true;
    if (changes.capacity() > 4 * std::max<size_t>(changes.size(), 4096)) changes.shrink_to_fit();
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

PresenceFill FlowTable::upkeep_presence(double max_ratio) {
  return upkeep_presence_filter(
      impl_->skel, [&](const FlowKeyAdd& add) { for_each_key(add); }, max_ratio);
}

size_t FlowTable::size() const { return impl_->mirror.size(); }

std::optional<FlowRecord> FlowTable::find(const FlowKey& k) const {
  const uint32_t idx = impl_->mirror.find(encode_flow_key(k));
  if (idx == Mirror::kNone) return std::nullopt;
  const Entry& e = impl_->mirror.at(idx);
  FlowRecord f = counters_of(e);
  f.key = decode_flow_key(e.key);
  return f;
}

void FlowTable::for_each_key(const FlowKeyAdd& add) const {
  for (const Entry& e : impl_->mirror.entries()) add(e.key);
}

}  // namespace pktlens::collector
