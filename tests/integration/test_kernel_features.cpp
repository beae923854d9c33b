// SPDX-License-Identifier: Apache-2.0
// bpf::probe_kernel_features on the machine the tests run on (root, a
// kernel with BTF): every check is there, in order, agrees with its
// boolean, and PKTLENS_FORCE_FALLBACK forces each optional feature off
// without touching the others.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bpf/kernel_features.hpp"

using namespace pktlens::bpf;

namespace {

constexpr const char* kForced = "forced off by PKTLENS_FORCE_FALLBACK";

// Sets PKTLENS_FORCE_FALLBACK for one scope, restoring what was there.
class ForceEnv {
 public:
  explicit ForceEnv(const char* value) {
    if (const char* old = getenv(kForceFallbackEnv)) old_ = old;
    if (value)
      setenv(kForceFallbackEnv, value, 1);
    else
      unsetenv(kForceFallbackEnv);
  }
  ~ForceEnv() {
    if (old_)
      setenv(kForceFallbackEnv, old_->c_str(), 1);
    else
      unsetenv(kForceFallbackEnv);
  }

 private:
  std::optional<std::string> old_;
};

const FeatureCheck& get(const KernelFeatures& f, std::string_view name) {
  const FeatureCheck* c = find_check(f, name);
  REQUIRE(c != nullptr);
  return *c;
}

}  // namespace

TEST_CASE("kernel features: every check, in order, consistent with the booleans",
          "[kernel_features]") {
  ForceEnv env(nullptr);
  const KernelFeatures f = probe_kernel_features("/sys/fs/bpf/pktlens-features-test");
  std::vector<std::string> names;
  for (const auto& c : f.checks) names.push_back(c.name);
  std::vector<std::string> want{std::string(kCheckBtf), std::string(kCheckBpffs)};
  if (!f.bpffs) want.emplace_back(kCheckBpffsMount);
  for (auto n :
       {kCheckTracing, kCheckMmap, kCheckBatch, kCheckLookupDelete, kCheckTcx, kCheckLockdown,
        kCheckCapBpf,
        kCheckCapPerfmon, kCheckCapNetAdmin, kCheckCapSysAdmin, kCheckCapSysResource, kCheckXdp})
    want.emplace_back(n);
  CHECK(names == want);

  CHECK(f.btf);  // the tests need BTF
  CHECK(get(f, kCheckBtf).ok == f.btf);
  CHECK(get(f, kCheckBpffs).ok == f.bpffs);
  CHECK(get(f, kCheckTracing).ok == f.tracing);
  CHECK(get(f, kCheckMmap).ok == f.mmapable);
  CHECK(get(f, kCheckBatch).ok == f.batch_ops);
  CHECK(get(f, kCheckLookupDelete).ok == f.lookup_and_delete);
  CHECK(get(f, kCheckTcx).ok == f.tcx);
  // pktlens needs Linux >= 5.11: both are older than that.
  CHECK(f.mmapable);
  CHECK(f.batch_ops);
  // The tests run as root (CAP_SYS_ADMIN): a missing bpffs is mountable.
  CHECK(get(f, kCheckCapSysAdmin).ok);
  if (!f.bpffs) CHECK(get(f, kCheckBpffsMount).ok);
  CHECK_FALSE(f.lockdown.empty());
  for (const auto& c : f.checks) {
    INFO(c.name);
    CHECK_FALSE(c.detail.empty());
    CHECK_FALSE(c.meaning.empty());
    CHECK(c.detail != kForced);
    if (c.ok) CHECK(c.fix.empty());
  }
  // The iterator's refusal names the kernel's error.
  if (!f.tracing) CHECK_THAT(get(f, kCheckTracing).detail, Catch::Contains("(lockdown="));
  CHECK_THAT(f.summary_line(), Catch::StartsWith("BTF yes, bpffs "));
}

TEST_CASE("kernel features: PKTLENS_FORCE_FALLBACK forces each one off", "[kernel_features]") {
  const KernelFeatures probed = [] {
    ForceEnv env(nullptr);
    return probe_kernel_features("/sys/fs/bpf/pktlens-features-test");
  }();
  struct Case {
    const char* value;
    bool tracing, mmap, batch, del, tcx;
  };
  for (const Case& c : {Case{"tracing", true, false, false, false, false},
                        Case{"mmap", false, true, false, false, false},
                        Case{"batch", false, false, true, false, false},
                        Case{"delete", false, false, false, true, false},
                        Case{"tcx", false, false, false, false, true},
                        Case{"all", true, true, true, true, true},
                        Case{"mmap,batch", false, true, true, false, false}}) {
    ForceEnv env(c.value);
    const KernelFeatures f = probe_kernel_features("/sys/fs/bpf/pktlens-features-test");
    INFO("PKTLENS_FORCE_FALLBACK=" << c.value);
    CHECK(f.tracing == (c.tracing ? false : probed.tracing));
    CHECK(f.mmapable == (c.mmap ? false : probed.mmapable));
    CHECK(f.batch_ops == (c.batch ? false : probed.batch_ops));
    CHECK(f.lookup_and_delete == (c.del ? false : probed.lookup_and_delete));
    CHECK(f.tcx == (c.tcx ? false : probed.tcx));
    CHECK((get(f, kCheckTcx).detail == kForced) == c.tcx);
    CHECK((get(f, kCheckTracing).detail == kForced) == c.tracing);
    CHECK((get(f, kCheckMmap).detail == kForced) == c.mmap);
    CHECK((get(f, kCheckBatch).detail == kForced) == c.batch);
    CHECK((get(f, kCheckLookupDelete).detail == kForced) == c.del);
    CHECK(get(f, kForceFallbackEnv).ok);
    CHECK(f.btf == probed.btf);
  }
  ForceEnv env("tracing,bogus");
  const KernelFeatures f = probe_kernel_features("/sys/fs/bpf/pktlens-features-test");
  CHECK_FALSE(f.tracing);
  CHECK_FALSE(get(f, kForceFallbackEnv).ok);
  CHECK_THAT(get(f, kForceFallbackEnv).detail, Catch::Contains("unknown: bogus"));
}

TEST_CASE("kernel features: a pin dir elsewhere, not on a bpffs", "[kernel_features]") {
  ForceEnv env("all");
  const KernelFeatures f = probe_kernel_features("/tmp/pktlens-features-test/maps");
  CHECK_FALSE(f.bpffs);
  CHECK(find_check(f, kCheckBpffsMount) == nullptr);  // pktlensd mounts only /sys/fs/bpf
  CHECK_THAT(get(f, kCheckBpffs).detail, Catch::StartsWith("/tmp is not a BPF filesystem"));
  CHECK_THAT(get(f, kCheckBpffs).meaning, Catch::Contains("refuses to start"));
}
