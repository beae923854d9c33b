// SPDX-License-Identifier: Apache-2.0
// pktlens's TC programs as tcx links (Linux >= 6.6) on a veth pair in the
// test's own network namespace, pinned in a bpffs of the test's own: first
// on the hook, counting real frames exactly, handed over in place to a
// successor, attached again after a detach, and nothing left behind. On a
// kernel without tcx hooks each test says so and passes: the clsact path is
// test_attach.cpp's, and the e2e suite forces it (PKTLENS_FORCE_FALLBACK=tcx).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <string>
#include <vector>

#include "bpf/tcx_link.hpp"
#include "bpffs.hpp"
#include "dataplane.hpp"
#include "packet.hpp"
#include "pktlens_bpf.skel.h"
#include "private_network.hpp"

using namespace pktlens::test;
using pktlens::bpf::remove_leftover_tcx;
using pktlens::bpf::tcx_pin_path;
using pktlens::bpf::TcxLink;

namespace {

constexpr int kTcxIngress = pktlens::bpf::kTcxIngressAttach;
constexpr int kTcxEgress = pktlens::bpf::kTcxEgressAttach;

uint32_t prog_id(int fd) {
  bpf_prog_info info{};
  uint32_t len = sizeof info;
  REQUIRE(bpf_obj_get_info_by_fd(fd, &info, &len) == 0);
  return info.id;
}

// The programs on a tcx hook, first to run first.
std::vector<uint32_t> tcx_progs(int ifindex, int type) {
  uint32_t ids[16], count = 16;
  REQUIRE(bpf_prog_query(ifindex, static_cast<bpf_attach_type>(type), 0, nullptr, ids, &count) ==
          0);
  return {ids, ids + count};
}

// False, with the reason printed, on a kernel without tcx hooks.
bool kernel_has_tcx() {
  uint32_t count = 0;
  if (bpf_prog_query(1, static_cast<bpf_attach_type>(kTcxIngress), 0, nullptr, nullptr, &count) ==
      0)
    return true;
  WARN("skipped: this kernel has no tcx hooks (BPF_PROG_QUERY: " << strerror(errno)
                                                                 << "); Linux >= 6.6 has");
  return false;
}

bool exists(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0;
}

std::vector<uint8_t> udp_frame() { return PacketBuilder().eth().ipv4().udp().payload(100).build(); }

}  // namespace

TEST_CASE("tcx links attach first in both directions, pinned, and leave nothing behind", "[tcx]") {
  if (!kernel_has_tcx()) return;
  PrivateNetwork net;
  BpfFs fs;
  Dataplane dp;
  const int in_fd = dp.prog_fd(Hook::TcIngress), out_fd = dp.prog_fd(Hook::TcEgress);
  // Somebody else's program on the hook first: pktlens goes before it.
  Dataplane other;
  TcxLink foreign(net.if0, true, other.prog_fd(Hook::TcIngress), "");
  {
    TcxLink in(net.if0, true, in_fd, fs.mountpoint());
    TcxLink out(net.if0, false, out_fd, fs.mountpoint());
    CHECK(in.replaced() == 0);
    CHECK(in.occupant() == prog_id(in_fd));
    CHECK(out.occupant() == prog_id(out_fd));
    CHECK(tcx_progs(net.if0, kTcxIngress) ==
          std::vector<uint32_t>{prog_id(in_fd), prog_id(other.prog_fd(Hook::TcIngress))});
    CHECK(tcx_progs(net.if0, kTcxEgress) == std::vector<uint32_t>{prog_id(out_fd)});
    CHECK(exists(tcx_pin_path(fs.mountpoint(), static_cast<uint32_t>(net.if0), true)));
    CHECK(exists(tcx_pin_path(fs.mountpoint(), static_cast<uint32_t>(net.if0), false)));
  }
  CHECK(tcx_progs(net.if0, kTcxIngress) ==
        std::vector<uint32_t>{prog_id(other.prog_fd(Hook::TcIngress))});
  CHECK(tcx_progs(net.if0, kTcxEgress).empty());
  CHECK_FALSE(exists(tcx_pin_path(fs.mountpoint(), static_cast<uint32_t>(net.if0), true)));
  CHECK(sh("tc qdisc show dev pk0").find("clsact") == std::string::npos);
}

TEST_CASE("frames crossing a veth are counted exactly at tcx ingress", "[tcx]") {
  if (!kernel_has_tcx()) return;
  PrivateNetwork net;
  Dataplane dp;
  dp.register_iface(static_cast<uint32_t>(net.if0), 1, 1500);
  TcxLink in(net.if0, true, dp.prog_fd(Hook::TcIngress), "");
  const auto udp = udp_frame();
  send_frames(net.if1, {udp, udp, udp, udp, udp, udp, udp});
  const auto s = dp.stats(1, PKTLENS_DIR_INGRESS);
  CHECK(total_packets(s) == 7);
  CHECK(s.bytes[PKTLENS_L3_IPV4][PKTLENS_L4_UDP] == 7 * udp.size());
}

TEST_CASE("a released tcx link counts on, and its successor swaps its program in place", "[tcx]") {
  if (!kernel_has_tcx()) return;
  PrivateNetwork net;
  BpfFs fs;
  const auto udp = udp_frame();
  Dataplane first;
  first.register_iface(static_cast<uint32_t>(net.if0), 1, 1500);
  const uint32_t first_id = prog_id(first.prog_fd(Hook::TcIngress));
  {
    TcxLink in(net.if0, true, first.prog_fd(Hook::TcIngress), fs.mountpoint());
    in.release();
  }
  // Nobody holds it but its pin: it still counts.
  send_frames(net.if1, {udp, udp, udp});
  CHECK(total_packets(first.stats(1, PKTLENS_DIR_INGRESS)) == 3);
  CHECK(tcx_progs(net.if0, kTcxIngress) == std::vector<uint32_t>{first_id});

  Dataplane next;
  next.register_iface(static_cast<uint32_t>(net.if0), 1, 1500);
  const uint32_t next_id = prog_id(next.prog_fd(Hook::TcIngress));
  {
    TcxLink in(net.if0, true, next.prog_fd(Hook::TcIngress), fs.mountpoint());
    CHECK(in.replaced() == first_id);
    CHECK(in.occupant() == next_id);
    // Swapped, not stacked: one program, the successor's.
    CHECK(tcx_progs(net.if0, kTcxIngress) == std::vector<uint32_t>{next_id});
    send_frames(net.if1, {udp, udp, udp, udp});
    CHECK(total_packets(first.stats(1, PKTLENS_DIR_INGRESS)) == 3);
    CHECK(total_packets(next.stats(1, PKTLENS_DIR_INGRESS)) == 4);
  }
  CHECK(tcx_progs(net.if0, kTcxIngress).empty());
}

TEST_CASE("a detached tcx link reads as gone and is attached again; a stale pin is replaced",
          "[tcx]") {
  if (!kernel_has_tcx()) return;
  PrivateNetwork net;
  BpfFs fs;
  Dataplane dp;
  const int fd = dp.prog_fd(Hook::TcIngress);
  const std::string pin = tcx_pin_path(fs.mountpoint(), static_cast<uint32_t>(net.if0), true);
  {
    TcxLink in(net.if0, true, fd, fs.mountpoint());
    // As `bpftool link detach` does it.
    const int link = bpf_obj_get(pin.c_str());
    REQUIRE(link >= 0);
    REQUIRE(bpf_link_detach(link) == 0);
    close(link);
    CHECK(in.occupant() == 0);
    CHECK(tcx_progs(net.if0, kTcxIngress).empty());
    in.reattach();
    CHECK(in.occupant() == prog_id(fd));
    CHECK(tcx_progs(net.if0, kTcxIngress) == std::vector<uint32_t>{prog_id(fd)});
    // Released, then detached behind its back: the pin stays, stale.
    in.release();
    const int again = bpf_obj_get(pin.c_str());
    REQUIRE(again >= 0);
    REQUIRE(bpf_link_detach(again) == 0);
    close(again);
  }
  REQUIRE(exists(pin));
  TcxLink fresh(net.if0, true, fd, fs.mountpoint());
  CHECK(fresh.replaced() == 0);
  CHECK(fresh.occupant() == prog_id(fd));
  CHECK(tcx_progs(net.if0, kTcxIngress) == std::vector<uint32_t>{prog_id(fd)});
}

TEST_CASE("a leftover tcx link is removed only while it runs the recorded program", "[tcx]") {
  if (!kernel_has_tcx()) return;
  PrivateNetwork net;
  BpfFs fs;
  Dataplane dp;
  const int fd = dp.prog_fd(Hook::TcEgress);
  {
    TcxLink out(net.if0, false, fd, fs.mountpoint());
    out.release();
  }
  const uint32_t ifindex = static_cast<uint32_t>(net.if0);
  CHECK_FALSE(remove_leftover_tcx(fs.mountpoint(), ifindex, false, prog_id(fd) + 1000));
  CHECK(tcx_progs(net.if0, kTcxEgress) == std::vector<uint32_t>{prog_id(fd)});
  CHECK_FALSE(remove_leftover_tcx(fs.mountpoint(), ifindex, true, prog_id(fd)));  // none there
  CHECK(remove_leftover_tcx(fs.mountpoint(), ifindex, false, prog_id(fd)));
  CHECK(tcx_progs(net.if0, kTcxEgress).empty());
  CHECK_FALSE(exists(tcx_pin_path(fs.mountpoint(), ifindex, false)));
}

TEST_CASE("a pin at a link's name that is no link is refused, not taken over", "[tcx]") {
  if (!kernel_has_tcx()) return;
  PrivateNetwork net;
  BpfFs fs;
  Dataplane dp;
  const std::string pin = tcx_pin_path(fs.mountpoint(), static_cast<uint32_t>(net.if0), true);
  REQUIRE(bpf_obj_pin(dp.flows_fd(), pin.c_str()) == 0);
  try {
    TcxLink in(net.if0, true, dp.prog_fd(Hook::TcIngress), fs.mountpoint());
    FAIL("attached over a pinned map");
  } catch (const std::runtime_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("is a pinned bpf-map, not a pinned BPF link"));
  }
  CHECK(tcx_progs(net.if0, kTcxIngress).empty());
}
