// SPDX-License-Identifier: Apache-2.0
// A packet generator for the live benchmarks (bench/peers/compare.py,
// bench/live_cost.py): 60-byte IPv4/UDP frames sent as fast as the sending
// CPU allows through an AF_PACKET socket (sendmmsg, qdisc bypassed), in one
// of three shapes: one flow, N flows in turn, or every frame a new flow (a
// spoofed-source flood). Every tool under comparison sees the same stream.
// Prints one JSON line: frames sent and the seconds it took.
//
// No library: pktgen is a kernel module not every kernel has, and trafgen
// (netsniff-ng) cannot vary 5-tuples this way without a config per shape.
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace {

constexpr size_t kFrameLen = 60;
constexpr size_t kBatch = 256;

struct Options {
  std::string dev;
  std::string src_mac;
  std::string dst_mac;
  uint64_t count = 1'000'000;
  uint32_t flows = 1;  // 0: every frame a new flow
};

std::array<uint8_t, 6> parse_mac(const std::string& s) {
  std::array<uint8_t, 6> m{};
  if (std::sscanf(s.c_str(), "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2], &m[3], &m[4],
                  &m[5]) != 6)
    throw std::invalid_argument("not a MAC address: " + s);
  return m;
}

uint16_t ip_checksum(const uint8_t* h) {
  uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += static_cast<uint32_t>(h[i] << 8 | h[i + 1]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum);
}

// Flow i: source 198.18.x.y (the low 17 bits of i spread over
// 198.18.0.0/15) and source port 1024 + (i >> 17), destination
// 198.19.255.254:9 — distinct 5-tuples for 2^17 * 64512 flows, all inside
// the benchmarking range.
void write_frame(uint8_t* f, const std::array<uint8_t, 6>& src_mac,
                 const std::array<uint8_t, 6>& dst_mac, uint64_t i) {
  std::memset(f, 0, kFrameLen);
  std::memcpy(f, dst_mac.data(), 6);
  std::memcpy(f + 6, src_mac.data(), 6);
  f[12] = 0x08;
  f[13] = 0x00;
  uint8_t* ip = f + 14;
  ip[0] = 0x45;
  const uint16_t tot = kFrameLen - 14;
  ip[2] = tot >> 8;
  ip[3] = tot & 0xff;
  ip[8] = 64;
  ip[9] = IPPROTO_UDP;
  const uint32_t host = static_cast<uint32_t>(i & 0x1ffff);
  const uint32_t src = (198u << 24 | 18u << 16) + host;
  const uint32_t dst = 198u << 24 | 19u << 16 | 255u << 8 | 254u;
  for (int b = 0; b < 4; ++b) {
    ip[12 + b] = static_cast<uint8_t>(src >> (24 - 8 * b));
    ip[16 + b] = static_cast<uint8_t>(dst >> (24 - 8 * b));
  }
  const uint16_t csum = ip_checksum(ip);
  ip[10] = csum >> 8;
  ip[11] = csum & 0xff;
  uint8_t* udp = ip + 20;
  const uint16_t sport = static_cast<uint16_t>(1024 + ((i >> 17) % 64512));
  udp[0] = sport >> 8;
  udp[1] = sport & 0xff;
  udp[3] = 9;
  const uint16_t ulen = tot - 20;
  udp[4] = ulen >> 8;
  udp[5] = ulen & 0xff;  // checksum 0: none (IPv4)
}

class PacketSocket {
 public:
  explicit PacketSocket(const std::string& dev) {
    fd_ = ::socket(AF_PACKET, SOCK_RAW, 0);  // protocol 0: send only
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket(AF_PACKET)");
    const int one = 1;
    if (::setsockopt(fd_, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one) != 0)
      throw std::system_error(errno, std::generic_category(), "PACKET_QDISC_BYPASS");
    sockaddr_ll a{};
    a.sll_family = AF_PACKET;
    a.sll_ifindex = static_cast<int>(if_nametoindex(dev.c_str()));
    if (a.sll_ifindex == 0) throw std::system_error(errno, std::generic_category(), dev);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
      throw std::system_error(errno, std::generic_category(), "bind " + dev);
  }
  ~PacketSocket() { ::close(fd_); }
  PacketSocket(const PacketSocket&) = delete;
  PacketSocket& operator=(const PacketSocket&) = delete;

  // Sends every message, retrying what the device refused for lack of room.
  void send_all(mmsghdr* msgs, size_t n) {
    size_t done = 0;
    while (done < n) {
      const int r = ::sendmmsg(fd_, msgs + done, static_cast<unsigned>(n - done), 0);
      if (r < 0) {
        if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) continue;
        throw std::system_error(errno, std::generic_category(), "sendmmsg");
      }
      done += static_cast<size_t>(r);
    }
  }

 private:
  int fd_ = -1;
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"pktlens benchmark traffic: 60-byte IPv4/UDP frames, as fast as possible"};
  app.add_option("--dev", o.dev, "interface to send on")->required();
  app.add_option("--src-mac", o.src_mac, "source MAC")->required();
  app.add_option("--dst-mac", o.dst_mac, "destination MAC (the peer's)")->required();
  app.add_option("--count", o.count, "frames to send");
  app.add_option("--flows", o.flows, "flows in turn; 0: every frame a new flow");
  CLI11_PARSE(app, argc, argv);

  try {
    const auto src_mac = parse_mac(o.src_mac);
    const auto dst_mac = parse_mac(o.dst_mac);
    PacketSocket sock(o.dev);
    // Frames of a fixed set of flows are built once; a flood rewrites each.
    const size_t prebuilt = o.flows == 0 ? kBatch : std::max<size_t>(o.flows, kBatch);
    std::vector<uint8_t> frames(prebuilt * kFrameLen);
    for (size_t i = 0; i < prebuilt; ++i)
      write_frame(&frames[i * kFrameLen], src_mac, dst_mac, o.flows == 0 ? i : i % o.flows);
    std::vector<iovec> iov(kBatch);
    std::vector<mmsghdr> msgs(kBatch);

    const auto start = std::chrono::steady_clock::now();
    uint64_t sent = 0;
    while (sent < o.count) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(kBatch, o.count - sent));
      for (size_t j = 0; j < n; ++j) {
        const uint64_t i = sent + j;
        uint8_t* f;
        if (o.flows == 0) {
          f = &frames[j * kFrameLen];
          write_frame(f, src_mac, dst_mac, i);
        } else {
          f = &frames[(i % prebuilt) * kFrameLen];
        }
        iov[j] = iovec{f, kFrameLen};
        msgs[j] = mmsghdr{};
        msgs[j].msg_hdr.msg_iov = &iov[j];
        msgs[j].msg_hdr.msg_iovlen = 1;
      }
      sock.send_all(msgs.data(), n);
      sent += n;
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("{\"sent\": %llu, \"seconds\": %.6f}\n", static_cast<unsigned long long>(sent),
                secs);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pktlens_bench_traffic: %s\n", e.what());
    return 1;
  }
}
