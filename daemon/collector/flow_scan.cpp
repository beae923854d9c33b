// SPDX-License-Identifier: Apache-2.0
#include "collector/flow_scan.hpp"

#include "bpf/unique_fd.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>

#include "bpf/flow_iterator.hpp"
#include "collector/bpf_call.hpp"
#include "collector/percpu_sum.hpp"

namespace pktlens::collector {
namespace {

static_assert(sizeof(pktlens_flow_rec) == 88);
static_assert(offsetof(pktlens_flow_rec, packets) == sizeof(pktlens_flow_key));

// The record of one element, if the range wants it.
bool wanted(pktlens_flow_rec& r, const ScanRange& range) {
  r.idle = r.last_seen_ns < range.expire_before;
  return r.idle || r.last_seen_ns >= range.since;
}

using Fd = bpf::UniqueFd;

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
  bool no_batch_ops = false;
  pktlens_flow_key first{};
  std::exception_ptr error;
};

// `density`: elements per bucket expected. A batch call reads up to
// `chunk` elements whatever the buckets, so a chunk much larger than the
// shard's remaining elements copies the next shards' for nothing: chunks
// are sized to what is left, 25% over.
void scan_shard(Shard& sh, const MapShape& m, BatchBuffers& b, const ScanRange& range,
                double density) {
  BatchCursor cursor(m, b, sh.from);
  for (uint32_t in = sh.from;; in = cursor.position()) {
    const double left = static_cast<double>(sh.to > in ? sh.to - in : 1) * density;
    const uint32_t want = std::clamp<uint32_t>(static_cast<uint32_t>(left * 1.25) + 16, 16, 4096);
    const bool ok = cursor.next(want);
    sh.calls = cursor.calls();
    if (!ok) {
      sh.no_batch_ops = true;
      return;
    }
    const uint32_t count = cursor.count();
    if (count > 0 && !sh.has_first) {
      std::memcpy(&sh.first, cursor.key(0), sizeof sh.first);
      sh.has_first = true;
    }
    if (cursor.end() || cursor.position() >= sh.to) {
      sh.last_count = count;
      sh.keys.assign(cursor.key(0), cursor.key(0) + count * m.key_size);
      sh.values.assign(cursor.values(0), cursor.values(0) + count * m.element());
      return;
    }
    for (uint32_t i = 0; i < count; i++) {
      pktlens_flow_rec r = sum_flow(cursor.key(i), cursor.values(i), m.stride(), m.cpus);
      if (wanted(r, range)) sh.recs->push_back(r);
    }
    sh.visited += count;
  }
}

}  // namespace

bool FlowScan::batch(size_t threads, const ScanRange& range, size_t expected, const FlowSink& sink,
                     ScanResult& out) {
  out = {};
  uint32_t buckets = 1;
  while (buckets < m_.max_entries) buckets <<= 1;  // the kernel's roundup_pow_of_two
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
  const double density = expected ? static_cast<double>(expected) / buckets : 1.0;
  shard_recs_.resize(window);
  std::mutex mu;
  std::condition_variable cv;
  size_t next = 0, applied = 0;  // under mu
  bool stop = false;             // under mu
  std::vector<char> done(n, 0);  // under mu
  const auto worker = [&](BatchBuffers& bufs) {
    for (;;) {
      size_t t;
      {
        std::unique_lock lk(mu);
        cv.wait(lk, [&] { return stop || next >= n || next < applied + window; });
        if (stop || next >= n) return;
        t = next++;
      }
      // Shard t - window is applied: its buffer is free.
      shards[t].recs = &shard_recs_[t % window];
      shards[t].recs->clear();
      try {
        scan_shard(shards[t], m_, bufs, range, density);
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
  worker_bufs_.resize(threads);
  for (size_t t = 0; t < threads; t++) pool.threads.emplace_back(worker, std::ref(worker_bufs_[t]));

  // The last chunk of shard t, cut at `first` (the next non-empty
  // shard's first key; nullptr: not cut).
  const auto finish_tail = [&](Shard& sh, const pktlens_flow_key* first) {
    uint32_t cut = sh.last_count;
    for (uint32_t i = 0; first && i < sh.last_count; i++)
      if (std::memcmp(sh.keys.data() + i * m_.key_size, first, m_.key_size) == 0) {
        cut = i;
        break;
      }
    for (uint32_t i = 0; i < cut; i++) {
      pktlens_flow_rec r = sum_flow(sh.keys.data() + i * m_.key_size,
                                    sh.values.data() + i * m_.element(), m_.stride(), m_.cpus);
      if (wanted(r, range)) {
        sink(r);
        out.reported++;
      }
    }
    out.visited += cut;
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
    // Batch ops are refused for the whole map or not at all: the first
    // shard tells, before anything reached the sink.
    if (sh.no_batch_ops) return false;
    if (sh.has_first) {
      for (const size_t p : pending) finish_tail(shards[p], &sh.first);
      pending.clear();
    }
    for (const pktlens_flow_rec& r : *sh.recs) sink(r);
    out.visited += sh.visited;
    out.reported += sh.recs->size();
    out.calls += sh.calls;
    pending.push_back(t);
    {
      std::lock_guard lk(mu);
      applied = t + 1;
    }
    cv.notify_all();
  }
  for (const size_t p : pending) finish_tail(shards[p], nullptr);
  return true;
}

ScanResult FlowScan::iterator(bpf::FlowIterator& it, const ScanRange& range, const FlowSink& sink) {
  ScanResult out;
  const Fd fd(it.start(range.since, range.expire_before));
  read_buf_.resize(1 << 20);
  size_t have = 0;  // bytes of a record cut by the previous read()
  for (;;) {
    const ssize_t n = read(fd.get(), read_buf_.data() + have, read_buf_.size() - have);
    out.calls++;
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
      std::memcpy(&r, read_buf_.data() + i * sizeof r, sizeof r);
      sink(r);
    }
    const size_t used = whole * sizeof(pktlens_flow_rec);
    std::memmove(read_buf_.data(), read_buf_.data() + used, have - used);
    have -= used;
  }
  if (have != 0) fail(EPROTO, "pktlens_flows iterator: a record cut at the end");
  out.reported = it.reported();
  out.visited = it.entries();
  return out;
}

ScanResult FlowScan::keys(const ScanRange& range, const FlowSink& sink) {
  ScanResult out;
  walk_keys(m_, [&](const uint8_t* key, const uint8_t* values) {
    pktlens_flow_rec r = sum_flow(key, values, m_.stride(), m_.cpus);
    out.visited++;
    out.calls++;
    if (wanted(r, range)) {
      sink(r);
      out.reported++;
    }
  });
  return out;
}

}  // namespace pktlens::collector
