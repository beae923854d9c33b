// SPDX-License-Identifier: Apache-2.0
// The VLAN tag TC sees in skb->vlan_tci (taken off by offload or by the
// stack before TC ingress), injected with bpf_skb_vlan_push() by a test
// program that tail-calls the real entry point (vlan_offload.bpf.c).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <catch2/catch.hpp>
#include <memory>

#include "dataplane.hpp"
#include "packet.hpp"
#include "pktlens_test_vlan_offload.skel.h"

using namespace pktlens::test;

namespace {

struct Deleter {
  void operator()(pktlens_test_vlan_offload* s) const { pktlens_test_vlan_offload::destroy(s); }
};

// A loaded pusher that tags every skb with `tci` (proto `tpid`) and hands it
// to `hook` of `dp`.
class Pusher {
 public:
  Pusher(Dataplane& dp, Hook hook, uint16_t tci, uint16_t tpid = 0x8100)
      : skel_(pktlens_test_vlan_offload::open()) {
    REQUIRE(skel_);
    skel_->rodata->push_tci = tci;
    skel_->rodata->push_proto = tpid;
    REQUIRE(pktlens_test_vlan_offload::load(skel_.get()) == 0);
    const uint32_t zero = 0;
    const int target = dp.prog_fd(hook);
    REQUIRE(bpf_map__update_elem(skel_->maps.target, &zero, sizeof zero, &target, sizeof target,
                                 BPF_ANY) == 0);
  }

  int run(const Bytes& frame) {
    std::vector<uint8_t> out(frame.size() + 64);
    LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = frame.data(), .data_out = out.data(),
                .data_size_in = static_cast<uint32_t>(frame.size()),
                .data_size_out = static_cast<uint32_t>(out.size()), .repeat = 1);
    REQUIRE(bpf_prog_test_run_opts(bpf_program__fd(skel_->progs.push_vlan_then_observe), &o) ==
            0);
    return static_cast<int>(o.retval);
  }

 private:
  std::unique_ptr<pktlens_test_vlan_offload, Deleter> skel_;
};

}  // namespace

TEST_CASE("an offloaded VLAN tag is the outermost tag, not part of the frame", "[vlan]") {
  const Hook hook = GENERATE(Hook::TcIngress, Hook::TcEgress);
  INFO("hook " << hook_name(hook));
  const uint8_t dir = dir_of(hook);
  Dataplane dp;
  dp.register_iface(1, 1, 1500);
  // PCP 5 in the TCI: only the 12-bit VLAN id is counted.
  Pusher push(dp, hook, static_cast<uint16_t>((5 << 13) | 100));

  const Bytes plain = PacketBuilder().eth().ipv4().udp().payload(20).build();
  const Bytes inner = PacketBuilder().eth().vlan(200).ipv6().tcp({.flags = 0x12}).build();
  CHECK(push.run(plain) == -1);  // TC_ACT_UNSPEC from the real program
  CHECK(push.run(inner) == -1);

  const auto s = dp.stats(1, dir);
  CHECK(s.packets[PKTLENS_L3_IPV4][PKTLENS_L4_UDP] == 1);
  CHECK(s.bytes[PKTLENS_L3_IPV4][PKTLENS_L4_UDP] == plain.size());  // skb->len: no tag
  CHECK(s.packets[PKTLENS_L3_IPV6][PKTLENS_L4_TCP] == 1);
  CHECK(s.tcp_flags[PKTLENS_TCPF_SYNACK] == 1);
  CHECK(total_packets(s) == 2);

  const auto vlans = dp.vlans();
  REQUIRE(vlans.size() == 2);
  for (const auto& v : vlans) {
    CHECK(v.key.ifindex == 1);
    CHECK(v.key.dir == dir);
    CHECK(v.key.vlan == 100);
    CHECK(v.val.packets == 1);
    if (v.key.tags == 1) {
      CHECK(v.key.vlan_inner == 0);
      CHECK(v.val.bytes == plain.size());
    } else {
      CHECK(v.key.tags == 2);
      CHECK(v.key.vlan_inner == 200);
      CHECK(v.val.bytes == inner.size());
    }
  }

  const auto flows = dp.flows();
  REQUIRE(flows.size() == 2);
  for (const auto& f : flows) {
    CHECK(f.key.vlan == 100);
    CHECK(f.key.vlan_inner == (f.key.family == 6 ? 200 : 0));
  }
}

TEST_CASE("an offloaded 802.1ad tag over an in-frame 802.1Q tag", "[vlan]") {
  Dataplane dp;
  dp.register_iface(1, 1, 1500);
  Pusher push(dp, Hook::TcIngress, 300, 0x88a8);
  const Bytes frame = PacketBuilder().eth().vlan(42).arp().build();
  CHECK(push.run(frame) == -1);
  CHECK(dp.stats(1, PKTLENS_DIR_INGRESS).packets[PKTLENS_L3_ARP][PKTLENS_L4_OTHER] == 1);
  const auto vlans = dp.vlans();
  REQUIRE(vlans.size() == 1);
  CHECK(vlans[0].key.vlan == 300);
  CHECK(vlans[0].key.vlan_inner == 42);
  CHECK(vlans[0].key.tags == 2);
}

TEST_CASE("an offloaded tag does not count toward the oversize link header", "[vlan]") {
  Dataplane dp;
  dp.register_iface(1, 1, 1000);
  Pusher push(dp, Hook::TcIngress, 7);
  // skb->len excludes the offloaded tag, and so does the allowance: 14 bytes
  // of Ethernet + 1000 of MTU fit, one more byte does not.
  const Bytes fits = PacketBuilder().eth().ipv4().udp().payload(1000 - 28).build();
  const Bytes over = PacketBuilder().eth().ipv4().udp().payload(1000 - 28 + 1).build();
  REQUIRE(fits.size() == 1014);
  push.run(fits);
  CHECK(dp.stats(1, PKTLENS_DIR_INGRESS).anomalies[PKTLENS_ANOM_OVERSIZE] == 0);
  push.run(over);
  CHECK(dp.stats(1, PKTLENS_DIR_INGRESS).anomalies[PKTLENS_ANOM_OVERSIZE] == 1);
}
