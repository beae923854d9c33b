// SPDX-License-Identifier: Apache-2.0
// The loader against real interfaces of the test's own namespace: which
// interfaces `all` takes, a configured interface that appears late, one
// that disappears and comes back, a rename, and a failure reported once.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <net/if.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "bpf/attach_record.hpp"
#include "bpf/iface_registry.hpp"
#include "bpf/loader.hpp"
#include "bpf/object.hpp"
#include "bpf/percpu.hpp"
#include "bpf/tc_attachment.hpp"
#include "bpf/xdp_attachment.hpp"
#include "pktlens_bpf.skel.h"
#include "pktlens_test_foreign.skel.h"
#include "foreign_tc.hpp"
#include "private_network.hpp"

using namespace pktlens::test;
using pktlens::bpf::AttachedAs;
using pktlens::bpf::AttachRecord;
using pktlens::bpf::Hook;
using pktlens::bpf::IfaceRegistry;
using pktlens::bpf::Loader;
using pktlens::bpf::LoaderOptions;
using pktlens::bpf::Monitoring;
using pktlens::bpf::Object;
using pktlens::bpf::tc_query_ours;

namespace {

bool has_tc(const std::string& dev) {
  return sh("tc filter show dev " + dev + " ingress").find("tc_ingress") != std::string::npos &&
         sh("tc filter show dev " + dev + " egress").find("tc_egress") != std::string::npos;
}

uint32_t prog_id(int fd) {
  bpf_prog_info info{};
  uint32_t len = sizeof info;
  REQUIRE(bpf_obj_get_info_by_fd(fd, &info, &len) == 0);
  return info.id;
}


// Sorted: a veth's peer often gets the lower ifindex.
std::vector<std::string> names_of(const std::vector<pktlens::bpf::SyncEvents::Attached>& v) {
  std::vector<std::string> n;
  for (const auto& a : v) n.push_back(a.name);
  std::sort(n.begin(), n.end());
  return n;
}

const pktlens::bpf::SyncEvents::Attached& named(
    const std::vector<pktlens::bpf::SyncEvents::Attached>& v, const std::string& name) {
  const auto it = std::find_if(v.begin(), v.end(), [&](const auto& a) { return a.name == name; });
  REQUIRE(it != v.end());
  return *it;
}

bool has_clsact(const std::string& dev) {
  return sh("tc qdisc show dev " + dev).find("clsact") != std::string::npos;
}

}  // namespace

TEST_CASE("loader: `all` attaches every up, non-loopback interface, and detaches on destruction",
          "[loader]") {
  PrivateNetwork net;
  sh("ip link add pk2 type veth peer name pk3");  // down: not taken by `all`
  sh("ip link set lo up");                        // loopback: never taken by `all`
  Object obj({});
  IfaceRegistry reg(obj.skel());
  AttachRecord record("");
  {
    Loader loader(obj.skel(), reg, record, LoaderOptions{Hook::tc, true, {}});
    const auto ev = loader.sync();
    CHECK(names_of(ev.attached) == std::vector<std::string>{"pk0", "pk1"});
    CHECK(ev.failed.empty());
    CHECK(loader.attached_count() == 2);
    CHECK(has_tc("pk0"));
    CHECK(has_tc("pk1"));
    CHECK_FALSE(has_clsact("pk2"));
    CHECK_FALSE(has_clsact("lo"));
    // Slots are registered for the data plane, named for the exporter.
    const auto& pk0 = named(ev.attached, "pk0");
    CHECK(reg.read(net.if0)->slot == pk0.slot);
    CHECK(pk0.ifindex == static_cast<uint32_t>(net.if0));
    CHECK(pk0.as == AttachedAs::tc);
    CHECK(loader.slot_names().at(pk0.slot) == "pk0");
    CHECK(loader.ifindex_names().at(net.if1) == "pk1");

    CHECK(loader.monitoring() ==
          std::vector<Monitoring>{{"pk0", AttachedAs::tc}, {"pk1", AttachedAs::tc}});

    // A second sync changes nothing and says nothing.
    CHECK(loader.sync().empty());

    // An interface that comes up later is attached at the next sync.
    sh("ip link set pk2 up");
    sh("ip link set pk3 up");
    const auto later = loader.sync();
    CHECK(names_of(later.attached) == std::vector<std::string>{"pk2", "pk3"});
    CHECK(has_tc("pk2"));
    CHECK(has_tc("pk3"));
  }
  for (const char* dev : {"pk0", "pk1", "pk2", "pk3"}) {
    INFO(dev);
    CHECK_FALSE(has_clsact(dev));
  }
}

TEST_CASE("loader: a configured interface missing, appearing, vanishing and coming back",
          "[loader]") {
  PrivateNetwork net;
  Object obj({});
  IfaceRegistry reg(obj.skel());
  AttachRecord record("");
  Loader loader(obj.skel(), reg, record, LoaderOptions{Hook::tc, false, {"pk1", "late0"}});

  auto ev = loader.sync();
  REQUIRE(ev.attached.size() == 1);
  CHECK(ev.attached[0].name == "pk1");
  CHECK(ev.missing == std::vector<std::string>{"late0"});
  CHECK_FALSE(has_clsact("pk0"));  // not configured
  CHECK(loader.pending_names() == std::vector<std::string>{"late0"});
  CHECK(loader.sync().empty());  // still missing: not reported again

  // Configured names are attached whether up or not.
  sh("ip link add late0 type veth peer name late1");
  ev = loader.sync();
  REQUIRE(ev.attached.size() == 1);
  CHECK(ev.attached[0].name == "late0");
  const uint32_t slot = ev.attached[0].slot;
  CHECK(has_tc("late0"));
  CHECK(loader.pending_names().empty());

  // Deleted: reported gone and missing; its slot keeps its name, and the
  // ifindex no longer counts into it.
  const uint32_t old_ifindex = ev.attached[0].ifindex;
  sh("ip link del late0");
  ev = loader.sync();
  CHECK(ev.gone == std::vector<std::string>{"late0"});
  CHECK(ev.missing == std::vector<std::string>{"late0"});
  CHECK(loader.attached_names() == std::vector<std::string>{"pk1"});
  CHECK(loader.slot_names().at(slot) == "late0");
  CHECK_FALSE(reg.read(old_ifindex).has_value());

  // Back under the same name (a new ifindex): the same slot, so its series
  // continue instead of appearing twice.
  sh("ip link add late0 type veth peer name late1");
  ev = loader.sync();
  REQUIRE(ev.attached.size() == 1);
  CHECK(ev.attached[0].slot == slot);
  CHECK(reg.read(ev.attached[0].ifindex)->slot == slot);
}

TEST_CASE("loader: a renamed interface keeps its attachment and its metrics name", "[loader]") {
  PrivateNetwork net;
  Object obj({});
  IfaceRegistry reg(obj.skel());
  AttachRecord record("");
  Loader loader(obj.skel(), reg, record, LoaderOptions{Hook::tc, true, {}});
  REQUIRE(loader.sync().attached.size() == 2);
  REQUIRE(has_tc("pk0"));
  sh("ip link set pk0 down && ip link set pk0 name wan0 && ip link set wan0 up");
  const auto ev = loader.sync();
  REQUIRE(ev.renamed.size() == 1);
  CHECK(ev.renamed[0].name == "pk0");
  CHECK(ev.renamed[0].what == "wan0");
  CHECK(ev.attached.empty());  // same ifindex: not attached twice
  CHECK(loader.ifindex_names().at(net.if0) == "pk0");
  CHECK(has_tc("wan0"));
  CHECK(loader.sync().empty());  // reported once
}

TEST_CASE("loader: an attachment that fails is reported once, retried, and others go on",
          "[loader]") {
  PrivateNetwork net;
  Object obj({});
  IfaceRegistry reg(obj.skel());
  // Somebody else's filter at pktlens's handle and priority on pk0.
  std::unique_ptr<pktlens_test_foreign, void (*)(pktlens_test_foreign*)> foreign(
      pktlens_test_foreign::open_and_load(), pktlens_test_foreign::destroy);
  REQUIRE(foreign);
  sh("tc qdisc add dev pk0 clsact");
  bpf_tc_hook hook{};
  hook.sz = sizeof hook;
  hook.ifindex = net.if0;
  hook.attach_point = BPF_TC_INGRESS;
  bpf_tc_opts o{};
  o.sz = sizeof o;
  o.prog_fd = bpf_program__fd(foreign->progs.foreign_tc);
  o.handle = pktlens::bpf::kTcHandle;
  o.priority = pktlens::bpf::kTcPriority;
  REQUIRE(bpf_tc_attach(&hook, &o) == 0);

  AttachRecord record("");
  Loader loader(obj.skel(), reg, record, LoaderOptions{Hook::tc, false, {"pk0", "pk1"}});
  auto ev = loader.sync();
  REQUIRE(ev.attached.size() == 1);
  CHECK(ev.attached[0].name == "pk1");
  REQUIRE(ev.failed.size() == 1);
  CHECK(ev.failed[0].name == "pk0");
  CHECK_THAT(ev.failed[0].what, Catch::Contains("foreign_tc"));
  CHECK_FALSE(reg.read(net.if0).has_value());         // no slot left registered
  CHECK(tc_query_ours(net.if0, BPF_TC_EGRESS) == 0);  // nothing half-attached
  CHECK(loader.pending_names() == std::vector<std::string>{"pk0"});
  CHECK(loader.monitoring() ==
        std::vector<Monitoring>{{"pk0", std::nullopt}, {"pk1", AttachedAs::tc}});
  CHECK(loader.sync().empty());  // the same failure is not reported again

  // Once the other filter is gone, the retry succeeds.
  o.prog_fd = 0;
  o.flags = 0;
  o.prog_id = 0;
  REQUIRE(bpf_tc_detach(&hook, &o) == 0);
  ev = loader.sync();
  REQUIRE(ev.attached.size() == 1);
  CHECK(ev.attached[0].name == "pk0");
  CHECK(has_tc("pk0"));
}

TEST_CASE("loader: programs removed from under it are attached again at the next sync",
          "[loader]") {
  PrivateNetwork net;
  Object obj({});
  IfaceRegistry reg(obj.skel());
  AttachRecord record("");
  {
    Loader loader(obj.skel(), reg, record, LoaderOptions{Hook::tc, false, {"pk0"}});
    REQUIRE(loader.sync().attached.size() == 1);
    // The whole clsact deleted: both filters go with it.
    sh("tc qdisc del dev pk0 clsact");
    REQUIRE_FALSE(has_clsact("pk0"));
    auto ev = loader.sync();
    REQUIRE(ev.reattached.size() == 1);
    CHECK(ev.reattached[0].name == "pk0");
    CHECK(ev.reattached[0].what == "tc ingress, tc egress");
    CHECK(has_tc("pk0"));
    CHECK(loader.monitoring() == std::vector<Monitoring>{{"pk0", AttachedAs::tc}});
    CHECK(loader.sync().empty());
    // One filter deleted: that one comes back.
    sh("tc filter del dev pk0 egress handle 0x706b prio 1 bpf");
    ev = loader.sync();
    REQUIRE(ev.reattached.size() == 1);
    CHECK(ev.reattached[0].what == "tc egress");
    CHECK(has_tc("pk0"));
  }
  // The clsact it created again is its own: removed with it.
  CHECK_FALSE(has_clsact("pk0"));
  CHECK(record.entries().empty());

  Loader xdp(obj.skel(), reg, record, LoaderOptions{Hook::xdp, false, {"pk0"}});
  REQUIRE(xdp.sync().attached.size() == 1);
  sh("ip link set dev pk0 xdp off");
  const auto ev = xdp.sync();
  REQUIRE(ev.reattached.size() == 1);
  CHECK(ev.reattached[0].what == "XDP");
  CHECK(sh("ip link show dev pk0").find("prog/xdp") != std::string::npos);
}

TEST_CASE(
    "loader: another program in its place is reported once, not fought, and the place "
    "taken back once free",
    "[loader]") {
  PrivateNetwork net;
  Object obj({});
  IfaceRegistry reg(obj.skel());
  AttachRecord record("");
  std::unique_ptr<pktlens_test_foreign, void (*)(pktlens_test_foreign*)> foreign(
      pktlens_test_foreign::open_and_load(), pktlens_test_foreign::destroy);
  REQUIRE(foreign);
  const int foreign_fd = bpf_program__fd(foreign->progs.foreign_tc);
  Loader loader(obj.skel(), reg, record, LoaderOptions{Hook::tc, false, {"pk0", "pk1"}});
  REQUIRE(loader.sync().attached.size() == 2);

  pktlens::test::foreign_tc_replace(net.if0, BPF_TC_INGRESS, foreign_fd);
  auto ev = loader.sync();
  REQUIRE(ev.displaced.size() == 1);
  CHECK(ev.displaced[0].name == "pk0");
  CHECK_THAT(ev.displaced[0].what, Catch::Contains("tc ingress of pk0 now runs program "
                                                   "'foreign_tc'"));
  CHECK(ev.reattached.empty());
  CHECK(tc_query_ours(net.if0, BPF_TC_INGRESS) == prog_id(foreign_fd));  // left alone
  CHECK(loader.monitoring() ==
        std::vector<Monitoring>{{"pk0", std::nullopt}, {"pk1", AttachedAs::tc}});
  CHECK(loader.pending_names() == std::vector<std::string>{"pk0"});
  CHECK(loader.sync().empty());  // reported once
  CHECK(tc_query_ours(net.if0, BPF_TC_INGRESS) == prog_id(foreign_fd));

  // Its owner removes it: pktlens takes the place back.
  sh("tc filter del dev pk0 ingress handle 0x706b prio 1 bpf");
  ev = loader.sync();
  REQUIRE(ev.reattached.size() == 1);
  CHECK(ev.reattached[0].what == "tc ingress");
  CHECK(tc_query_ours(net.if0, BPF_TC_INGRESS) ==
        prog_id(bpf_program__fd(obj.skel()->progs.tc_ingress)));
  CHECK(loader.monitoring() ==
        std::vector<Monitoring>{{"pk0", AttachedAs::tc}, {"pk1", AttachedAs::tc}});
}

namespace {

// What the hook saw on `slot` in direction `dir`, over all CPUs.
uint64_t slot_skbs(const Object& obj, uint32_t slot, uint32_t dir) {
  const uint32_t key = slot * PKTLENS_DIR_MAX + dir;
  const auto v = pktlens::bpf::lookup_percpu<pktlens_if_stats>(
      bpf_map__fd(obj.skel()->maps.pktlens_stats), key);
  REQUIRE(v);
  uint64_t n = 0;
  for (int c = 0; c < v->cpus(); c++) n += v->at(c).skbs;
  return n;
}

// The same once it reached `want` (a busy machine defers the receiving
// veth's softirq to ksoftirqd, so frames may still be on their way), or
// after 5 s of polling: the caller's CHECK then shows what it is.
uint64_t settled_skbs(const Object& obj, uint32_t slot, uint64_t want) {
  uint64_t n = 0;
  for (int i = 0; i < 500 && (n = slot_skbs(obj, slot, PKTLENS_DIR_INGRESS)) != want; i++)
    usleep(10000);
  return n;
}

}  // namespace

TEST_CASE(
    "loader: patterns; a full slot table reported once; a gone interface's slot retained, then "
    "zeroed and reused",
    "[loader][slots]") {
  PrivateNetwork net;
  Object obj({.max_slots = 3});  // slots 1 and 2
  IfaceRegistry reg(obj.skel());
  AttachRecord record("");
  LoaderOptions o{Hook::tc, false, {}};
  o.include = {"pk*", "ch*"};
  o.exclude = {"pk1"};  // exclude wins
  o.retention = std::chrono::hours(1);
  Loader loader(obj.skel(), reg, record, o);

  auto ev = loader.sync();
  CHECK(names_of(ev.attached) == std::vector<std::string>{"pk0"});
  CHECK_FALSE(has_tc("pk1"));

  // ch0 takes the last slot; ch0p matches too and finds none: one report.
  sh("ip link add ch0 type veth peer name ch0p && ip link set ch0 up && ip link set ch0p up");
  ev = loader.sync();
  REQUIRE(ev.attached.size() == 1);
  const std::string first = ev.attached[0].name;
  const uint32_t slot = ev.attached[0].slot;
  CHECK(slot == 2);
  CHECK(ev.slots_full == 1u);
  CHECK(ev.failed.empty());
  CHECK(loader.slot_use().waiting == 1);
  CHECK(loader.sync().empty());  // still full: not reported again
  const std::string other = first == "ch0" ? "ch0p" : "ch0";
  CAPTURE(first, slot);
  send_frames(static_cast<int>(if_nametoindex(other.c_str())),
              std::vector<std::vector<uint8_t>>(9, std::vector<uint8_t>(60, 0xff)));
  CHECK(settled_skbs(obj, slot, 9) == 9);

  // Deleted: retained under its name with its final values; the table stays
  // full, so ch1's pair waits.
  sh("ip link del ch0");
  sh("ip link add ch1 type veth peer name ch1p && ip link set ch1 up && ip link set ch1p up");
  ev = loader.sync();
  CHECK(ev.gone == std::vector<std::string>{first});
  CHECK(ev.attached.empty());
  CHECK_FALSE(ev.slots_full);  // full since before: not reported again
  CHECK(loader.slot_use().waiting == 2);
  CHECK(loader.slot_names().at(slot) == first);
  CHECK(loader.slot_use().retained == 1);
  CHECK(slot_skbs(obj, slot, PKTLENS_DIR_INGRESS) == 9);

  // The retention ends (a reload shortened it): the slot is zeroed and freed,
  // its name gone, and the next sync gives it to ch1 or ch1p, from 0.
  o.retention = std::chrono::milliseconds(0);
  loader.reconfigure(o);
  ev = loader.sync();
  CHECK(ev.released == std::vector<std::string>{first});
  CHECK_FALSE(loader.slot_names().count(slot));
  CHECK(slot_skbs(obj, slot, PKTLENS_DIR_INGRESS) == 0);
  ev = loader.sync();
  REQUIRE(ev.attached.size() == 1);
  CHECK(ev.attached[0].slot == slot);
  CHECK(ev.attached[0].name.starts_with("ch1"));
  CHECK(slot_skbs(obj, slot, PKTLENS_DIR_INGRESS) == 0);
  CHECK(loader.slot_use().waiting == 1);

  // A reload that no longer selects pk0 detaches it and retains its slot.
  o.include = {"ch*"};
  o.retention = std::chrono::hours(1);
  loader.reconfigure(o);
  ev = loader.sync();
  CHECK(ev.deselected == std::vector<std::string>{"pk0"});
  CHECK_FALSE(has_tc("pk0"));
  CHECK(loader.slot_names().at(1) == "pk0");
}
