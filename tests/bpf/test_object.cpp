// SPDX-License-Identifier: Apache-2.0
// bpf::Object and bpf::IfaceRegistry: pinned maps carry counters and
// interface slots across a daemon restart; a map whose shape changed is
// recreated alone.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "bpf/iface_registry.hpp"
#include "bpf/object.hpp"
#include "bpf/percpu.hpp"
#include "bpffs.hpp"
#include "packet.hpp"
#include "pktlens_bpf.skel.h"

using namespace pktlens;
using namespace pktlens::test;

namespace {

// A pin directory on a bpffs instance of this test's own (not the host's
// /sys/fs/bpf), unmounted however the test ends.
struct PinDir {
  BpfFs fs;
  std::string path = fs.pin_dir();
};

void run_tc_ingress(const bpf::Object& o, const Bytes& frame) {
  std::vector<uint8_t> out(frame.size() + 64);
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = out.data(),
              .data_size_in = static_cast<uint32_t>(frame.size()),
              .data_size_out = static_cast<uint32_t>(out.size()), .repeat = 1);
  REQUIRE(bpf_prog_test_run_opts(bpf_program__fd(o.skel()->progs.tc_ingress), &opts) == 0);
}

uint64_t ingress_packets(const bpf::Object& o, uint32_t slot) {
  const uint32_t key = slot * PKTLENS_DIR_MAX + PKTLENS_DIR_INGRESS;
  auto v = bpf::lookup_percpu<pktlens_if_stats>(bpf_map__fd(o.skel()->maps.pktlens_stats), key);
  REQUIRE(v);
  uint64_t n = 0;
  for (int c = 0; c < v->cpus(); c++)
    for (auto& row : v->at(c).packets)
      for (auto x : row) n += x;
  return n;
}

size_t flow_count(const bpf::Object& o) {
  const int fd = bpf_map__fd(o.skel()->maps.pktlens_flows);
  pktlens_flow_key k{}, next{};
  size_t n = 0;
  const void* prev = nullptr;
  while (bpf_map_get_next_key(fd, prev, &next) == 0) {
    n++;
    k = next;
    prev = &k;
  }
  return n;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("pinned maps keep counters and interface slots across a restart", "[object]") {
  PinDir pins;
  const Bytes frame = PacketBuilder().eth().ipv4().udp().payload(10).build();
  bpf::ObjectOptions opts{.max_flows = 4096, .pin_dir = pins.path};
  {
    bpf::Object first(opts);
    bpf::IfaceRegistry reg(first.skel());
    CHECK(reg.assign(1, "eth1", 1500) == 1);
    run_tc_ingress(first, frame);
    CHECK(ingress_packets(first, 1) == 1);
  }
  bpf::Object second(opts);
  CHECK(second.recreated_maps().empty());
  bpf::IfaceRegistry reg(second.skel());
  CHECK(reg.assign(1, "eth1", 9000) == 1);  // the slot it had; the new MTU
  CHECK(reg.read(1)->mtu == 9000);
  CHECK(reg.assign(7, "eth7", 1500) == 2);  // the lowest free slot
  CHECK(ingress_packets(second, 1) == 1);
  CHECK(flow_count(second) == 1);
  run_tc_ingress(second, frame);
  CHECK(ingress_packets(second, 1) == 2);
}

TEST_CASE("a pinned map whose shape changed is recreated, the others keep counting", "[object]") {
  PinDir pins;
  const Bytes frame = PacketBuilder().eth().ipv6().tcp().build();
  {
    bpf::Object first({.max_flows = 4096, .pin_dir = pins.path});
    bpf::IfaceRegistry(first.skel()).assign(1, "eth1", 1500);
    run_tc_ingress(first, frame);
  }
  bpf::Object second({.max_flows = 8192, .pin_dir = pins.path});
  const auto& re = second.recreated_maps();
  CHECK(re.size() == 2);
  CHECK(contains(re, "pktlens_flows"));
  CHECK(contains(re, "pktlens_flow_seen"));
  CHECK(flow_count(second) == 0);
  CHECK(ingress_packets(second, 1) == 1);
}

TEST_CASE("an LRU flow table pinned by an older pktlensd is recreated as a plain hash",
          "[object]") {
  PinDir pins;
  {
    bpf::Object first({.max_flows = 4096, .pin_dir = pins.path});
    bpf::IfaceRegistry(first.skel()).assign(1, "eth1", 1500);
    run_tc_ingress(first, PacketBuilder().eth().ipv4().udp().build());
  }
  // What pktlensd pinned before issue #18: the same shape, an LRU.
  const std::string path = pins.path + "/pktlens_flows";
  REQUIRE(unlink(path.c_str()) == 0);
  const int lru = bpf_map_create(BPF_MAP_TYPE_LRU_PERCPU_HASH, "pktlens_flows",
                                 sizeof(pktlens_flow_key), sizeof(pktlens_flow_val), 4096, nullptr);
  REQUIRE(lru >= 0);
  REQUIRE(bpf_obj_pin(lru, path.c_str()) == 0);
  close(lru);

  bpf::Object second({.max_flows = 4096, .pin_dir = pins.path});
  CHECK(second.recreated_maps() == std::vector<std::string>{"pktlens_flows"});
  CHECK(bpf_map__type(second.skel()->maps.pktlens_flows) == BPF_MAP_TYPE_PERCPU_HASH);
  bpf_map_info info{};
  uint32_t len = sizeof info;
  REQUIRE(bpf_obj_get_info_by_fd(bpf_map__fd(second.skel()->maps.pktlens_flows), &info, &len) == 0);
  CHECK(info.type == BPF_MAP_TYPE_PERCPU_HASH);
  CHECK(ingress_packets(second, 1) == 1);  // the other maps kept counting
}

TEST_CASE("pinning outside a BPF filesystem is refused with the fix", "[object]") {
  CHECK_THROWS_WITH(bpf::Object({.pin_dir = "/tmp/pktlens-not-bpffs/maps"}),
                    Catch::Contains("is not a BPF filesystem") &&
                        Catch::Contains("--bpf-pin-dir under /sys/fs/bpf"));
}

TEST_CASE("interface slots: array and hash entries, and running out", "[object]") {
  bpf::Object o({.max_slots = 3, .ifindex_array = 16, .max_flows = 1024});
  bpf::IfaceRegistry reg(o.skel());
  CHECK(reg.assign(5, "a", 1500) == 1);
  CHECK(reg.assign(100000, "b", 1500) == 2);  // beyond the array: the hash
  CHECK(reg.read(100000)->slot == 2);
  CHECK_FALSE(reg.read(6));
  CHECK_THROWS_WITH(reg.assign(6, "c", 1500), Catch::Contains("all 2 interface slots are in use"));
  CHECK(reg.assign(5, "a", 1400) == 1);  // a known interface still gets its slot
  // A freed slot is taken again.
  reg.forget(100000);
  reg.release({2});
  CHECK(reg.assign(6, "c", 1500) == 2);
}

TEST_CASE("a freed slot starts at zero for its next interface, also after a restart", "[object]") {
  PinDir pins;
  const Bytes frame = PacketBuilder().eth().ipv4().udp().payload(10).build();
  bpf::ObjectOptions opts{.max_flows = 4096, .pin_dir = pins.path};
  {
    bpf::Object first(opts);
    bpf::IfaceRegistry reg(first.skel());
    CHECK(reg.assign(1, "rcq0", 1500) == 1);
    for (int i = 0; i < 7; i++) run_tc_ingress(first, frame);
    CHECK(ingress_packets(first, 1) == 7);
    // rcq0 is deleted while no pktlensd runs; its slot is still recorded.
  }
  bpf::Object second(opts);
  bpf::IfaceRegistry reg(second.skel());
  const auto owners = reg.owners();
  REQUIRE(owners.size() == 1);
  CHECK(owners[0].slot == 1);
  CHECK(owners[0].ifindex == 1);
  CHECK(owners[0].name == "rcq0");
  // The kernel gave ifindex 1 to rcr0: a new slot, from zero.
  CHECK(reg.assign(1, "rcr0", 1500) == 2);
  CHECK(ingress_packets(second, 2) == 0);
  run_tc_ingress(second, frame);
  CHECK(ingress_packets(second, 2) == 1);
  CHECK(ingress_packets(second, 1) == 7);  // rcq0's final value, until released
  reg.release({1});
  CHECK(ingress_packets(second, 1) == 0);
  CHECK(reg.assign(3, "rcs0", 1500) == 1);
  CHECK(ingress_packets(second, 1) == 0);
}
