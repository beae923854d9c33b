// SPDX-License-Identifier: Apache-2.0
// Attaching the data plane to real interfaces (a veth pair in the test's
// own network namespace): what is attached, what is left behind, what is
// replaced (only what the record says a predecessor attached), and that
// real frames are counted exactly.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "bpf/tc_attachment.hpp"
#include "bpf/xdp_attachment.hpp"
#include "dataplane.hpp"
#include "packet.hpp"
#include "pktlens_bpf.skel.h"
#include "pktlens_test_foreign.skel.h"
#include "foreign_tc.hpp"
#include "private_network.hpp"

using namespace pktlens::test;
using pktlens::bpf::ClsactQdisc;
using pktlens::bpf::kTcHandle;
using pktlens::bpf::kTcPriority;
using pktlens::bpf::tc_query_ours;
using pktlens::bpf::TcFilter;
using pktlens::bpf::XdpAttachment;
using pktlens::bpf::XdpMode;

namespace {

uint32_t prog_id(int fd) {
  bpf_prog_info info{};
  uint32_t len = sizeof info;
  REQUIRE(bpf_obj_get_info_by_fd(fd, &info, &len) == 0);
  return info.id;
}

struct ForeignDeleter {
  void operator()(pktlens_test_foreign* s) const { pktlens_test_foreign::destroy(s); }
};
using Foreign = std::unique_ptr<pktlens_test_foreign, ForeignDeleter>;

Foreign load_foreign() {
  Foreign f(pktlens_test_foreign::open_and_load());
  REQUIRE(f);
  return f;
}

// A raw attach at an explicit handle/priority, as another tool (or a killed
// pktlensd) would have left it.
void raw_tc_attach(int ifindex, bpf_tc_attach_point point, int fd, uint32_t handle, uint32_t prio) {
  bpf_tc_hook hook{};
  hook.sz = sizeof hook;
  hook.ifindex = ifindex;
  hook.attach_point = point;
  const int rc = bpf_tc_hook_create(&hook);
  REQUIRE((rc == 0 || rc == -EEXIST));
  bpf_tc_opts o{};
  o.sz = sizeof o;
  o.prog_fd = fd;
  o.handle = handle;
  o.priority = prio;
  REQUIRE(bpf_tc_attach(&hook, &o) == 0);
}


uint32_t tc_query(int ifindex, bpf_tc_attach_point point, uint32_t handle, uint32_t prio) {
  bpf_tc_hook hook{};
  hook.sz = sizeof hook;
  hook.ifindex = ifindex;
  hook.attach_point = point;
  bpf_tc_opts q{};
  q.sz = sizeof q;
  q.handle = handle;
  q.priority = prio;
  return bpf_tc_query(&hook, &q) == 0 ? q.prog_id : 0;
}

bool has_clsact(const char* dev) {
  return sh(std::string("tc qdisc show dev ") + dev).find("clsact") != std::string::npos;
}

size_t count(const std::string& text, const std::string& word) {
  size_t n = 0;
  for (size_t at = text.find(word); at != std::string::npos; at = text.find(word, at + 1)) n++;
  return n;
}

uint32_t xdp_prog(int ifindex) {
  uint32_t id = 0;
  REQUIRE(bpf_xdp_query_id(ifindex, 0, &id) == 0);
  return id;
}

// What the attachment record would say: nothing, or exactly this program.
const pktlens::bpf::Recognise nobody = [](uint32_t) { return false; };
pktlens::bpf::Recognise only(uint32_t id) {
  return [id](uint32_t found) { return found == id; };
}

}  // namespace

TEST_CASE("TC filters attach in both directions and leave nothing behind", "[attach]") {
  PrivateNetwork net;
  Dataplane dp;
  const int in_fd = dp.prog_fd(Hook::TcIngress), out_fd = dp.prog_fd(Hook::TcEgress);
  {
    ClsactQdisc q(net.if0);
    TcFilter in(net.if0, BPF_TC_INGRESS, in_fd, nobody);
    TcFilter out(net.if0, BPF_TC_EGRESS, out_fd, nobody);
    CHECK(q.created());
    CHECK(in.replaced() == 0);
    CHECK(in.occupant() == prog_id(in_fd));
    CHECK(tc_query_ours(net.if0, BPF_TC_INGRESS) == prog_id(in_fd));
    CHECK(tc_query_ours(net.if0, BPF_TC_EGRESS) == prog_id(out_fd));
    CHECK(has_clsact("pk0"));
  }
  CHECK_FALSE(has_clsact("pk0"));
  CHECK(sh("tc filter show dev pk0 ingress").empty());
}

TEST_CASE("a clsact and filters that were there before pktlens stay", "[attach]") {
  PrivateNetwork net;
  Dataplane dp;
  auto foreign = load_foreign();
  const int foreign_fd = bpf_program__fd(foreign->progs.foreign_tc);
  raw_tc_attach(net.if0, BPF_TC_INGRESS, foreign_fd, 1, 5);
  {
    ClsactQdisc q(net.if0);
    TcFilter in(net.if0, BPF_TC_INGRESS, dp.prog_fd(Hook::TcIngress), nobody);
    CHECK_FALSE(q.created());
    CHECK(tc_query(net.if0, BPF_TC_INGRESS, 1, 5) == prog_id(foreign_fd));
  }
  CHECK(has_clsact("pk0"));
  CHECK(tc_query_ours(net.if0, BPF_TC_INGRESS) == 0);
  CHECK(tc_query(net.if0, BPF_TC_INGRESS, 1, 5) == prog_id(foreign_fd));
}

TEST_CASE("a filter left by a killed pktlensd is replaced, not stacked", "[attach]") {
  PrivateNetwork net;
  uint32_t old_id = 0;
  {
    // What a SIGKILLed daemon leaves: its filter at our handle, holding its
    // program alive after every fd of the process is gone.
    Dataplane old;
    old_id = prog_id(old.prog_fd(Hook::TcIngress));
    raw_tc_attach(net.if0, BPF_TC_INGRESS, old.prog_fd(Hook::TcIngress), kTcHandle, kTcPriority);
  }
  Dataplane dp;
  {
    ClsactQdisc q(net.if0);
    TcFilter in(net.if0, BPF_TC_INGRESS, dp.prog_fd(Hook::TcIngress), only(old_id));
    CHECK(in.replaced() == old_id);
    CHECK(tc_query_ours(net.if0, BPF_TC_INGRESS) == prog_id(dp.prog_fd(Hook::TcIngress)));
    const std::string filters = sh("tc filter show dev pk0 ingress");
    INFO(filters);
    CHECK(count(filters, "handle 0x706b") == 1);
    CHECK(count(filters, "name tc_ingress") == 1);
  }
  CHECK(tc_query_ours(net.if0, BPF_TC_INGRESS) == 0);
}

TEST_CASE("somebody else's filter at pktlens's handle is refused, not replaced", "[attach]") {
  PrivateNetwork net;
  Dataplane dp;
  auto foreign = load_foreign();
  const int foreign_fd = bpf_program__fd(foreign->progs.foreign_tc);
  raw_tc_attach(net.if0, BPF_TC_INGRESS, foreign_fd, kTcHandle, kTcPriority);
  ClsactQdisc q(net.if0);
  CHECK_THROWS_WITH(TcFilter(net.if0, BPF_TC_INGRESS, dp.prog_fd(Hook::TcIngress), nobody),
                    Catch::Contains("'foreign_tc'") && Catch::Contains("pk0"));
  CHECK(tc_query_ours(net.if0, BPF_TC_INGRESS) == prog_id(foreign_fd));
}

TEST_CASE("a pktlens program that the record does not know is refused too", "[attach]") {
  // Another pktlensd's (its own pin directory, so its own record): the same
  // program name, and still not to be displaced.
  PrivateNetwork net;
  Dataplane other, dp;
  const uint32_t other_id = prog_id(other.prog_fd(Hook::TcIngress));
  raw_tc_attach(net.if0, BPF_TC_INGRESS, other.prog_fd(Hook::TcIngress), kTcHandle, kTcPriority);
  ClsactQdisc q(net.if0);
  CHECK_THROWS_WITH(
      TcFilter(net.if0, BPF_TC_INGRESS, dp.prog_fd(Hook::TcIngress), only(other_id + 1)),
      Catch::Contains("'tc_ingress' (id " + std::to_string(other_id) + ")") &&
          Catch::Contains("no pktlensd of this pin directory attached"));
  CHECK(tc_query_ours(net.if0, BPF_TC_INGRESS) == other_id);
}

TEST_CASE("a filter reports what occupies its place, attaches again, and detaches only its own",
          "[attach]") {
  PrivateNetwork net;
  Dataplane dp;
  auto foreign = load_foreign();
  const int fd = dp.prog_fd(Hook::TcIngress);
  const int foreign_fd = bpf_program__fd(foreign->progs.foreign_tc);
  sh("tc qdisc add dev pk0 clsact");  // not pktlens's: it stays, and shows what stays on it
  {
    ClsactQdisc q(net.if0);
    TcFilter in(net.if0, BPF_TC_INGRESS, fd, nobody);
    REQUIRE_FALSE(q.created());
    REQUIRE(in.occupant() == prog_id(fd));
    // Removed (as by `tc filter del`): nothing there; attached again.
    sh("tc filter del dev pk0 ingress handle 0x706b prio 1 bpf");
    CHECK(in.occupant() == 0);
    in.reattach();
    CHECK(in.occupant() == prog_id(fd));
    // Replaced in place by another tool: that is the occupant now, and
    // attaching again does not displace it.
    pktlens::test::foreign_tc_replace(net.if0, BPF_TC_INGRESS, foreign_fd);
    CHECK(in.occupant() == prog_id(foreign_fd));
    CHECK_THROWS_WITH(in.reattach(), Catch::Contains("another filter came first"));
  }
  // The destructor left the filter that took the place.
  CHECK(tc_query_ours(net.if0, BPF_TC_INGRESS) == prog_id(foreign_fd));
}

TEST_CASE("released, the filters and the clsact stay, and an owned clsact found is removed",
          "[attach]") {
  PrivateNetwork net;
  Dataplane dp;
  const int fd = dp.prog_fd(Hook::TcIngress);
  {
    ClsactQdisc q(net.if0);
    TcFilter in(net.if0, BPF_TC_INGRESS, fd, nobody);
    REQUIRE(q.created());
    q.release();
    in.release();
  }
  CHECK(has_clsact("pk0"));
  CHECK(tc_query_ours(net.if0, BPF_TC_INGRESS) == prog_id(fd));
  {
    // A successor that the record says owns the clsact, replacing the
    // filter in place.
    Dataplane next;
    ClsactQdisc q(net.if0);
    CHECK_FALSE(q.created());
    TcFilter in(net.if0, BPF_TC_INGRESS, next.prog_fd(Hook::TcIngress), only(prog_id(fd)));
    q.adopt();
    CHECK(in.replaced() == prog_id(fd));
  }
  CHECK_FALSE(has_clsact("pk0"));
}

TEST_CASE("XDP attaches natively on veth, replaces its own stale program, refuses others",
          "[attach]") {
  PrivateNetwork net;
  Dataplane dp;
  const int fd = dp.prog_fd(Hook::Xdp);
  {
    XdpAttachment x(net.if0, fd, nobody);
    CHECK(x.mode() == XdpMode::Native);  // veth has native XDP
    CHECK(x.fallback_reason().empty());
    CHECK(xdp_prog(net.if0) == prog_id(fd));
  }
  CHECK(xdp_prog(net.if0) == 0);

  uint32_t old_id = 0;
  {
    Dataplane old;
    old_id = prog_id(old.prog_fd(Hook::Xdp));
    REQUIRE(bpf_xdp_attach(net.if0, old.prog_fd(Hook::Xdp), XDP_FLAGS_SKB_MODE, nullptr) == 0);
  }
  {
    // Replaced in place, in the mode it had (generic), never detached first.
    XdpAttachment x(net.if0, fd, only(old_id));
    CHECK(x.replaced() == old_id);
    CHECK(x.mode() == XdpMode::Generic);
    CHECK(xdp_prog(net.if0) == prog_id(fd));
    // Removed, then attached again, native first.
    REQUIRE(bpf_xdp_detach(net.if0, XDP_FLAGS_SKB_MODE, nullptr) == 0);
    CHECK(x.occupant() == 0);
    x.reattach();
    CHECK(x.mode() == XdpMode::Native);
    CHECK(x.occupant() == prog_id(fd));
  }
  CHECK(xdp_prog(net.if0) == 0);

  {
    // A pktlens program the record does not know: refused.
    Dataplane other;
    REQUIRE(bpf_xdp_attach(net.if0, other.prog_fd(Hook::Xdp), XDP_FLAGS_DRV_MODE, nullptr) == 0);
    CHECK_THROWS_WITH(XdpAttachment(net.if0, fd, nobody),
                      Catch::Contains("'xdp_ingress'") && Catch::Contains("pk0"));
    CHECK(xdp_prog(net.if0) == prog_id(other.prog_fd(Hook::Xdp)));
    REQUIRE(bpf_xdp_detach(net.if0, XDP_FLAGS_DRV_MODE, nullptr) == 0);
  }

  auto foreign = load_foreign();
  const int foreign_fd = bpf_program__fd(foreign->progs.foreign_xdp);
  REQUIRE(bpf_xdp_attach(net.if1, foreign_fd, XDP_FLAGS_DRV_MODE, nullptr) == 0);
  CHECK_THROWS_WITH(XdpAttachment(net.if1, fd, nobody),
                    Catch::Contains("'foreign_xdp'") && Catch::Contains("pk1"));
  CHECK(xdp_prog(net.if1) == prog_id(foreign_fd));
}

TEST_CASE("frames crossing a veth are counted exactly at TC ingress", "[attach]") {
  PrivateNetwork net;
  Dataplane dp;
  dp.register_iface(static_cast<uint32_t>(net.if0), 1, 1500);
  ClsactQdisc q(net.if0);
  TcFilter in(net.if0, BPF_TC_INGRESS, dp.prog_fd(Hook::TcIngress), nobody);

  const Bytes udp = PacketBuilder().eth().ipv4().udp().payload(100).build();
  const Bytes tagged = PacketBuilder().eth().vlan(10).ipv4().tcp().build();
  send_frames(net.if1, {udp, udp, udp, udp, udp, tagged, tagged, tagged});

  const auto s = dp.stats(1, PKTLENS_DIR_INGRESS);
  CHECK(total_packets(s) == 8);
  CHECK(s.packets[PKTLENS_L3_IPV4][PKTLENS_L4_UDP] == 5);
  CHECK(s.bytes[PKTLENS_L3_IPV4][PKTLENS_L4_UDP] == 5 * udp.size());
  CHECK(s.packets[PKTLENS_L3_IPV4][PKTLENS_L4_TCP] == 3);
  // Before TC ingress the stack moves the tag into skb->vlan_tci: the frame
  // TC sees is 4 bytes shorter, and the tag is counted as offloaded.
  CHECK(s.bytes[PKTLENS_L3_IPV4][PKTLENS_L4_TCP] == 3 * (tagged.size() - 4));
  const auto vlans = dp.vlans();
  REQUIRE(vlans.size() == 1);
  CHECK(vlans[0].key.vlan == 10);
  CHECK(vlans[0].key.tags == 1);
  CHECK(vlans[0].val.packets == 3);
  CHECK(total_packets(dp.stats(PKTLENS_SLOT_UNREGISTERED, PKTLENS_DIR_INGRESS)) == 0);
}
