// SPDX-License-Identifier: Apache-2.0
// One pktlensd after another on the same pin directory, and two side by
// side on different ones, at the loader's level: a successor recognises
// what its predecessor left by the attachment record alone (no program name,
// no BPF_PROG_GET_FD_BY_ID), replaces it in place while it counts on into
// the pinned maps, takes over the clsact it created, and removes what the
// configuration no longer uses; another pktlensd's programs are refused.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "bpf/attach_record.hpp"
#include "bpf/iface_registry.hpp"
#include "bpf/loader.hpp"
#include "bpf/object.hpp"
#include "bpf/percpu.hpp"
#include "bpf/tc_attachment.hpp"
#include "bpffs.hpp"
#include "dataplane.hpp"
#include "foreign_tc.hpp"
#include "packet.hpp"
#include "pktlens_bpf.skel.h"
#include "pktlens_test_foreign.skel.h"
#include "private_network.hpp"

using namespace pktlens::test;
using pktlens::bpf::AttachedAs;
using pktlens::bpf::AttachRecord;
using pktlens::bpf::Held;
using pktlens::bpf::IfaceRegistry;
using pktlens::bpf::Loader;
using pktlens::bpf::LoaderOptions;
using pktlens::bpf::Monitoring;
using pktlens::bpf::Object;
using pktlens::bpf::ObjectOptions;
using pktlens::bpf::Place;
using pktlens::bpf::tc_query_ours;
using LoaderHook = pktlens::bpf::Hook;

namespace {

uint32_t prog_id(bpf_program* p) {
  bpf_prog_info info{};
  uint32_t len = sizeof info;
  REQUIRE(bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len) == 0);
  return info.id;
}

bool has_clsact(const std::string& dev) {
  return sh("tc qdisc show dev " + dev).find("clsact") != std::string::npos;
}

size_t filters(const std::string& dev, const std::string& dir) {
  const std::string out = sh("tc filter show dev " + dev + " " + dir);
  size_t n = 0;
  for (size_t at = out.find("handle 0x706b"); at != std::string::npos;
       at = out.find("handle 0x706b", at + 1))
    n++;
  return n;
}

// Ingress frames counted in `slot` (summed over CPUs and classes).
uint64_t ingress_packets(const Object& o, uint32_t slot) {
  const uint32_t key = slot * PKTLENS_DIR_MAX + PKTLENS_DIR_INGRESS;
  auto v =
      pktlens::bpf::lookup_percpu<pktlens_if_stats>(bpf_map__fd(o.skel()->maps.pktlens_stats), key);
  REQUIRE(v);
  uint64_t n = 0;
  for (int c = 0; c < v->cpus(); c++) n += total_packets(v->at(c));
  return n;
}

void send_udp(int ifindex, int n) {
  const Bytes udp = PacketBuilder().eth().ipv4().udp().payload(60).build();
  send_frames(ifindex, std::vector<Bytes>(static_cast<size_t>(n), udp));
}

std::vector<Held> sorted(std::vector<Held> v) {
  std::sort(v.begin(), v.end(), [](const Held& a, const Held& b) {
    return std::tie(a.ifindex, a.place, a.prog_id) < std::tie(b.ifindex, b.place, b.prog_id);
  });
  return v;
}

ObjectOptions pinned(const std::string& dir) {
  ObjectOptions o;
  o.pin_dir = dir;
  return o;
}

}  // namespace

TEST_CASE("attach record: entries persist in the pin directory, another layout starts empty",
          "[takeover]") {
  BpfFs fs;
  const std::string dir = fs.pin_dir();
  std::filesystem::create_directories(dir);
  const std::vector<Held> want{{3, Place::tc_ingress, 70},
                               {3, Place::tc_egress, 71},
                               {3, Place::clsact, 0},
                               {9, Place::xdp, 72}};
  {
    AttachRecord r(dir);
    CHECK_FALSE(r.found_pinned());
    for (const Held& h : want) r.add(h);
    CHECK(r.has({3, Place::tc_ingress, 70}));
    CHECK_FALSE(r.has({3, Place::tc_ingress, 71}));
  }
  {
    AttachRecord r(dir);
    CHECK(r.found_pinned());
    CHECK(sorted(r.entries()) == sorted(want));
    r.forget(3);
    CHECK(r.entries() == std::vector<Held>{{9, Place::xdp, 72}});
  }
  // A map of another layout at that path (another build): replaced.
  REQUIRE(unlink((dir + "/pktlens_attached").c_str()) == 0);
  const int other = bpf_map_create(BPF_MAP_TYPE_HASH, "other", 12, 8, 16, nullptr);
  REQUIRE(other >= 0);
  REQUIRE(bpf_obj_pin(other, (dir + "/pktlens_attached").c_str()) == 0);
  close(other);
  AttachRecord r(dir);
  CHECK_FALSE(r.found_pinned());
  CHECK(r.entries().empty());
  r.add({1, Place::xdp, 5});
  CHECK(r.has({1, Place::xdp, 5}));
}

TEST_CASE(
    "takeover: the next run replaces the programs in place, counting every frame, and "
    "removes the clsact the first one created",
    "[takeover]") {
  PrivateNetwork net;
  BpfFs fs;
  const std::string dir = fs.pin_dir();
  const LoaderOptions opts{LoaderHook::tc, false, {"pk0"}};
  uint32_t slot = 0, first_in = 0;
  {
    Object a(pinned(dir));
    IfaceRegistry reg(a.skel());
    AttachRecord rec(dir);
    Loader l(a.skel(), reg, rec, opts);
    const auto ev = l.sync();
    REQUIRE(ev.attached.size() == 1);
    CHECK_FALSE(ev.attached[0].replaced_stale);
    slot = ev.attached[0].slot;
    first_in = prog_id(a.skel()->progs.tc_ingress);
    send_udp(net.if1, 3);
    l.keep_attached();
  }  // every fd of the first run is closed, as when its process exits
  // Between the two runs: still attached, still counting.
  CHECK(tc_query_ours(net.if0, BPF_TC_INGRESS) == first_in);
  send_udp(net.if1, 4);
  {
    Object b(pinned(dir));
    IfaceRegistry reg(b.skel());
    AttachRecord rec(dir);
    CHECK(rec.found_pinned());
    Loader l(b.skel(), reg, rec, opts);
    const auto ev = l.sync();
    REQUIRE(ev.attached.size() == 1);
    CHECK(ev.attached[0].replaced_stale);
    CHECK(ev.attached[0].slot == slot);
    const uint32_t in = prog_id(b.skel()->progs.tc_ingress);
    const uint32_t out = prog_id(b.skel()->progs.tc_egress);
    CHECK(tc_query_ours(net.if0, BPF_TC_INGRESS) == in);
    CHECK(tc_query_ours(net.if0, BPF_TC_EGRESS) == out);
    CHECK(filters("pk0", "ingress") == 1);
    CHECK(filters("pk0", "egress") == 1);
    send_udp(net.if1, 5);
    CHECK(ingress_packets(b, slot) == 3 + 4 + 5);
    // The record names this run's programs, and the clsact the first one
    // created (its filters were still on it: the same qdisc).
    const uint32_t ifindex = static_cast<uint32_t>(net.if0);
    CHECK(sorted(rec.entries()) == sorted({{ifindex, Place::tc_ingress, in},
                                           {ifindex, Place::tc_egress, out},
                                           {ifindex, Place::clsact, 0}}));
    CHECK(l.sync().empty());
  }
  CHECK_FALSE(has_clsact("pk0"));
  CHECK(AttachRecord(dir).entries().empty());
}

TEST_CASE("takeover: what a killed run left where the configuration no longer looks is removed",
          "[takeover]") {
  PrivateNetwork net;
  BpfFs fs;
  const std::string dir = fs.pin_dir();
  {
    Object a(pinned(dir));
    IfaceRegistry reg(a.skel());
    AttachRecord rec(dir);
    Loader l(a.skel(), reg, rec, LoaderOptions{LoaderHook::tc, false, {"pk0", "pk1"}});
    REQUIRE(l.sync().attached.size() == 2);
    l.keep_attached();  // what SIGKILL leaves: everything, and the record
  }
  REQUIRE(filters("pk0", "ingress") == 1);
  REQUIRE(filters("pk1", "ingress") == 1);
  {
    // pk0 no longer configured; pk1 now with XDP.
    Object b(pinned(dir));
    IfaceRegistry reg(b.skel());
    AttachRecord rec(dir);
    Loader l(b.skel(), reg, rec, LoaderOptions{LoaderHook::xdp, false, {"pk1"}});
    auto ev = l.sync();
    REQUIRE(ev.attached.size() == 1);
    CHECK(ev.attached[0].name == "pk1");
    CHECK(ev.attached[0].as == AttachedAs::xdp_native);
    REQUIRE(ev.cleaned.size() == 2);
    std::sort(ev.cleaned.begin(), ev.cleaned.end(),
              [](const auto& x, const auto& y) { return x.name < y.name; });
    CHECK(ev.cleaned[0].name == "pk0");
    CHECK(ev.cleaned[0].what == "tc ingress, tc egress, clsact");
    CHECK(ev.cleaned[1].name == "pk1");
    CHECK(ev.cleaned[1].what == "tc ingress, tc egress, clsact");
    for (const char* dev : {"pk0", "pk1"}) {
      INFO(dev);
      CHECK_FALSE(has_clsact(dev));
    }
    CHECK(l.sync().empty());
    CHECK(rec.entries() == std::vector<Held>{{static_cast<uint32_t>(net.if1), Place::xdp,
                                              prog_id(b.skel()->progs.xdp_ingress)}});
  }
  CHECK(AttachRecord(dir).entries().empty());
}

TEST_CASE("takeover: a takeover that fails leaves the predecessor's clsact and what is on it",
          "[takeover]") {
  PrivateNetwork net;
  BpfFs fs;
  const std::string dir = fs.pin_dir();
  const LoaderOptions opts{LoaderHook::tc, false, {"pk0"}};
  {
    Object a(pinned(dir));
    IfaceRegistry reg(a.skel());
    AttachRecord rec(dir);
    Loader l(a.skel(), reg, rec, opts);
    REQUIRE(l.sync().attached.size() == 1);
    l.keep_attached();
  }
  // While no pktlensd runs, another tool takes the ingress place.
  std::unique_ptr<pktlens_test_foreign, void (*)(pktlens_test_foreign*)> foreign(
      pktlens_test_foreign::open_and_load(), pktlens_test_foreign::destroy);
  REQUIRE(foreign);
  const uint32_t foreign_id = prog_id(foreign->progs.foreign_tc);
  pktlens::test::foreign_tc_replace(net.if0, BPF_TC_INGRESS,
                                    bpf_program__fd(foreign->progs.foreign_tc));
  {
    Object b(pinned(dir));
    IfaceRegistry reg(b.skel());
    AttachRecord rec(dir);
    Loader l(b.skel(), reg, rec, opts);
    const auto ev = l.sync();
    CHECK(ev.attached.empty());
    REQUIRE(ev.failed.size() == 1);
    CHECK_THAT(ev.failed[0].what, Catch::Contains("'foreign_tc'"));
  }
  // The clsact the first run created stays, with the other tool's filter.
  CHECK(has_clsact("pk0"));
  CHECK(tc_query_ours(net.if0, BPF_TC_INGRESS) == foreign_id);
}

TEST_CASE(
    "takeover: a second pktlens with a record of its own is refused and the first monitors on",
    "[takeover]") {
  PrivateNetwork net;
  Object a({}), b({});
  IfaceRegistry reg_a(a.skel()), reg_b(b.skel());
  AttachRecord rec_a(""), rec_b("");
  const LoaderOptions opts{LoaderHook::tc, false, {"pk0"}};
  Loader first(a.skel(), reg_a, rec_a, opts);
  auto ev = first.sync();
  REQUIRE(ev.attached.size() == 1);
  const uint32_t slot = ev.attached[0].slot;
  const uint32_t in = prog_id(a.skel()->progs.tc_ingress);
  {
    Loader second(b.skel(), reg_b, rec_b, opts);
    const auto ev2 = second.sync();
    CHECK(ev2.attached.empty());
    REQUIRE(ev2.failed.size() == 1);
    CHECK_THAT(ev2.failed[0].what, Catch::Contains("'tc_ingress' (id " + std::to_string(in)) &&
                                       Catch::Contains("no pktlensd of this pin directory"));
    CHECK(second.monitoring() == std::vector<Monitoring>{{"pk0", std::nullopt}});
    CHECK(first.sync().empty());
    CHECK(first.monitoring() == std::vector<Monitoring>{{"pk0", AttachedAs::tc}});
    send_udp(net.if1, 7);
  }
  // The second one's end leaves the first one's programs.
  CHECK(tc_query_ours(net.if0, BPF_TC_INGRESS) == in);
  CHECK(first.sync().empty());
  send_udp(net.if1, 6);
  CHECK(ingress_packets(a, slot) == 7 + 6);
}
