// SPDX-License-Identifier: Apache-2.0
// `pktlensd doctor` on made-up probe results: the verdict and the lines.
#include <catch2/catch.hpp>
#include <sstream>
#include <string>

#include "kernel_features_util.hpp"
#include "service/doctor.hpp"

using namespace pktlens;
using test::at;
using test::check;
using test::good;

TEST_CASE("doctor: the verdict follows BTF, capabilities and bpffs only", "[doctor]") {
  auto f = good();
  CHECK(service::can_run(f));
  // Optional features only choose paths.
  f.tracing = f.mmapable = f.batch_ops = false;
  at(f, bpf::kCheckTracing).ok = at(f, bpf::kCheckMmap).ok = at(f, bpf::kCheckBatch).ok = false;
  CHECK(service::can_run(f));
  // CAP_SYS_ADMIN stands in for CAP_BPF and CAP_PERFMON.
  at(f, bpf::kCheckCapBpf).ok = at(f, bpf::kCheckCapPerfmon).ok = false;
  CHECK(service::can_run(f));
  at(f, bpf::kCheckCapSysAdmin).ok = false;
  CHECK_FALSE(service::can_run(f));
  at(f, bpf::kCheckCapBpf).ok = at(f, bpf::kCheckCapPerfmon).ok = true;
  CHECK(service::can_run(f));
  // bpffs: mounted, or mountable.
  f.bpffs = false;
  CHECK_FALSE(service::can_run(f));
  f.checks.push_back(check(bpf::kCheckBpffsMount, true));
  CHECK(service::can_run(f));
  f.btf = false;
  CHECK_FALSE(service::can_run(f));
}

TEST_CASE("doctor: a pin dir someone else could touch keeps pktlensd from running", "[doctor]") {
  auto f = good();
  f.checks.push_back(check(bpf::kCheckPinDir, true));
  CHECK(service::can_run(f));
  at(f, bpf::kCheckPinDir).ok = false;
  CHECK_FALSE(service::can_run(f));
  std::ostringstream out;
  CHECK(service::print_doctor(f, "/sys/fs/bpf/pktlens/abi1", out) == 1);
  CHECK_THAT(out.str(), Catch::EndsWith("pktlensd cannot run here: it needs a pin dir of its own "
                                        "(see the fixes above)\n"));
}

TEST_CASE("doctor: one line per check, status words, fix only when missing", "[doctor]") {
  auto f = good();
  at(f, bpf::kCheckMmap) = check(bpf::kCheckMmap, false);
  at(f, bpf::kCheckCapNetAdmin).ok = false;
  std::ostringstream out;
  CHECK(service::print_doctor(f, "/sys/fs/bpf/pktlens/abi1", out) == 1);
  const std::string text = out.str();
  CHECK_THAT(text, Catch::Contains("\n[ok]      BTF: detail of BTF -- meaning of BTF\n"));
  CHECK_THAT(text, Catch::Contains("\n[missing] mmapable arrays: detail of mmapable arrays -- "
                                   "meaning of mmapable arrays -- fix: fix it\n"));
  CHECK_THAT(text, Catch::Contains("\n[info]    lockdown: "));
  CHECK_THAT(text, Catch::Contains("\n[info]    native XDP: "));
  CHECK_THAT(text, Catch::EndsWith("pktlensd cannot run here: it needs CAP_NET_ADMIN (see the "
                                   "fixes above)\n"));
  std::ostringstream brief;
  CHECK(service::print_doctor_brief(f, brief) == 1);
  CHECK_THAT(brief.str(), Catch::StartsWith("kernel capabilities: BTF yes, ") &&
                              Catch::EndsWith(", not CAP_NET_ADMIN\n"));
}
