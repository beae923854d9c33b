// SPDX-License-Identifier: Apache-2.0
#include "export/collector_socket.hpp"

#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace pktlens::flowexport {
namespace {

// How long a UDP datagram waits for an ICMP error before it counts as
// delivered: a round trip, with room to spare.
constexpr auto kIcmpWait = std::chrono::seconds(1);
// Between two looks at the acknowledgements while stopping.
constexpr int kStopPollMs = 10;
// IPFIX message header: version 10, length, export time, sequence number.
constexpr size_t kHeaderSize = 16;
constexpr uint16_t kIpfixVersion = 10;

[[noreturn]] void fail(const std::string& what, int err) {
  throw IpfixError(what + ": " + std::strerror(err));
}

std::string name_of(const Endpoint& e) { return e.host + " port " + std::to_string(e.port); }

int poll_ms(CollectorSocket::Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - CollectorSocket::Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

}  // namespace

CollectorSocket::Address CollectorSocket::resolve(const Endpoint& e) {
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  hints.ai_socktype = e.transport == Transport::tcp ? SOCK_STREAM : SOCK_DGRAM;
  addrinfo* ai = nullptr;
  const std::string port = std::to_string(e.port);
  if (const int rc = getaddrinfo(e.host.c_str(), port.c_str(), &hints, &ai); rc != 0)
    throw IpfixError("collector address " + e.host + ": " + gai_strerror(rc));
  Address a;
  std::memcpy(&a.storage, ai->ai_addr, ai->ai_addrlen);
  a.length = ai->ai_addrlen;
  freeaddrinfo(ai);
  return a;
}

CollectorSocket::CollectorSocket(const Endpoint& e, std::chrono::milliseconds timeout)
    : CollectorSocket(e, timeout, resolve(e)) {}

CollectorSocket::CollectorSocket(const Endpoint& e, std::chrono::milliseconds timeout,
                                 const Address& a)
    : tcp_(e.transport == Transport::tcp),
      timeout_(timeout),
      fd_(::socket(a.storage.ss_family,
                   (tcp_ ? SOCK_STREAM : SOCK_DGRAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)),
      datagrams_(kIcmpWait) {
  if (fd_.get() < 0) fail("socket for the collector", errno);
  if (!tcp_) {
    // The ICMP errors, each with the start of its datagram, in the error queue.
    const int on = 1;
    const bool v6 = a.storage.ss_family == AF_INET6;
    if (setsockopt(fd_.get(), v6 ? SOL_IPV6 : SOL_IP, v6 ? IPV6_RECVERR : IP_RECVERR, &on,
                   sizeof on) != 0)
      fail("IP_RECVERR", errno);
    // Room for bursts of datagrams, as libfixbuf's exporter asked (best effort).
    const int sndbuf = 4 << 20;
    setsockopt(fd_.get(), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  }
  const auto* addr = reinterpret_cast<const sockaddr*>(&a.storage);
  if (::connect(fd_.get(), addr, a.length) == 0) return;
  if (errno != EINPROGRESS) fail("connecting to " + name_of(e), errno);
  pollfd p{fd_.get(), POLLOUT, 0};
  const int n = ::poll(&p, 1, static_cast<int>(timeout_.count()));
  if (n == 0) throw IpfixError("connecting to " + name_of(e) + ": timed out");
  int err = 0;
  socklen_t len = sizeof err;
  if (n < 0)
    err = errno;
  else if (getsockopt(fd_.get(), SOL_SOCKET, SO_ERROR, &err, &len) != 0)
    err = errno;
  if (err != 0) fail("connecting to " + name_of(e), err);
}

CollectorSocket::~CollectorSocket() {
  if (!tcp_ || !reset_) return;
  const linger reset{1, 0};
  setsockopt(fd_.get(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
}

void CollectorSocket::wait_writable(Clock::time_point deadline) {
  pollfd p{fd_.get(), POLLOUT, 0};
  const int n = ::poll(&p, 1, poll_ms(deadline));
  if (n < 0 && errno != EINTR) fail("waiting to write to the collector", errno);
  if (n == 0)
    throw IpfixError("the collector takes nothing: no write possible for " +
                     std::to_string(timeout_.count()) + " ms");
}

void CollectorSocket::write(std::span<const uint8_t> message, uint64_t records) {
  const auto deadline = Clock::now() + timeout_;
  if (!tcp_) {
    uint32_t sequence = 0;
    if (message.size() >= kHeaderSize) std::memcpy(&sequence, message.data() + 8, 4);
    // An error of an earlier datagram is reported once by the next send
    // (which then does not go out): read the queue first, retry once.
    read_errors();
    for (bool retried = false;;) {
      if (::send(fd_.get(), message.data(), message.size(), MSG_NOSIGNAL) >= 0) break;
      const int err = errno;
      if (err == ECONNREFUSED && !retried) {
        read_errors();
        retried = true;
      } else if (err == EAGAIN || err == EINTR) {
        wait_writable(deadline);
      } else {
        fail("sending to the collector", err);
      }
    }
    if (records > 0) datagrams_.sent(ntohl(sequence), records, Clock::now());
    return;
  }
  reset_ = true;  // until the message is written whole
  size_t off = 0;
  while (off < message.size()) {
    const ssize_t n = ::send(fd_.get(), message.data() + off, message.size() - off, MSG_NOSIGNAL);
    if (n >= 0) {
      off += static_cast<size_t>(n);
      written_ += static_cast<uint64_t>(n);
    } else if (errno == EAGAIN || errno == EINTR) {
      wait_writable(deadline);
    } else {
      fail("sending to the collector", errno);
    }
  }
  reset_ = false;
  if (records > 0) stream_.written(written_, records);
}

void CollectorSocket::read_errors() {
  for (;;) {
    std::array<uint8_t, kHeaderSize> data{};
    std::array<char, 512> control{};
    iovec iov{data.data(), data.size()};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    const ssize_t n = ::recvmsg(fd_.get(), &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
    if (n < 0) break;  // EAGAIN: the queue is empty
    bool icmp = false;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
      if (!((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
            (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)))
        continue;
      sock_extended_err ee{};
      std::memcpy(&ee, CMSG_DATA(c), sizeof ee);
      icmp = ee.ee_origin == SO_EE_ORIGIN_ICMP || ee.ee_origin == SO_EE_ORIGIN_ICMP6;
    }
    uint16_t version = 0;
    uint32_t sequence = 0;
    std::memcpy(&version, data.data(), 2);
    std::memcpy(&sequence, data.data() + 8, 4);
    if (!icmp || static_cast<size_t>(n) < kHeaderSize || ntohs(version) != kIpfixVersion) continue;
    refused_ = true;
    known_ += datagrams_.refused(ntohl(sequence));
  }
}

Delivery CollectorSocket::settle() {
  if (tcp_) {
    int unacked = 0;
    if (ioctl(fd_.get(), SIOCOUTQ, &unacked) == 0)
      known_ += stream_.acked(written_ - static_cast<uint64_t>(unacked));
  } else {
    read_errors();
    known_ += datagrams_.confirm(Clock::now());
  }
  return std::exchange(known_, {});
}

Delivery CollectorSocket::finish(Clock::time_point deadline) {
  Delivery d = settle();
  const auto until = tcp_ ? deadline : std::min(deadline, datagrams_.settled_at());
  while (has_unconfirmed() && Clock::now() < until) {
    // TCP: a peer that closed or reset acknowledges nothing more.
    pollfd p{fd_.get(), static_cast<short>(tcp_ ? POLLRDHUP : 0), 0};
    const int n = ::poll(&p, 1, std::min(kStopPollMs, poll_ms(until)));
    d += settle();
    if (tcp_ && n > 0) break;
  }
  return d += end();
}

Delivery CollectorSocket::abandon() {
  Delivery d = settle();
  return d += end();
}

Delivery CollectorSocket::end() {
  if (!tcp_) return datagrams_.confirm_all();
  const Delivery d = stream_.lose_rest();
  reset_ = reset_ || d.lost > 0;
  return d;
}

uint64_t CollectorSocket::unconfirmed() const {
  return tcp_ ? stream_.unconfirmed() : datagrams_.unconfirmed();
}

bool CollectorSocket::has_unconfirmed() const {
  return tcp_ ? !stream_.empty() : !datagrams_.empty();
}

bool CollectorSocket::take_refused() { return std::exchange(refused_, false); }

}  // namespace pktlens::flowexport
