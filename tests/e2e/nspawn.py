# SPDX-License-Identifier: Apache-2.0
"""A Debian 12 booted with real systemd in systemd-nspawn, for
tests/e2e/test_systemd.py: the debootstrap'd root (built once, cached in the
build tree), the .deb of the build tree, and one container per test.

The root, BUILD/nspawn-root, holds systemd, dbus, iproute2, man-db (so that
`systemd-analyze verify` resolves the unit's man: reference) and every
package the .deb depends on, so that `dpkg -i` works in a container without
network access. It is made again when that list changes (the list is kept
in the root). Creating it takes one to three minutes (debootstrap from
Debian's archive); it is never written to afterwards: each container boots
an overlay of it whose upper layer is in the test's temporary directory.

A container joins a network namespace of the test (the A side of
harness.Net) and gets a BPF filesystem instance of the test's own at
/sys/fs/bpf (harness.BpfFs): the pins are seen from the host at that
instance's mountpoint, and are gone with it.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import signal
import subprocess
import time

from harness import CLEANUP, BpfFs, run, tmp_path, unique, wait_until

# What the container needs besides the package's own dependencies.
BASE_PACKAGES = ["systemd", "systemd-sysv", "dbus", "iproute2", "man-db"]
INCLUDE_STAMP = ".pktlens-nspawn-include"


class Lock:
    """An exclusive flock on PATH for the block: tests running in parallel
    create the root and pack the .deb one at a time."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __enter__(self) -> "Lock":
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc) -> None:
        os.close(self.fd)


def pack_deb(build: str) -> str:
    """The .deb of the build tree (CPack, as packaging/deb/pack.sh does),
    copied into the test's temporary directory."""
    out = os.path.join(build, "nspawn-deb")
    with Lock(os.path.join(build, "nspawn-deb.lock")):
        shutil.rmtree(out, ignore_errors=True)
        p = run(["cpack", "-G", "DEB", "-B", out], check=False, timeout=600, cwd=build)
        if p.returncode != 0:
            raise AssertionError(f"cpack failed:\n{p.stdout}\n{p.stderr}")
        debs = [f for f in os.listdir(out) if re.fullmatch(r"pktlens_.*\.deb", f)]
        if len(debs) != 1:
            raise AssertionError(f"cpack made {debs} in {out}")
        deb = tmp_path(debs[0])
        shutil.copy(os.path.join(out, debs[0]), deb)
    return deb


def depends(deb: str) -> list[str]:
    """The packages that satisfy the .deb's Depends (the first of each
    alternative; a virtual package, e.g. libspdlog1.10-fmt9, by the package
    that provides it: debootstrap installs real packages only)."""
    field = run(["dpkg-deb", "-f", deb, "Depends"]).stdout
    names = [re.split(r"[\s(|]", d.strip(), maxsplit=1)[0] for d in field.split(",") if d.strip()]
    return [real_package(n) for n in names]


def real_package(name: str) -> str:
    if "Package:" in run(["apt-cache", "show", "--no-all-versions", name], check=False).stdout:
        return name
    out = run(["apt-cache", "showpkg", name]).stdout
    providers = out.split("Reverse Provides:", 1)[-1].split()
    if not providers:
        raise AssertionError(f"no package provides {name} (apt-get update?)")
    return providers[0]


def root(build: str, deb: str) -> str:
    """BUILD/nspawn-root with BASE_PACKAGES and the .deb's dependencies,
    debootstrap'd if missing or made for another list."""
    path = os.path.join(build, "nspawn-root")
    include = ",".join(sorted(set(BASE_PACKAGES + depends(deb))))
    with Lock(path + ".lock"):
        stamp = os.path.join(path, INCLUDE_STAMP)
        if os.path.exists(stamp):
            with open(stamp) as f:
                if f.read() == include:
                    return path
        shutil.rmtree(path, ignore_errors=True)
        fresh = f"{path}.new-{os.getpid()}"
        shutil.rmtree(fresh, ignore_errors=True)
        CLEANUP.add(f"remove {fresh}", lambda: shutil.rmtree(fresh, ignore_errors=True))
        start = time.monotonic()
        p = run(["debootstrap", "--variant=minbase", f"--include={include}", "bookworm", fresh],
                check=False, timeout=1200)
        if p.returncode != 0:
            raise AssertionError(f"debootstrap failed ({p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
        with open(os.path.join(fresh, INCLUDE_STAMP), "w") as f:
            f.write(include)
        os.rename(fresh, path)
        print(f"nspawn: debootstrap'd {path} in {time.monotonic() - start:.0f} s", flush=True)
    return path


class Cgroups:
    """A cgroup of its own for one container, in each hierarchy systemd uses
    (name=systemd and the unified one on a hybrid host, the unified one on a
    cgroup2 host), below the test's own. nspawn --keep-unit puts its
    "payload" and "supervisor" below the cgroup it starts in: two containers
    started from one cgroup would share them, and each container's systemd
    would kill the other's units. Removed (deepest first) at cleanup."""

    def __init__(self, name: str) -> None:
        self.dirs: list[str] = []
        self.token = CLEANUP.add(f"remove cgroups {name}", self._remove)
        with open("/proc/self/cgroup") as f:
            for line in f:
                hierarchy, controllers, path = line.rstrip("\n").split(":", 2)
                if controllers == "name=systemd":
                    base = "/sys/fs/cgroup/systemd"
                elif hierarchy == "0":
                    unified = "/sys/fs/cgroup/unified"
                    base = unified if os.path.isdir(unified) else "/sys/fs/cgroup"
                else:
                    continue
                d = os.path.join(base + path, name)
                os.mkdir(d)
                self.dirs.append(d)

    def enter(self) -> None:
        """Moves the calling process into them (a preexec_fn)."""
        for d in self.dirs:
            with open(os.path.join(d, "cgroup.procs"), "w") as f:
                f.write(str(os.getpid()))

    def _remove(self) -> None:
        for top in self.dirs:
            for d, _, _ in sorted(os.walk(top), key=lambda w: -w[0].count("/")):
                os.rmdir(d)


class Container:
    """systemd booted in an overlay of `lower`, in network namespace `netns`,
    with `bpffs` at /sys/fs/bpf. run() executes in it (nsenter into every
    namespace of its init); path() is a path of its file system, seen from
    the host. Powered off (else killed) at cleanup, even on failure."""

    def __init__(self, lower: str, netns: str, bpffs: BpfFs) -> None:
        n = unique()
        self.dir = tmp_path(f"nspawn-{n}")
        self.merged = os.path.join(self.dir, "merged")
        for d in ("upper", "work", "merged"):
            os.makedirs(os.path.join(self.dir, d))
        self._tokens = [CLEANUP.add(f"unmount {self.merged}", self._unmount)]
        run(["mount", "-t", "overlay", "overlay", "-o",
             f"lowerdir={lower},upperdir={self.dir}/upper,workdir={self.dir}/work", self.merged])
        self.init: int | None = None
        self.log_path = os.path.join(self.dir, "console.log")
        self._log = open(self.log_path, "w")
        cmd = [
            "systemd-nspawn", "--quiet", "-D", self.merged, "-b",
            f"--machine=pkle2e-{os.getpid()}-{n}",
            # No machined in the test's environment; --keep-unit keeps the
            # container in the test's own cgroup (without it nspawn wants a
            # scope from the system bus).
            "--register=no", "--keep-unit", "--console=passive",
            # What pktlensd (and the unit's bounding set) needs to exist in
            # the container: BPF, tracepoints, tc/XDP attachment.
            "--capability=CAP_BPF,CAP_PERFMON,CAP_NET_ADMIN,CAP_SYS_ADMIN",
            # nspawn's own seccomp filter refuses these two by default:
            # without them every BPF load fails with EPERM.
            "--system-call-filter=bpf perf_event_open",
            f"--bind={bpffs.mountpoint}:/sys/fs/bpf",
            f"--network-namespace-path=/run/netns/{netns}",
        ]
        cgroups = Cgroups(f"pkle2e-nspawn-{os.getpid()}-{n}")
        self._tokens.append(cgroups.token)  # removed after the container stopped
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, preexec_fn=cgroups.enter)
        self._tokens.append(CLEANUP.add(f"stop container {self.proc.pid}", self._stop))
        self.init = wait_until(self._init_pid, 30, what="the container's init")
        # Booted: "running", or "degraded" where a unit that needs real
        # hardware failed (none of the tests' concern). Polled: until its
        # bus is up, systemctl cannot even wait.
        state = lambda: self.run(["systemctl", "is-system-running"], check=False).stdout.strip()
        try:
            wait_until(lambda: state() in ("running", "degraded"), 120, step=0.2,
                       what="the container to boot")
        except AssertionError as e:
            raise AssertionError(f"{e}: {state()}\n{self.console()}") from None

    def _init_pid(self) -> int | None:
        if self.proc.poll() is not None:
            raise AssertionError(f"systemd-nspawn exited {self.proc.returncode}:\n{self.console()}")
        try:
            with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as f:
                kids = f.read().split()
        except FileNotFoundError:
            return None
        for k in kids:
            try:
                with open(f"/proc/{k}/comm") as f:
                    if f.read().strip() == "systemd":
                        return int(k)
            except FileNotFoundError:
                pass
        return None

    def run(self, cmd: list[str], check: bool = True, timeout: float = 60, **kw) -> subprocess.CompletedProcess:
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8",
               "DEBIAN_FRONTEND": "noninteractive", "SYSTEMD_PAGER": "", "SYSTEMD_COLORS": "0"}
        return run(["nsenter", "-t", str(self.init), "-a", "--"] + cmd, check=check, timeout=timeout,
                   env=env, **kw)

    def path(self, p: str) -> str:
        return os.path.join(self.merged, p.lstrip("/"))

    def write(self, p: str, text: str) -> None:
        with open(self.path(p), "w") as f:
            f.write(text)

    def console(self) -> str:
        self._log.flush()
        with open(self.log_path, errors="replace") as f:
            return f.read()[-4000:]

    def _stop(self) -> None:
        if self.proc.poll() is None:
            # SIGTERM makes nspawn power the container off cleanly.
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                if self.init:
                    os.kill(self.init, signal.SIGKILL)  # takes its PID namespace with it
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()

    def _unmount(self) -> None:
        if os.path.ismount(self.merged):
            p = run(["umount", self.merged], check=False)
            if p.returncode != 0:
                run(["umount", "--lazy", self.merged])

    def close(self) -> None:
        for t in reversed(self._tokens):
            CLEANUP.run(t)
        self._tokens.clear()
