// SPDX-License-Identifier: Apache-2.0
// Randomized frames through every entry point: whatever arrives, each frame
// is counted exactly once, in the l3 class its ethertype says, and the test
// run never rejects it.
//
// The seed is printed (a Catch2 warning) on every run and with every failure;
// PKTLENS_FUZZ_SEED=N (decimal or 0x hex) reproduces a run. Each entry point
// draws its own frame stream from the seed. PKTLENS_FUZZ_FRAMES=N raises the
// frame count per entry point for a soak run.
//
// Frame sizes. BPF_PROG_TEST_RUN copies the frame into one page and rejects,
// with EINVAL, a frame shorter than ETH_HLEN (14) on both hooks. Measured on
// this kernel (6.18, x86-64, 4 KiB pages):
//   skb (TC):  14 ..= 3712  (PAGE_SIZE - NET_SKB_PAD 64 - skb_shared_info 320);
//              3713 and up: EINVAL.
//   xdp:       14 ..= 3520  (PAGE_SIZE - XDP_PACKET_HEADROOM 256 - skb_shared_info
//              320) in the linear buffer. Longer frames are accepted, but the
//              kernel builds a multi-buffer xdp_buff whose tail sits in page
//              fragments: our (non-frags) program sees only the linear 3520
//              bytes, so its byte count is no longer the frame's size.
// Every frame here is therefore 14 ..= 3520 bytes, inside both limits.
//
// The skb test run also looks at the outer ethertype (eth_type_trans) and
// rejects, with EINVAL, an untagged IPv4 frame shorter than 14 + 20 bytes and
// an untagged IPv6 frame shorter than 14 + 40 (measured here: 33 and 53 bytes
// fail; bpf_prog_test_run_skb checks skb_headlen() against the IP header it
// copies addresses from, where older kernels just skipped the copy). A real
// TC hook does see such runts; the test run cannot make them. So the TC runs
// draw a new frame in their place (counted, and printed on failure); XDP gets
// them all, and VLAN-tagged runts, which the kernel does not look into, reach
// TC too.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iterator>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "dataplane.hpp"
#include "packet.hpp"

using namespace pktlens::test;

namespace {

constexpr size_t kMinFrame = 14;    // ETH_HLEN: test_run's minimum, skb and xdp
constexpr size_t kMaxFrame = 3520;  // xdp linear maximum (skb allows 3712)
constexpr size_t kDefaultFrames = 100'000;
constexpr uint32_t kMtu = 1500;

uint64_t env_u64(const char* name, uint64_t fallback) {
  const char* s = std::getenv(name);
  if (!s || !*s) return fallback;
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s, &end, 0);
  if (errno || *end) throw std::invalid_argument(std::string(name) + "=" + s + ": not a number");
  return v;
}

// Whether the skb test run accepts the frame (see the top of the file).
bool skb_test_run_accepts(const std::vector<uint8_t>& f) {
  const uint16_t et = static_cast<uint16_t>((f[12] << 8) | f[13]);
  if (et == 0x0800) return f.size() >= 14 + 20;
  if (et == 0x86dd) return f.size() >= 14 + 40;
  return true;
}

bool is_vlan_tpid(uint16_t t) { return t == 0x8100 || t == 0x88a8 || t == 0x9100; }

uint16_t be16(const Bytes& f, size_t at) { return static_cast<uint16_t>((f[at] << 8) | f[at + 1]); }

// What the ethertype alone says, computed independently of the BPF parser:
// skip up to two VLAN tags; a tag cut short leaves the frame `other`.
struct LinkView {
  uint8_t l3;
  int tags;             // complete in-frame VLAN tags, at most 2
  size_t link_hdr_len;  // 14 + 4 per complete tag
};

LinkView classify(const Bytes& f) {
  LinkView v{PKTLENS_L3_OTHER, 0, 14};
  uint16_t proto = be16(f, 12);
  for (int i = 0; i < 2 && is_vlan_tpid(proto); i++) {
    if (f.size() < v.link_hdr_len + 4) return v;  // truncated tag
    proto = be16(f, v.link_hdr_len + 2);
    v.link_hdr_len += 4;
    v.tags++;
  }
  switch (proto) {
    case 0x0800:
      v.l3 = PKTLENS_L3_IPV4;
      break;
    case 0x86dd:
      v.l3 = PKTLENS_L3_IPV6;
      break;
    case 0x0806:
      v.l3 = PKTLENS_L3_ARP;
      break;
    default:
      break;
  }
  return v;
}

size_t size_bucket(size_t len) {
  static constexpr std::array<uint32_t, PKTLENS_SIZE_BUCKETS> bounds = PKTLENS_SIZE_BOUNDS_INIT;
  for (size_t i = 0; i + 1 < bounds.size(); i++)
    if (len <= bounds[i]) return i;
  return bounds.size() - 1;
}

// Offsets of the header fields worth mutating, recorded while a valid frame
// is put together (PacketBuilder does not report them).
struct Layout {
  std::vector<size_t> hot;  // single bytes: ethertypes, lengths, version, ...
};

class FrameGen {
 public:
  explicit FrameGen(std::seed_seq& seq) : rng_(seq) {}

  enum Kind { kRandom, kRandomAfterEthertype, kTruncated, kMutated, kKinds };

  Bytes next(Kind& kind) {
    const uint32_t r = uniform(0, 99);
    if (r < 15) {
      kind = kRandom;
      return random_frame();
    }
    if (r < 30) {
      kind = kRandomAfterEthertype;
      return random_after_ethertype();
    }
    Layout lay;
    Bytes f = valid_frame(lay);
    if (r < 65) {
      kind = kTruncated;
      // Mostly cut somewhere inside; sometimes keep the whole frame.
      if (uniform(0, 4) != 0) f.resize(uniform(kMinFrame, f.size()));
      return f;
    }
    kind = kMutated;
    mutate(f, lay);
    if (uniform(0, 3) == 0) f.resize(uniform(kMinFrame, f.size()));
    return f;
  }

 private:
  template <class T>
  T uniform(T lo, T hi) {
    return std::uniform_int_distribution<T>(lo, hi)(rng_);
  }
  uint8_t byte() { return static_cast<uint8_t>(rng_()); }
  bool chance(uint32_t percent) { return uniform(0u, 99u) < percent; }

  Bytes random_bytes(size_t n) {
    Bytes b(n);
    for (auto& x : b) x = byte();
    return b;
  }

  // Mostly small frames, where the headers are; some up to the maximum.
  size_t random_len() {
    const uint32_t r = uniform(0, 9);
    if (r < 5) return uniform(kMinFrame, size_t{80});
    if (r < 8) return uniform(kMinFrame, size_t{600});
    return uniform(kMinFrame, kMaxFrame);
  }

  // (a) Random bytes of random length.
  Bytes random_frame() { return random_bytes(random_len()); }

  // (a') Random bytes behind an ethertype the parser acts on, so that
  // random headers reach the IP parsers and not only the `other` path.
  Bytes random_after_ethertype() {
    static constexpr uint16_t types[] = {0x0800, 0x86dd, 0x0806, 0x8100, 0x88a8, 0x9100};
    Bytes f = random_bytes(random_len());
    const uint16_t t = types[uniform(size_t{0}, std::size(types) - 1)];
    f[12] = t >> 8;
    f[13] = t & 0xff;
    if (is_vlan_tpid(t) && f.size() >= 18 && chance(70)) {
      const uint16_t inner = types[uniform(size_t{0}, std::size(types) - 1)];
      f[16] = inner >> 8;
      f[17] = inner & 0xff;
    }
    // A plausible version nibble half the time.
    const size_t l3 = is_vlan_tpid(t) ? 18 : 14;
    if (f.size() > l3 && chance(50)) {
      const uint16_t et = be16(f, l3 - 2);
      if (et == 0x0800) f[l3] = static_cast<uint8_t>(0x40 | uniform(0u, 15u));
      if (et == 0x86dd) f[l3] = static_cast<uint8_t>(0x60 | (f[l3] & 0x0f));
    }
    return f;
  }

  Ip4 addr4() {
    // A small pool, so that some flows repeat and some frames are `land`.
    return Ip4{198, 18, static_cast<uint8_t>(uniform(0u, 3u)),
               static_cast<uint8_t>(uniform(0u, 15u))};
  }
  Ip6 addr6() {
    Ip6 a = ip6("fd00::");
    a[14] = static_cast<uint8_t>(uniform(0u, 3u));
    a[15] = static_cast<uint8_t>(uniform(0u, 15u));
    if (chance(3)) {  // multicast ff02::, where hop limit 1 is the rule
      a[0] = 0xff;
      a[1] = 0x02;
    }
    return a;
  }
  uint16_t port() { return chance(50) ? static_cast<uint16_t>(uniform(0u, 65535u)) : 80; }

  // (b) A well-formed frame with random structure.
  Bytes valid_frame(Layout& lay) {
    PacketBuilder b;
    size_t off = 0;
    b.eth();
    lay.hot.insert(lay.hot.end(), {12, 13});
    off = 14;
    static constexpr uint16_t tpids[] = {0x8100, 0x88a8, 0x9100};
    const uint32_t ntags = chance(60) ? 0 : (chance(85) ? uniform(1u, 2u) : 3u);
    for (uint32_t i = 0; i < ntags; i++) {
      b.vlan(static_cast<uint16_t>(uniform(0u, 4095u)), tpids[uniform(size_t{0}, size_t{2})],
             static_cast<uint8_t>(uniform(0u, 7u)));
      lay.hot.insert(lay.hot.end(), {off + 2, off + 3});
      off += 4;
    }

    const uint32_t l3 = uniform(0u, 99u);
    size_t payload_max = chance(10) ? 3300 : 200;
    if (l3 < 45) {
      ipv4(b, lay, off);
    } else if (l3 < 90) {
      ipv6(b, lay, off);
    } else if (l3 < 96) {
      b.arp();
      payload_max = 20;
    } else {
      b.raw(random_bytes(uniform(size_t{0}, size_t{60})));
      payload_max = 0;
    }
    if (payload_max) b.payload(uniform(size_t{0}, payload_max), byte());
    Bytes f = b.build();
    if (f.size() > kMaxFrame) f.resize(kMaxFrame);
    return f;
  }

  void ipv4(PacketBuilder& b, Layout& lay, size_t off) {
    Ipv4Opts o;
    o.src = addr4();
    o.dst = chance(5) ? o.src : addr4();
    o.tos = byte();
    o.ttl = chance(10) ? static_cast<uint8_t>(uniform(0u, 2u)) : byte();
    if (chance(5)) o.dst = Ip4{224, 0, 0, static_cast<uint8_t>(uniform(0u, 255u))};
    o.options.resize(chance(20) ? 4 * uniform(size_t{1}, size_t{10}) : 0);
    for (auto& x : o.options) x = byte();
    const uint32_t fr = uniform(0u, 9u);
    if (fr == 0)
      o.frag = 0x2000;  // first fragment
    else if (fr == 1)
      o.frag = static_cast<uint16_t>(uniform(1u, 0x1fffu) | (chance(50) ? 0x2000 : 0));
    else if (fr == 2)
      o.frag = 0x2001;  // offset 1, more fragments
    else if (fr < 6)
      o.frag = 0x4000;  // DF
    const size_t hl = 20 + o.options.size();
    lay.hot.insert(lay.hot.end(), {off, off + 2, off + 3, off + 6, off + 7, off + 8, off + 9});
    b.ipv4(o);
    l4(b, lay, off + hl, false);
  }

  void ipv6(PacketBuilder& b, Layout& lay, size_t off) {
    Ipv6Opts o;
    o.src = addr6();
    o.dst = chance(5) ? o.src : addr6();
    o.tclass = byte();
    o.hop_limit = chance(10) ? static_cast<uint8_t>(uniform(0u, 2u)) : byte();
    lay.hot.insert(lay.hot.end(), {off, off + 4, off + 5, off + 6, off + 7});
    b.ipv6(o);
    off += 40;
    const uint32_t next = chance(60) ? 0 : uniform(1u, 3u);
    for (uint32_t i = 0; i < next; i++) {
      lay.hot.insert(lay.hot.end(), {off, off + 1});
      switch (uniform(0u, 3u)) {
        case 0: {
          const uint8_t units = static_cast<uint8_t>(uniform(0u, 3u));
          b.ipv6_ext(0, units);
          off += 8 + 8 * units;
          break;
        }
        case 1: {
          const uint8_t units = static_cast<uint8_t>(uniform(0u, 3u));
          b.ipv6_ext(43, units);
          off += 8 + 8 * units;
          break;
        }
        case 2: {
          const uint8_t units = static_cast<uint8_t>(uniform(0u, 3u));
          b.ipv6_ext(60, units);
          off += 8 + 8 * units;
          break;
        }
        default: {
          const uint32_t kind = uniform(0u, 3u);
          const uint16_t fo = kind == 0   ? 0
                              : kind == 1 ? 1
                                          : static_cast<uint16_t>(uniform(2u, 0x1fffu));
          b.ipv6_frag(fo, chance(60), static_cast<uint32_t>(rng_()));
          lay.hot.insert(lay.hot.end(), {off + 2, off + 3});
          off += 8;
          break;
        }
      }
    }
    l4(b, lay, off, true);
  }

  void l4(PacketBuilder& b, Layout& lay, size_t off, bool v6) {
    const uint32_t r = uniform(0u, 99u);
    if (r < 40) {
      TcpOpts t;
      t.sport = port();
      t.dport = port();
      t.flags = chance(50) ? static_cast<uint8_t>(uniform(0u, 1u) ? 0x02 : 0x10) : byte();
      t.options.resize(chance(20) ? 4 * uniform(size_t{1}, size_t{10}) : 0);
      for (auto& x : t.options) x = byte();
      lay.hot.insert(lay.hot.end(), {off + 12, off + 13});
      b.tcp(t);
    } else if (r < 70) {
      b.udp({port(), port()});
      lay.hot.insert(lay.hot.end(), {off + 4, off + 5});
    } else if (r < 90) {
      const IcmpOpts ic{byte(), byte()};
      if (v6)
        b.icmp6(ic);
      else
        b.icmp(ic);
    } else {
      // An upper layer we do not parse (GRE, SCTP, ...), or none at all.
      b.raw(random_bytes(uniform(size_t{0}, size_t{40})));
    }
  }

  // (c) Flip header bytes: mostly fields the parser decides on, sometimes any
  // byte of the first 128.
  void mutate(Bytes& f, const Layout& lay) {
    const uint32_t n = uniform(1u, 4u);
    for (uint32_t i = 0; i < n; i++) {
      size_t at;
      if (!lay.hot.empty() && chance(80))
        at = lay.hot[uniform(size_t{0}, lay.hot.size() - 1)];
      else
        at = uniform(size_t{0}, std::min<size_t>(f.size(), 128) - 1);
      if (at >= f.size()) continue;
      switch (uniform(0u, 5u)) {
        case 0:
          f[at] = byte();
          break;
        case 1:
          f[at] ^= static_cast<uint8_t>(1u << uniform(0u, 7u));
          break;
        case 2:
          f[at] = 0;
          break;
        case 3:
          f[at] = 0xff;
          break;
        case 4:  // a nibble: IP version / IHL, TCP data offset
          f[at] = static_cast<uint8_t>((f[at] & (chance(50) ? 0x0f : 0xf0)) |
                                       (uniform(0u, 15u) << (chance(50) ? 4 : 0)));
          break;
        default: {  // a value with meaning to the parser
          static constexpr uint8_t interesting[] = {0,    1,    4,    6,    17,   41,   43,   44,
                                                    51,   58,   59,   60,   135,  139,  140,  0x08,
                                                    0x86, 0x81, 0x88, 0x91, 0xdd, 0x06, 0x45, 0x60};
          f[at] = interesting[uniform(size_t{0}, std::size(interesting) - 1)];
          break;
        }
      }
    }
  }

  std::mt19937 rng_;
};

std::string hex(const Bytes& f, size_t max = 96) {
  std::string s;
  char buf[4];
  for (size_t i = 0; i < f.size() && i < max; i++) {
    std::snprintf(buf, sizeof(buf), "%02x", f[i]);
    s += buf;
  }
  if (f.size() > max) s += "...";
  return s;
}

void fuzz_hook(Hook hook) {
  const uint64_t seed = env_u64("PKTLENS_FUZZ_SEED",
                                std::random_device{}() | (uint64_t{std::random_device{}()} << 32));
  const size_t frames = env_u64("PKTLENS_FUZZ_FRAMES", kDefaultFrames);
  INFO("hook " << hook_name(hook) << ", PKTLENS_FUZZ_SEED=" << seed << ", " << frames << " frames");
  WARN(hook_name(hook) << ": PKTLENS_FUZZ_SEED=" << seed << " reproduces this run");

  // Each hook gets its own stream from the one seed.
  std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                    static_cast<uint32_t>(hook)};
  FrameGen gen(seq);

  // Room for every flow the frames can create (at most one per frame), with
  // a margin: no new flow is refused, so flow sums stay exact. The
  // product's admission default stays on, so some new flows are unadmitted.
  const auto max_flows = static_cast<uint32_t>(std::max<size_t>(1u << 17, frames + frames / 4));
  Dataplane dp({.max_flows = max_flows, .max_vlans = 1024});
  dp.register_iface(1, 1, kMtu);
  const uint8_t dir = hook == Hook::TcEgress ? PKTLENS_DIR_EGRESS : PKTLENS_DIR_INGRESS;
  const int want_retval = hook == Hook::Xdp ? 2 /* XDP_PASS */ : -1 /* TC_ACT_UNSPEC */;

  uint64_t bytes = 0, tagged = 0, tagged_bytes = 0, oversize = 0;
  uint64_t l3_packets[PKTLENS_L3_MAX] = {}, l3_bytes[PKTLENS_L3_MAX] = {};
  uint64_t hist[PKTLENS_SIZE_BUCKETS] = {};
  uint64_t kinds[FrameGen::kKinds] = {};
  uint64_t bad_retval = 0, skb_runts = 0;
  std::string first_bad_retval;

  for (size_t i = 0; i < frames; i++) {
    FrameGen::Kind kind;
    Bytes f = gen.next(kind);
    while (hook != Hook::Xdp && !skb_test_run_accepts(f)) {
      skb_runts++;
      f = gen.next(kind);
    }
    if (f.size() < kMinFrame || f.size() > kMaxFrame)
      FAIL("generator made a " << f.size() << "-byte frame");
    RunResult r{};
    try {
      r = dp.run(hook, f);
    } catch (const std::exception& e) {
      FAIL("frame " << i << " (kind " << kind << ", " << f.size()
                    << " bytes) rejected: " << e.what() << "\n  " << hex(f, f.size()));
    }
    if (r.retval != want_retval && bad_retval++ == 0)
      first_bad_retval = "frame " + std::to_string(i) + " returned " + std::to_string(r.retval) +
                         ": " + hex(f, f.size());

    kinds[kind]++;
    bytes += f.size();
    const LinkView v = classify(f);
    l3_packets[v.l3]++;
    l3_bytes[v.l3] += f.size();
    hist[size_bucket(f.size())]++;
    if (v.tags) {
      tagged++;
      tagged_bytes += f.size();
    }
    if (f.size() > kMtu + v.link_hdr_len) oversize++;
  }
  INFO("frames by kind: random " << kinds[FrameGen::kRandom] << ", random after ethertype "
                                 << kinds[FrameGen::kRandomAfterEthertype] << ", truncated "
                                 << kinds[FrameGen::kTruncated] << ", mutated "
                                 << kinds[FrameGen::kMutated] << "; " << skb_runts
                                 << " IP runts the skb test run refuses drawn again");
  INFO(first_bad_retval);
  CHECK(bad_retval == 0);

  const pktlens_if_stats s = dp.stats(1, dir);
  const pktlens_if_stats other_dir = dp.stats(1, dir ^ 1);
  const pktlens_if_stats unreg = dp.stats(PKTLENS_SLOT_UNREGISTERED, dir);

  // Counted exactly once, in the interface and direction the hook serves.
  CHECK(total_packets(s) == frames);
  CHECK(total_bytes(s) == bytes);
  CHECK(total_packets(other_dir) == 0);
  CHECK(total_packets(unreg) == 0);

  // l3 class from the ethertype alone.
  for (int l3 = 0; l3 < PKTLENS_L3_MAX; l3++) {
    INFO("l3 class " << l3);
    uint64_t p = 0, b = 0;
    for (int l4 = 0; l4 < PKTLENS_L4_MAX; l4++) {
      p += s.packets[l3][l4];
      b += s.bytes[l3][l4];
    }
    CHECK(p == l3_packets[l3]);
    CHECK(b == l3_bytes[l3]);
    CHECK(l3_packets[l3] > 0);  // the generator reaches every class
  }
  // ARP and unknown ethertypes have no L4 class.
  for (int l4 = 0; l4 < PKTLENS_L4_OTHER; l4++) {
    CHECK(s.packets[PKTLENS_L3_ARP][l4] == 0);
    CHECK(s.packets[PKTLENS_L3_OTHER][l4] == 0);
  }

  // Size histogram: one bucket per frame, the bucket its size says.
  uint64_t hist_sum = 0;
  for (int i = 0; i < PKTLENS_SIZE_BUCKETS; i++) {
    INFO("size bucket " << i);
    CHECK(s.size_hist[i] == hist[i]);
    hist_sum += s.size_hist[i];
  }
  CHECK(hist_sum == frames);

  // DSCP, ECN and TTL are counted once per frame with a complete IP header.
  uint64_t dscp = 0, ecn = 0, ttl = 0;
  for (auto x : s.dscp) dscp += x;
  for (auto x : s.ecn) ecn += x;
  for (auto x : s.ttl_hist) ttl += x;
  CHECK(dscp == ecn);
  CHECK(dscp == ttl);
  CHECK(dscp <= l3_packets[PKTLENS_L3_IPV4] + l3_packets[PKTLENS_L3_IPV6]);
  CHECK(dscp > 0);
  for (int i = 0; i < PKTLENS_TCPF_MAX; i++) CHECK(s.tcp_flags[i] <= frames);

  for (int a = 0; a < PKTLENS_ANOM_MAX; a++) {
    INFO("anomaly " << a);
    CHECK(s.anomalies[a] <= frames);
  }
  CHECK(s.anomalies[PKTLENS_ANOM_OVERSIZE] == oversize);
  if (dir == PKTLENS_DIR_EGRESS) CHECK(s.anomalies[PKTLENS_ANOM_TTL_EXPIRED] == 0);
  // The mix exercises the malformed paths, not only the clean ones.
  for (int a : {PKTLENS_ANOM_TRUNCATED, PKTLENS_ANOM_BAD_IP_HEADER, PKTLENS_ANOM_BAD_IP_LENGTH,
                PKTLENS_ANOM_BAD_TCP_OFFSET, PKTLENS_ANOM_FRAGMENT, PKTLENS_ANOM_TINY_FRAGMENT,
                PKTLENS_ANOM_IP_OPTIONS, PKTLENS_ANOM_OVERSIZE}) {
    INFO("anomaly " << a << " never raised");
    CHECK(s.anomalies[a] > 0);
  }

  // Flows reconcile with the totals: every frame is in exactly one flow, or
  // untracked, or unadmitted.
  const auto flows = dp.flows();
  uint64_t flow_packets = 0, flow_bytes = 0;
  uint64_t empty_flows = 0;
  for (const auto& fl : flows) {
    flow_packets += fl.val.packets;
    flow_bytes += fl.val.bytes;
    if (fl.val.packets == 0) empty_flows++;
  }
  INFO(flows.size() << " flows, " << s.flow_inserts << " inserts, untracked "
                    << s.flow_untracked_packets << ", unadmitted " << s.flow_unadmitted_packets);
  CHECK(flow_packets + s.flow_untracked_packets + s.flow_unadmitted_packets == frames);
  CHECK(flow_bytes + s.flow_untracked_bytes + s.flow_unadmitted_bytes == bytes);
  CHECK(flows.size() == s.flow_inserts);  // no eviction, one insert per entry
  CHECK(empty_flows == 0);
  CHECK(s.flow_untracked_packets > 0);
  CHECK(!flows.empty());

  // VLAN map: every frame with at least one complete tag is in a VLAN entry
  // or in the overflow counter.
  uint64_t vlan_packets = 0, vlan_bytes = 0;
  for (const auto& vc : dp.vlans()) {
    vlan_packets += vc.val.packets;
    vlan_bytes += vc.val.bytes;
  }
  CHECK(vlan_packets + s.vlan_overflow_packets == tagged);
  CHECK(vlan_bytes + s.vlan_overflow_bytes == tagged_bytes);
}

}  // namespace

TEST_CASE("random and mutated frames through tc_ingress are all counted exactly once", "[random]") {
  fuzz_hook(Hook::TcIngress);
}

TEST_CASE("random and mutated frames through tc_egress are all counted exactly once", "[random]") {
  fuzz_hook(Hook::TcEgress);
}

TEST_CASE("random and mutated frames through xdp_ingress are all counted exactly once",
          "[random]") {
  fuzz_hook(Hook::Xdp);
}
