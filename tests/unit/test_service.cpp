// SPDX-License-Identifier: Apache-2.0
// The service's start-up checks: which capabilities are required, and one
// pktlensd per pin directory.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "service/instance_lock.hpp"
#include "service/preflight.hpp"

using pktlens::service::Capabilities;
using pktlens::service::InstanceLock;
using pktlens::service::missing_privileges;

namespace {
constexpr uint64_t bit(int cap) { return uint64_t{1} << cap; }
constexpr int kNetAdmin = 12, kSysAdmin = 21, kPerfmon = 38, kBpf = 39;
}  // namespace

TEST_CASE("preflight: the capabilities pktlensd needs", "[service]") {
  CHECK(missing_privileges(Capabilities{~uint64_t{0}}).empty());  // root
  CHECK(missing_privileges(Capabilities{bit(kBpf) | bit(kPerfmon) | bit(kNetAdmin)}).empty());
  CHECK(missing_privileges(Capabilities{bit(kSysAdmin) | bit(kNetAdmin)}).empty());

  const std::string none = missing_privileges(Capabilities{0});
  CHECK(none.rfind("pktlensd lacks CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN: run it as root", 0) == 0);
  CHECK(missing_privileges(Capabilities{bit(kBpf) | bit(kNetAdmin)})
            .rfind("pktlensd lacks CAP_PERFMON:", 0) == 0);
  CHECK(
      missing_privileges(Capabilities{bit(kSysAdmin)}).rfind("pktlensd lacks CAP_NET_ADMIN:", 0) ==
      0);
}

TEST_CASE("preflight: a kernel without BTF is named as such", "[service]") {
  // Only the BTF part can be checked without root: with root the
  // privilege check passes and the missing file is reported.
  if (geteuid() != 0) {
    CHECK_THROWS_WITH(pktlens::service::preflight("/nonexistent/vmlinux"),
                      Catch::StartsWith("pktlensd lacks"));
    return;
  }
  CHECK_THROWS_WITH(pktlens::service::preflight("/nonexistent/vmlinux"),
                    Catch::StartsWith("this kernel exposes no BTF (/nonexistent/vmlinux is "
                                      "missing)"));
  CHECK_NOTHROW(pktlens::service::preflight("/proc/self/status"));
}

TEST_CASE("instance lock: one holder per directory, released with its holder", "[service]") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("pktlens-lock-test-" + std::to_string(getpid())) / "abi1";
  {
    InstanceLock first(dir.string());  // creates the directory
    CHECK(std::filesystem::is_directory(dir));
    CHECK_THROWS_WITH(InstanceLock(dir.string()),
                      Catch::StartsWith("another pktlensd (PID " + std::to_string(getpid()) +
                                        ") is running with the maps in " + dir.string()));
  }
  CHECK_NOTHROW(InstanceLock(dir.string()));
  std::filesystem::remove_all(dir.parent_path());
}
