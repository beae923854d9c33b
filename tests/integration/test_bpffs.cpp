// SPDX-License-Identifier: Apache-2.0
// bpf::ensure_bpffs against the real kernel, in mount namespaces of the
// test's own (a forked child per case): a missing /sys/fs/bpf is mounted, a
// process that cannot mount is told what to run, another directory not on a
// BPF filesystem is refused. The host's mounts are never touched.
#include <linux/capability.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>
#include <functional>
#include <string>

#include "bpf/pinning.hpp"

using pktlens::bpf::bpffs_state;
using pktlens::bpf::ensure_bpffs;
using pktlens::bpf::under_bpffs_root;

namespace {

// Runs `body` in a forked child inside a private mount namespace in which
// nothing is mounted at /sys/fs/bpf. Returns what the body returned, or the
// error of the set-up or of an exception.
std::string in_mount_ns_without_bpffs(const std::function<std::string()>& body) {
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    std::string out;
    try {
      if (unshare(CLONE_NEWNS) != 0) throw std::runtime_error("unshare(CLONE_NEWNS) failed");
      if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        throw std::runtime_error("making / private failed");
      while (umount2(pktlens::bpf::kBpffsRoot, MNT_DETACH) == 0) {
      }
      if (bpffs_state(pktlens::bpf::kBpffsRoot).mounted)
        throw std::runtime_error("a bpffs is still mounted at /sys/fs/bpf");
      out = body();
    } catch (const std::exception& e) {
      out = std::string("exception: ") + e.what();
    }
    (void)!write(fds[1], out.data(), out.size());
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  return out;
}

void drop_cap_sys_admin() {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &hdr, data) != 0) throw std::runtime_error("capget failed");
  data[CAP_SYS_ADMIN / 32].effective &= ~(1U << (CAP_SYS_ADMIN % 32));
  data[CAP_SYS_ADMIN / 32].permitted &= ~(1U << (CAP_SYS_ADMIN % 32));
  if (syscall(SYS_capset, &hdr, data) != 0) throw std::runtime_error("capset failed");
}

}  // namespace

TEST_CASE("bpffs: the pin dir's place", "[bpffs]") {
  CHECK(under_bpffs_root("/sys/fs/bpf"));
  CHECK(under_bpffs_root("/sys/fs/bpf/pktlens/abi1"));
  CHECK(under_bpffs_root("/sys/fs/bpf/a/../b"));
  CHECK_FALSE(under_bpffs_root("/sys/fs/bpfx/pktlens"));
  CHECK_FALSE(under_bpffs_root("/sys/fs/bpf/../cgroup"));
  CHECK_FALSE(under_bpffs_root("/tmp/pktlens"));
  CHECK_FALSE(under_bpffs_root("sys/fs/bpf/pktlens"));
  // The nearest existing directory is what is examined.
  CHECK(bpffs_state("/proc/pktlens-no-such-dir/x").existing == "/proc");
  CHECK_FALSE(bpffs_state("/proc/pktlens-no-such-dir/x").mounted);
}

TEST_CASE("bpffs: a missing /sys/fs/bpf is mounted, once", "[bpffs]") {
  const std::string out = in_mount_ns_without_bpffs([] {
    const std::string dir = "/sys/fs/bpf/pktlens-bpffs-test/abi1";
    if (!ensure_bpffs(dir)) return std::string("first call did not mount");
    if (!bpffs_state(dir).mounted) return std::string("not a bpffs after mounting");
    if (ensure_bpffs(dir)) return std::string("second call mounted again");
    pktlens::bpf::require_bpffs(dir);  // and the pin dir can be created
    if (!bpffs_state(dir).mounted || bpffs_state(dir).existing != dir)
      return std::string("pin dir not created on the bpffs");
    return std::string("ok");
  });
  CHECK(out == "ok");
}

TEST_CASE("bpffs: without CAP_SYS_ADMIN the error says what to run", "[bpffs]") {
  const std::string out = in_mount_ns_without_bpffs([] {
    drop_cap_sys_admin();
    ensure_bpffs("/sys/fs/bpf/pktlens-bpffs-test");
    return std::string("mounted without CAP_SYS_ADMIN");
  });
  CHECK_THAT(out, Catch::Contains("no BPF filesystem is mounted at /sys/fs/bpf") &&
                      Catch::Contains("CAP_SYS_ADMIN") &&
                      Catch::Contains("`mount -t bpf bpf /sys/fs/bpf`"));
}

TEST_CASE("bpffs: a pin dir elsewhere, not on a bpffs, is refused", "[bpffs]") {
  CHECK_THROWS_WITH(ensure_bpffs("/tmp/pktlens-not-bpffs/maps"),
                    Catch::Contains("/tmp/pktlens-not-bpffs/maps is not on a BPF filesystem") &&
                        Catch::Contains("--bpf-pin-dir under /sys/fs/bpf") &&
                        Catch::Contains("mount -t bpf bpf /tmp/pktlens-not-bpffs/maps"));
}
