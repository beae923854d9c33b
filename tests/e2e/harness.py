# SPDX-License-Identifier: Apache-2.0
"""The harness of the pktlensd end-to-end tests (tests/e2e/test_*.py): the
one module every e2e test module imports; test modules never import each
other.

It holds the test network (two namespaces joined by a veth pair), frame
senders and traffic generators shared by several scenarios, sd_notify,
the pktlensd process, scrapes and their parsing, the cleanup registry, the
configuration every scenario starts from (config()), the base class of
every scenario (E2E) and the entry point of every test module (main()).

Everything here creates only what it also removes: network namespaces named
pkle2e-{a,b}-<pid>-<n>, one BPF filesystem instance per pin directory
(mounted on a temporary directory of its own, unmounted afterwards: the
tests never touch the host's /sys/fs/bpf, and give the same result whether
or not it is mounted), processes started by the tests (killed by their
PID), one temporary directory.
The cleanup registry runs on normal exit, on an exception (the tests call
it from tearDown), at interpreter exit (atexit) and on SIGTERM/SIGINT/SIGHUP.

Traffic stays between two namespaces joined by one veth pair: addresses from
198.18.0.0/15 and fd00::/8, no default route, so nothing can leave.
"""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest
from contextlib import contextmanager
from typing import Callable, Iterable

PID = os.getpid()
CLONE_NEWNET = 0x40000000

# ---------------------------------------------------------------------------
# Cleanup registry


class Cleanup:
    """Ordered cleanup actions, run newest first, each at most once."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._actions: list[tuple[int, str, Callable[[], None]]] = []
        self._next = 0

    def add(self, what: str, fn: Callable[[], None]) -> int:
        with self._lock:
            self._next += 1
            self._actions.append((self._next, what, fn))
            return self._next

    def run(self, token: int) -> None:
        """Runs one action now (and forgets it)."""
        with self._lock:
            found = [a for a in self._actions if a[0] == token]
            self._actions = [a for a in self._actions if a[0] != token]
        for _, what, fn in found:
            _quietly(what, fn)

    def run_all(self) -> None:
        while True:
            with self._lock:
                if not self._actions:
                    return
                _, what, fn = self._actions.pop()
            _quietly(what, fn)


def _quietly(what: str, fn: Callable[[], None]) -> None:
    try:
        fn()
    except Exception as e:  # cleanup must go on
        print(f"e2e cleanup: {what}: {e}", flush=True)


CLEANUP = Cleanup()
atexit.register(CLEANUP.run_all)


def _on_signal(signum, _frame):
    print(f"e2e: signal {signum}, cleaning up", flush=True)
    CLEANUP.run_all()
    os._exit(128 + signum)


for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, _on_signal)

_TMP = tempfile.mkdtemp(prefix=f"pktlens-e2e-{PID}-")
os.chmod(_TMP, 0o755)  # readable by the unprivileged run (setpriv) too
CLEANUP.add(f"remove {_TMP}", lambda: shutil.rmtree(_TMP, ignore_errors=True))


def tmp_path(name: str) -> str:
    return os.path.join(_TMP, name)


_counter = 0
_counter_lock = threading.Lock()


def unique() -> int:
    global _counter
    with _counter_lock:
        _counter += 1
        return _counter


# ---------------------------------------------------------------------------
# Commands


def run(cmd: list[str], check: bool = True, timeout: float = 60, **kw) -> subprocess.CompletedProcess:
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()}")
    return p


def ns_run(ns: str, cmd: list[str], check: bool = True, timeout: float = 60, **kw) -> subprocess.CompletedProcess:
    return run(["ip", "netns", "exec", ns] + cmd, check=check, timeout=timeout, **kw)


_libc = ctypes.CDLL(None, use_errno=True)
_ns_lock = threading.RLock()


@contextmanager
def in_netns(ns: str):
    """The calling thread in network namespace `ns` for the block (sockets
    created inside stay in it). Serialized: one namespace switch at a time."""
    with _ns_lock:
        home = os.open(f"/proc/thread-self/ns/net", os.O_RDONLY)
        try:
            target = os.open(f"/run/netns/{ns}", os.O_RDONLY)
            try:
                if _libc.setns(target, CLONE_NEWNET) != 0:
                    e = ctypes.get_errno()
                    raise OSError(e, f"setns {ns}: {os.strerror(e)}")
            finally:
                os.close(target)
            try:
                yield
            finally:
                if _libc.setns(home, CLONE_NEWNET) != 0:
                    # Cannot happen for a root process; never go on in the wrong namespace.
                    os._exit(99)
        finally:
            os.close(home)


def end_process(proc: subprocess.Popen, sig: int = signal.SIGTERM, grace: float = 15) -> None:
    """Ends a process the test started, by its PID: `sig`, then SIGKILL
    if it is still there after `grace` seconds."""
    if proc.poll() is None:
        os.kill(proc.pid, sig)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)


def wait_until(pred: Callable[[], object], timeout: float, step: float = 0.1, what: str = "condition"):
    """pred()'s first truthy value within `timeout` seconds, else AssertionError."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(step)


# ---------------------------------------------------------------------------
# The test network


class Net:
    """Two namespaces A and B joined by vethA (in A) <-> vethB (in B).

    A: 198.18.0.1/24, fd00:e2e::1/64; B: 198.18.0.2/24, fd00:e2e::2/64.
    Static (permanent) neighbour entries on both sides, IPv6 addresses with
    nodad, no link-local address (addrgenmode none), no router
    solicitations, no RA: after the initial MLD reports the link is silent,
    so every frame on it is one the test sent.
    """

    A4, B4 = "198.18.0.1", "198.18.0.2"
    A6, B6 = "fd00:e2e::1", "fd00:e2e::2"
    # On-link but nobody's: A drops frames to these silently (forwarding is
    # off in a new namespace; with forwarding off neither IPv4 nor IPv6 answers
    # with an ICMP error for an on-link destination that is not local).
    OTHER4, OTHER6 = "198.18.0.99", "fd00:e2e::99"
    MAC_A, MAC_B = "02:e2:e0:00:00:0a", "02:e2:e0:00:00:0b"
    IF_A, IF_B = "vethA", "vethB"

    def __init__(self) -> None:
        n = unique()
        self.a = f"pkle2e-a-{PID}-{n}"
        self.b = f"pkle2e-b-{PID}-{n}"
        self._tokens: list[int] = []

    def __enter__(self) -> "Net":
        self.setup()
        return self

    def __exit__(self, *exc) -> None:
        self.teardown()

    def setup(self) -> None:
        for ns in (self.a, self.b):
            run(["ip", "netns", "add", ns])
            self._tokens.append(CLEANUP.add(f"delete netns {ns}", lambda ns=ns: delete_netns(ns)))
            run(["ip", "-n", ns, "link", "set", "lo", "up"])
        run(["ip", "link", "add", self.IF_A, "netns", self.a, "address", self.MAC_A, "type", "veth",
             "peer", "name", self.IF_B, "netns", self.b, "address", self.MAC_B])
        for ns, dev, v4, v6, peer4, peer6, peer_mac in (
            (self.a, self.IF_A, self.A4, self.A6, self.B4, self.B6, self.MAC_B),
            (self.b, self.IF_B, self.B4, self.B6, self.A4, self.A6, self.MAC_A),
        ):
            quiet_ipv6(ns, dev)
            run(["ip", "-n", ns, "addr", "add", f"{v4}/24", "dev", dev])
            run(["ip", "-n", ns, "addr", "add", f"{v6}/64", "dev", dev, "nodad"])
            run(["ip", "-n", ns, "link", "set", dev, "up"])
            for addr in (peer4, peer6):
                run(["ip", "-n", ns, "neigh", "replace", addr, "lladdr", peer_mac, "nud", "permanent",
                     "dev", dev])

    def teardown(self) -> None:
        for t in reversed(self._tokens):
            CLEANUP.run(t)
        self._tokens.clear()

    def counters(self) -> dict:
        """vethA's kernel counters: {'rx': {'packets', 'bytes', ...}, 'tx': {...}}."""
        return link_counters(self.a, self.IF_A)

    def wait_quiet(self, quiet_for: float = 1.5, timeout: float = 20) -> dict:
        """Waits until vethA's counters stayed unchanged for `quiet_for`
        seconds (the MLD reports after setup are over); returns them."""
        deadline = time.monotonic() + timeout
        last = self.counters()
        since = time.monotonic()
        while True:
            time.sleep(0.25)
            cur = self.counters()
            if cur != last:
                last, since = cur, time.monotonic()
            elif time.monotonic() - since >= quiet_for:
                return cur
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.IF_A} in {self.a} did not become quiet within {timeout} s")


def quiet_ipv6(ns: str, dev: str) -> None:
    """No link-local address, no DAD, no RS, no RA, (MLD reports still go out once, right after setup)."""
    run(["ip", "-n", ns, "link", "set", dev, "addrgenmode", "none"])
    for key, value in (("accept_ra", 0), ("router_solicitations", 0), ("accept_dad", 0),
                       ("dad_transmits", 0)):
        ns_run(ns, ["sysctl", "-qw", f"net.ipv6.conf.{dev}.{key}={value}"])


def delete_netns(ns: str) -> None:
    if os.path.exists(f"/run/netns/{ns}"):
        run(["ip", "netns", "del", ns], check=False)


def link_counters(ns: str, dev: str) -> dict:
    out = run(["ip", "-n", ns, "-s", "-j", "link", "show", "dev", dev]).stdout
    st = json.loads(out)[0]["stats64"]
    return {d: {"packets": st[d]["packets"], "bytes": st[d]["bytes"]} for d in ("rx", "tx")}


def tc_show(ns: str, args: list[str]) -> str:
    return ns_run(ns, ["tc"] + args).stdout


def tcx_query_tool() -> str:
    """tests/support/tcx_query.cpp, built."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.join(os.environ.get("PKTLENS_BUILD_DIR", os.path.join(root, "build")),
                        "tests", "pktlens_test_tcx_query")


def tcx_programs(ns: str, dev: str, direction: str) -> list[str]:
    """Lines "tcx DIRECTION id N name NAME", one per program on DEV's tcx
    hook (tests/support/tcx_query.cpp); [] on a kernel without tcx."""
    tool = tcx_query_tool()
    p = ns_run(ns, [tool, dev], check=False)
    if p.returncode == 2:
        return []
    if p.returncode != 0:
        raise RuntimeError(f"{tool} {dev}: {p.stderr.strip()}")
    return [l for l in p.stdout.splitlines() if l.startswith(f"tcx {direction} ")]


def kernel_has_tcx(ns: str) -> bool:
    """Whether the kernel has tcx hooks (Linux >= 6.6), where pktlensd
    attaches its TC programs as tcx links rather than clsact filters."""
    return ns_run(ns, [tcx_query_tool(), "lo"], check=False).returncode == 0


# A pktlensd prefix that makes it attach clsact filters where the kernel has
# tcx hooks (the path of kernels before 6.6).
CLSACT = ["env", "PKTLENS_FORCE_FALLBACK=tcx"]


def detach_tcx_links(ns: str, dev: str, pin_dir: str) -> None:
    """`bpftool link detach` of pktlensd's tcx links on dev, through their
    pins (bpf/tcx_link.hpp), as an operator would remove them."""
    ifindex = json.loads(ns_run(ns, ["ip", "-j", "link", "show", "dev", dev]).stdout)[0]["ifindex"]
    for direction in ("ingress", "egress"):
        run(["bpftool", "link", "detach", "pinned", f"{pin_dir}/link_tcx_{direction}_{ifindex}"])


def pktlens_filters(ns: str, dev: str, direction: str) -> list[str]:
    """What sits at DIRECTION of DEV where pktlens attaches: the lines of
    `tc filter show dev DEV DIRECTION` that describe a filter (those with a
    handle: pktlens's carry handle 0x706b), and the programs on the tcx
    hook (pktlens's links, where the kernel has tcx)."""
    filters = [l for l in tc_show(ns, ["filter", "show", "dev", dev, direction]).splitlines() if " handle " in l]
    return filters + tcx_programs(ns, dev, direction)


def filter_ids(ns: str, dev: str = Net.IF_A) -> list[str]:
    """The program ids of pktlens's programs (ingress, egress) on dev: its
    filters' or its tcx links'."""
    ids = []
    for direction in ("ingress", "egress"):
        lines = [l for l in pktlens_filters(ns, dev, direction) if "handle 0x706b" in l or l.startswith("tcx ")]
        ids.append(re.search(r" id (\d+) ", lines[0]).group(1) if len(lines) == 1 else f"{len(lines)} filters")
    return ids


def has_clsact(ns: str, dev: str) -> bool:
    return "clsact" in tc_show(ns, ["qdisc", "show", "dev", dev])


def xdp_attached(ns: str, dev: str) -> str:
    """The `prog/xdp ...` part of `ip link show`, or ''."""
    out = run(["ip", "-n", ns, "link", "show", "dev", dev]).stdout
    m = re.search(r"prog/xdp id \d+", out)
    return m.group(0) if m else ""


# ---------------------------------------------------------------------------
# Frames


class Sender:
    """An AF_PACKET socket on an interface of a namespace: frames go out
    exactly as given (no padding on a veth)."""

    def __init__(self, ns: str, dev: str) -> None:
        with in_netns(ns):
            self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
            self.sock.bind((dev, 0))

    def send(self, frames: Iterable[bytes]) -> int:
        n = 0
        for f in frames:
            sent = self.sock.send(f)
            if sent != len(f):
                raise AssertionError(f"AF_PACKET sent {sent} of {len(f)} bytes")
            n += 1
        return n

    def close(self) -> None:
        self.sock.close()


# ---------------------------------------------------------------------------
# sd_notify


class NotifySocket:
    """A unix datagram socket standing in for systemd's NOTIFY_SOCKET."""

    def __init__(self) -> None:
        self.path = tmp_path(f"notify-{unique()}.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages: list[str] = []
        self._lock = threading.Lock()
        self._stop = False
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self.messages.append(data.decode(errors="replace"))

    def snapshot(self) -> list[str]:
        with self._lock:
            return list(self.messages)

    def wait_for(self, pred: Callable[[str], bool], timeout: float, what: str, alive=None) -> str:
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            msgs = self.snapshot()
            for m in msgs[seen:]:
                if pred(m):
                    return m
            seen = len(msgs)
            if alive is not None and not alive():
                raise AssertionError(f"pktlensd exited while waiting for {what}; notify messages: {msgs}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} within {timeout} s; notify messages: {msgs}")
            time.sleep(0.05)

    def close(self) -> None:
        self._stop = True
        self._thread.join(2)
        self.sock.close()
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


# ---------------------------------------------------------------------------
# pktlensd


BPF_FS_MAGIC = 0xCAFE4A11


def is_bpffs(path: str) -> bool:
    """Whether `path` is on a BPF filesystem (statfs f_type, as pktlensd checks)."""
    return _statfs_type(path) == BPF_FS_MAGIC


class _Statfs(ctypes.Structure):
    # struct statfs on 64-bit Linux: f_type first, the rest is not read.
    _fields_ = [("f_type", ctypes.c_long), ("_rest", ctypes.c_byte * 256)]


def _statfs_type(path: str) -> int:
    st = _Statfs()
    if _libc.statfs(os.fsencode(path), ctypes.byref(st)) != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"statfs {path}: {os.strerror(e)}")
    return st.f_type & 0xFFFFFFFF


class BpfFs:
    """A BPF filesystem instance of its own, mounted on a fresh temporary
    directory in this (the host's) mount namespace, so pktlensd entered
    into a network namespace with `nsenter --net` sees it; `pin_dir` is
    the --bpf-pin-dir inside it (pktlensd requires its parent to be a
    bpffs). close() unmounts it (the pinned maps go with the instance) and
    removes the directory; registered in CLEANUP, so it happens on
    failure and at exit too."""

    def __init__(self) -> None:
        self.mountpoint = tmp_path(f"bpffs-{unique()}")
        os.mkdir(self.mountpoint)
        os.chmod(self.mountpoint, 0o755)
        self._token = CLEANUP.add(f"unmount {self.mountpoint}", self._unmount)
        run(["mount", "-t", "bpf", "bpf", self.mountpoint])
        if not is_bpffs(self.mountpoint):
            raise AssertionError(f"mount -t bpf on {self.mountpoint} gave no BPF filesystem")
        self.pin_dir = os.path.join(self.mountpoint, "pktlens")

    def _unmount(self) -> None:
        if os.path.ismount(self.mountpoint):
            p = run(["umount", self.mountpoint], check=False)
            if p.returncode != 0:
                # Busy (a pktlensd still holds the pin dir open): detach it;
                # the instance goes when its last user does.
                run(["umount", "--lazy", self.mountpoint])
        os.rmdir(self.mountpoint)

    def close(self) -> None:
        CLEANUP.run(self._token)


def new_pin_dir() -> BpfFs:
    """A --bpf-pin-dir on a bpffs instance of its own (BpfFs.pin_dir)."""
    return BpfFs()


def write_config(text: str) -> str:
    path = tmp_path(f"pktlens-{unique()}.yaml")
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o644)
    return path


class Pktlensd:
    """One pktlensd process inside a namespace, stderr to a file, optionally
    with NOTIFY_SOCKET. Killed by PID at cleanup if still running."""

    def __init__(self, binary: str, ns: str, config: str, pin_dir: str, args: Iterable[str] = (),
                 notify: bool = True, prefix: Iterable[str] = ()) -> None:
        self.ns = ns
        self.log_path = tmp_path(f"pktlensd-{unique()}.log")
        self.notify = NotifySocket() if notify else None
        env = dict(os.environ)
        env.pop("NOTIFY_SOCKET", None)
        env.pop("JOURNAL_STREAM", None)
        if self.notify:
            env["NOTIFY_SOCKET"] = self.notify.path
        self.cmd = in_ns_cmd(ns) + list(prefix) + [
            binary, "--config", config, "--bpf-pin-dir", pin_dir] + list(args)
        self._log = open(self.log_path, "w")
        # nsenter execs the command (no fork without --pid): the PID is pktlensd's.
        self.proc = subprocess.Popen(self.cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=self._log, env=env)
        self.pid = self.proc.pid
        self._token = CLEANUP.add(f"kill pktlensd {self.pid}", self._reap)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_ready(self, timeout: float = 30) -> str:
        assert self.notify, "started without NOTIFY_SOCKET"
        return self.notify.wait_for(lambda m: "READY=1" in m.split("\n"), timeout, "READY=1",
                                    alive=self.alive)

    def wait_exit(self, timeout: float = 30) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"pktlensd (PID {self.pid}) still running after {timeout} s; log:\n{self.log()}")

    def terminate(self, timeout: float = 30) -> int:
        if self.alive():
            os.kill(self.pid, signal.SIGTERM)
        return self.wait_exit(timeout)

    def sigkill(self) -> int:
        if self.alive():
            os.kill(self.pid, signal.SIGKILL)
        return self.wait_exit(10)

    def log(self) -> str:
        self._log.flush()
        with open(self.log_path) as f:
            return f.read()

    def rss_kib(self) -> int:
        return vm_rss_kib(self.pid)

    def threads(self) -> int:
        return len(os.listdir(f"/proc/{self.pid}/task"))

    def _reap(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait(10)
        self._log.close()
        if self.notify:
            self.notify.close()

    def close(self) -> None:
        CLEANUP.run(self._token)


def vm_rss_kib(pid: int) -> int:
    """The resident memory of process `pid`, in KiB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def in_ns_cmd(ns: str) -> list[str]:
    """The prefix that runs pktlensd inside network namespace `ns`.

    Not `ip netns exec`: that also mounts a fresh sysfs of the namespace on
    /sys in a private mount namespace of its own, and a private mount
    namespace is what the pin dirs must not be in. `nsenter --net` changes
    the network namespace only: pktlensd sees A's interfaces (it lists them
    over netlink) and A's loopback, and the mounts of the test's own mount
    namespace, among them the bpffs of its pin dir (BpfFs), which stays
    when pktlensd exits, so pinned counters survive a restart."""
    return ["nsenter", f"--net=/run/netns/{ns}", "--"]


def run_pktlensd(binary: str, ns: str, args: list[str], prefix: Iterable[str] = (),
                 timeout: float = 60) -> subprocess.CompletedProcess:
    """A pktlensd that is expected to exit by itself (errors, dump)."""
    env = dict(os.environ)
    env.pop("NOTIFY_SOCKET", None)
    env.pop("JOURNAL_STREAM", None)
    p = subprocess.Popen(in_ns_cmd(ns) + list(prefix) + [binary] + args,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True, env=env)
    token = CLEANUP.add(f"kill pktlensd {p.pid}", lambda: (p.poll() is None and p.kill(), p.wait()))
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        CLEANUP.run(token)
        raise AssertionError(f"pktlensd {' '.join(args)} did not exit within {timeout} s")
    CLEANUP.run(token)
    return subprocess.CompletedProcess(p.args, p.returncode, out, err)


# ---------------------------------------------------------------------------
# Scrapes


def scrape(ns: str, port: int) -> str:
    p = ns_run(ns, ["curl", "-sS", "--max-time", "10", f"http://127.0.0.1:{port}/metrics"], check=False)
    if p.returncode != 0:
        raise AssertionError(f"scraping 127.0.0.1:{port} in {ns} failed: {p.stderr.strip()}")
    return p.stdout


_LINE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?\s*')


class Metrics:
    """A parsed scrape: samples by (name, frozenset of labels)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.samples: dict[tuple[str, frozenset], float] = {}
        for line in text.splitlines():
            if not line or line.startswith("#"):
                continue
            m = _LINE.match(line)
            if not m:
                raise AssertionError(f"unparsable metrics line: {line!r}")
            labels = {}
            if m.group(2):
                pos = 0
                body = m.group(2)
                while pos < len(body):
                    lm = _LABEL.match(body, pos)
                    if not lm:
                        raise AssertionError(f"unparsable labels in {line!r}")
                    labels[lm.group(1)] = re.sub(r"\\(.)", lambda x: {"n": "\n"}.get(x.group(1), x.group(1)),
                                                 lm.group(2))
                    pos = lm.end()
            self.samples[(m.group(1), frozenset(labels.items()))] = float(m.group(3))

    def series(self, name: str, **match: str) -> dict[frozenset, float]:
        """Samples of `name` whose labels include `match`."""
        want = set(match.items())
        return {k[1]: v for k, v in self.samples.items() if k[0] == name and want <= k[1]}

    def get(self, name: str, **match: str) -> float:
        """The sum of the samples of `name` matching `match` (0 if none)."""
        return sum(self.series(name, **match).values())

    def has(self, name: str, **match: str) -> bool:
        return bool(self.series(name, **match))


def by(series: dict[frozenset, float], *keys: str) -> dict[tuple, float]:
    """Samples summed by the given label names."""
    out: dict[tuple, float] = {}
    for labels, v in series.items():
        d = dict(labels)
        k = tuple(d.get(x, "") for x in keys)
        out[k] = out.get(k, 0) + v
    return out


def delta(after: dict, before: dict) -> dict:
    """after - before per key; keys with delta 0 are dropped."""
    out = {}
    for k in set(after) | set(before):
        d = after.get(k, 0) - before.get(k, 0)
        if d:
            out[k] = d
    return out


class FlowWatcher:
    """Scrapes every `every` seconds in a thread and keeps, per flow series
    (labels), the last value seen.

    pktlensd exports a flow only while it is in the top-K of the last
    collection interval, and the top-K ranks only flows that moved in that
    interval: a flow's series is present in exactly one collection after its
    last packet (the first collection to read the map after that packet),
    whose values are then complete; after that it is gone. So the last value
    seen for a flow is its final count, provided each published collection
    is scraped at least once: an interval is >= 1 s and this scrapes every
    0.1 s.
    """

    def __init__(self, ns: str, port: int, every: float = 0.1) -> None:
        self.ns, self.port, self.every = ns, port, every
        self.last: dict[tuple[str, frozenset], float] = {}
        self.scrapes = 0
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                m = Metrics(scrape(self.ns, self.port))
                for (name, labels), v in m.samples.items():
                    if name in ("pktlens_flow_packets_total", "pktlens_flow_bytes_total"):
                        self.last[(name, labels)] = v
                self.scrapes += 1
            except Exception as e:
                self.errors.append(str(e))
            self._stop.wait(self.every)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(15)

    def flow(self, **labels: str) -> tuple[float | None, float | None]:
        key = frozenset(labels.items())
        return (self.last.get(("pktlens_flow_packets_total", key)),
                self.last.get(("pktlens_flow_bytes_total", key)))

    def flows(self) -> list[dict]:
        return [dict(k[1]) for k in self.last if k[0] == "pktlens_flow_packets_total"]


def promtool_check(text: str) -> subprocess.CompletedProcess:
    return subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True,
                          timeout=60)


# ---------------------------------------------------------------------------
# The daemon under test, its configuration, shared traffic


PKTLENSD = ""  # the pktlensd under test: set by main() from argv (or $PKTLENSD)
PORT = 19586  # in A's own network namespace: no clash with anything outside it
TCP_PORT = 5555
IF = Net.IF_A

# Exit status of main() when every selected test was skipped (the kernel
# lacks what they need): CTest's SKIP_RETURN_CODE for the e2e tests.
SKIP_EXIT = 77


def pktlensd() -> str:
    """The pktlensd under test (an absolute path, set by main())."""
    return PKTLENSD


def config(interfaces=(IF,), attach="tc", interval="1s", flows: bool = True, extra: str = "",
           listen: str = f"127.0.0.1:{PORT}") -> str:
    """A config file for pktlensd in A: `interfaces` (names, or a YAML value
    as text: "all", "{include: [...]}"), listening on `listen`
    (127.0.0.1:PORT unless said), the flow settings the scenarios count on
    (unless flows=False: the product's), then `extra` (YAML sections)."""
    value = interfaces if isinstance(interfaces, str) else f"[{', '.join(interfaces)}]"
    return write_config(
        f"interfaces: {value}\n"
        f"attach: {attach}\n"
        f'listen: "{listen}"\n'
        f"interval: {interval}\n"
        + ("flows:\n"
           "  max_entries: 4096\n"
           "  top_k: 100\n"
           "  idle_timeout: 60s\n" if flows else "")
        + extra +
        "log_level: info\n")


# An in-daemon alert on a SYN flood against one destination (tcp_half_open).
SYN_FLOOD_ALERT = """alerts:
  - name: SynFlood
    signal: tcp_half_open
    by: [dst, dport]
    above: 100
    for: 2s
    clear_after: 2s
    severity: critical
    summary: "SYN flood against {{dst}}:{{dport}}"
"""
FLOOD_PORT = TCP_PORT


def tcp_exchange(net: Net, request: int = 700, response: int = 1200,
                 client_addr: str | None = None) -> int:
    """One real kernel TCP connection B -> A:TCP_PORT: B sends `request`
    bytes, A answers `response` bytes and closes, B reads to EOF and closes.
    `client_addr`: B's source address (else the kernel's choice). Returns
    B's (ephemeral) source port."""
    with in_netns(net.a):
        srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind((net.A4, TCP_PORT))
        srv.listen(1)
    srv.settimeout(20)
    errors: list[str] = []

    def serve():
        try:
            conn, _ = srv.accept()
            with conn:
                conn.settimeout(20)
                got = b""
                while len(got) < request:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    got += chunk
                if len(got) != request:
                    errors.append(f"server got {len(got)} of {request} bytes")
                conn.sendall(b"R" * response)
        except Exception as e:
            errors.append(f"server: {e}")

    t = threading.Thread(target=serve)
    t.start()
    try:
        with in_netns(net.b):
            cli = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        with cli:
            cli.settimeout(20)
            if client_addr:
                cli.bind((client_addr, 0))
            cli.connect((net.A4, TCP_PORT))
            port = cli.getsockname()[1]
            cli.sendall(b"Q" * request)
            got = b""
            while True:
                chunk = cli.recv(65536)
                if not chunk:
                    break
                got += chunk
            if len(got) != response:
                errors.append(f"client got {len(got)} of {response} bytes")
    finally:
        t.join(30)
        srv.close()
    if errors:
        raise AssertionError("TCP exchange failed: " + "; ".join(errors))
    return port


def listener(net: Net, port: int = FLOOD_PORT) -> socket.socket:
    """A listening TCP socket on A:port (the caller closes it)."""
    with in_netns(net.a):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((net.A4, port))
        s.listen(16)
    return s


# Frames are built with scapy, imported where first needed: the module
# itself (and CTest's configure step) needs no scapy.

TRUNCATED = 25


def truncated_frames(net: type[Net] | Net) -> list[bytes]:
    """TRUNCATED frames B -> A whose IPv4 header is cut at 19 bytes:
    anomaly kind truncated (one of test_e2e.py's mix)."""
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    frame = (bytes(Ether(src=net.MAC_B, dst=net.MAC_A, type=0x0800))
             + bytes(IP(src=net.B4, dst=net.OTHER4) / UDP())[:19])
    return [frame] * TRUNCATED


def spoofed_syns(n: int, dport: int) -> list[bytes]:
    """n SYNs from B's link to A:dport, each from its own source address and
    port in 198.19.0.0/16 (A has no route there: its SYN-ACKs are never
    sent, nothing leaves the namespaces)."""
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether
    frames = []
    for i in range(n):
        src = f"198.19.{(i >> 8) & 0xff}.{i & 0xff}"
        frames.append(bytes(Ether(src=Net.MAC_B, dst=Net.MAC_A) /
                            IP(src=src, dst=Net.A4) /
                            TCP(sport=1024 + i % 60000, dport=dport, flags="S", seq=i)))
    return frames


class Flood:
    """Sends `frames` from B in bursts, `per_second` a second, on its own
    thread; stops by itself when they are all sent, or after the burst
    under way when stop() is called."""

    def __init__(self, net: Net, frames: list[bytes], per_second: int) -> None:
        self.sent = 0
        self.error: Exception | None = None
        self._stop = threading.Event()
        self._sender = Sender(net.b, Net.IF_B)
        self._frames = frames
        self._burst = max(1, per_second // 20)
        self._thread = threading.Thread(target=self._run)
        self._thread.start()

    def _run(self) -> None:
        try:
            start = time.monotonic()
            for i in range(0, len(self._frames), self._burst):
                if self._stop.is_set():
                    break
                self.sent += self._sender.send(self._frames[i:i + self._burst])
                # Bursts 50 ms apart, on a fixed schedule.
                time.sleep(max(0.0, start + (i // self._burst + 1) * 0.05 - time.monotonic()))
        except Exception as e:  # reported by join()
            self.error = e

    def stop(self) -> int:
        """Ends the stream early; returns the frames sent."""
        self._stop.set()
        return self.join()

    def join(self) -> int:
        self._thread.join(120)
        self._sender.close()
        if self.error:
            raise self.error
        return self.sent


# ---------------------------------------------------------------------------
# Kernel features the scenarios need

_btf_tracing_refused: str | None = None
_btf_tracing_probed = False


def btf_tracing_refused() -> str | None:
    """Why this kernel cannot run pktlensd's BTF tracepoint programs
    (tp_btf), which it loads by default; None when it can, or when there is
    no probe to tell (then the tests run and fail if it cannot).

    The probe is tests/e2e/probe_tp_btf.bpf.c, built into the object named
    by $PKTLENS_E2E_PROBE (CTest sets it), loaded with `bpftool prog
    loadall` into a bpffs of its own. Only a refusal (EPERM: lockdown, or a
    kernel without BPF tracing) is a reason to skip; any other failure of
    the probe is an error."""
    global _btf_tracing_refused, _btf_tracing_probed
    if _btf_tracing_probed:
        return _btf_tracing_refused
    probe = os.environ.get("PKTLENS_E2E_PROBE", "")
    if probe:
        if not os.path.exists(probe):
            raise AssertionError(f"PKTLENS_E2E_PROBE={probe} does not exist (build the tests first)")
        fs = BpfFs()
        try:
            p = run(["bpftool", "prog", "loadall", probe, os.path.join(fs.mountpoint, "probe")],
                    check=False)
        finally:
            fs.close()
        if p.returncode != 0:
            out = (p.stdout + p.stderr).strip()
            if "Operation not permitted" not in out:
                raise AssertionError(f"the tp_btf probe {probe} failed to load:\n{out}")
            lockdown = ""
            try:
                with open("/sys/kernel/security/lockdown") as f:
                    lockdown = f" (lockdown: {f.read().strip()})"
            except OSError:
                pass
            said = next(line for line in out.splitlines() if "Operation not permitted" in line)
            _btf_tracing_refused = ("this kernel refuses BTF tracepoint (tp_btf) programs, which "
                                    f"count drops, retransmits and srtt{lockdown}: {said}")
    _btf_tracing_probed = True
    return _btf_tracing_refused


# ---------------------------------------------------------------------------
# The base class of every scenario, and the entry point of every test module


class E2E(unittest.TestCase):
    """A fresh Net per test (self.net), and helpers to run pktlensd in A
    on pin dirs of the test's own, wait for its collections and scrape it.
    Everything started is stopped and removed when the test ends."""

    maxDiff = None

    def setUp(self) -> None:
        self.net = Net()
        self.addCleanup(self.net.teardown)
        self.net.setup()

    def require_btf_tracing(self) -> None:
        """Skips a scenario that checks what pktlensd's tracepoint programs
        (tp_btf) count, with the reason, on a kernel that refuses them.
        pktlensd itself runs on there without those families (every other
        scenario checks that it does)."""
        reason = btf_tracing_refused()
        if reason:
            self.skipTest(reason)

    def pin(self) -> str:
        """A fresh --bpf-pin-dir on a bpffs instance of its own (BpfFs),
        unmounted when the test ends (and at exit)."""
        fs = new_pin_dir()
        self.addCleanup(fs.close)
        return fs.pin_dir

    def start(self, cfg: str, pin: str, **kw) -> Pktlensd:
        """pktlensd in A on `cfg` and `pin`; stopped when the test ends."""
        d = Pktlensd(PKTLENSD, self.net.a, cfg, pin, **kw)
        self.addCleanup(d.close)
        return d

    def ready(self, d: Pktlensd) -> str:
        """Waits for READY=1; returns that notify message."""
        try:
            return d.wait_ready()
        except AssertionError as e:
            raise AssertionError(f"{e}\npktlensd log:\n{d.log()}") from None

    def run_pktlensd(self, args: list[str], prefix: Iterable[str] = ()) -> subprocess.CompletedProcess:
        """A pktlensd in A that is expected to exit by itself."""
        return run_pktlensd(PKTLENSD, self.net.a, args, prefix=prefix)

    def collections(self, d: Pktlensd, n: int = 2, timeout: float = 30) -> None:
        """Waits until pktlensd reported (sd_notify STATUS=) n more completed
        collections: everything sent before this call is in its maps' reads."""
        start = len(d.notify.snapshot())
        wait_until(lambda: sum(1 for m in d.notify.snapshot()[start:] if m.startswith("STATUS=")) >= n
                   or not d.alive(), timeout, what=f"{n} collections")
        self.assertTrue(d.alive(), f"pktlensd exited; log:\n{d.log()}")

    def scrape_text(self) -> str:
        """GET /metrics of the pktlensd in A, as text."""
        return scrape(self.net.a, PORT)

    def scrape(self) -> Metrics:
        return Metrics(self.scrape_text())

    def assert_nothing_attached(self, dev: str = IF, clsact_too: bool = True) -> None:
        for direction in ("ingress", "egress"):
            self.assertEqual(pktlens_filters(self.net.a, dev, direction), [],
                             f"a TC {direction} filter is left on {dev}")
        if clsact_too:
            self.assertFalse(has_clsact(self.net.a, dev),
                             f"clsact qdisc left on {dev}: "
                             + run(["ip", "netns", "exec", self.net.a, "tc", "qdisc", "show", "dev", dev]).stdout)
        self.assertEqual(xdp_attached(self.net.a, dev), "", f"an XDP program is left on {dev}")

    def assert_one_filter_each(self, dev: str = IF) -> None:
        """pktlens's program, alone, at both directions of dev: a tcx link
        where the kernel has tcx hooks, else a clsact filter at its handle."""
        for direction in ("ingress", "egress"):
            lines = pktlens_filters(self.net.a, dev, direction)
            self.assertEqual(len(lines), 1, f"{dev} {direction}: expected exactly one filter, got {lines}")
            if lines[0].startswith("tcx "):
                self.assertIn(f"name tc_{direction}", lines[0], f"{dev} {direction}: not pktlens's program")
            else:
                self.assertIn("handle 0x706b", lines[0], f"{dev} {direction}: not pktlens's filter")


def main() -> None:
    """The entry point of every test module:

        test_X.py PATH/TO/pktlensd [unittest arguments: Class.test_name, -k PATTERN, ...]

    Runs the tests of the calling module (__main__); fails when none ran.
    Exits SKIP_EXIT when every test it ran was skipped, with the reasons
    printed (CTest reports that as a skip, neither a pass nor a failure)."""
    global PKTLENSD
    args = sys.argv[1:]
    if not args or args[0].startswith("-"):
        PKTLENSD = os.environ.get("PKTLENSD", "")
    else:
        PKTLENSD = args.pop(0)
    if not PKTLENSD or not os.access(PKTLENSD, os.X_OK):
        sys.exit(f"usage: {sys.argv[0]} PATH/TO/pktlensd [unittest options, e.g. Class.test_name or -k PATTERN]")
    PKTLENSD = os.path.abspath(PKTLENSD)
    if os.geteuid() != 0:
        sys.exit("the end-to-end tests need root (network namespaces, BPF)")
    prog = unittest.main(module="__main__", argv=[sys.argv[0]] + args, verbosity=2, exit=False)
    result = prog.result
    if result.testsRun == 0:
        sys.exit(f"no test matched {args}")
    if len(result.skipped) == result.testsRun and result.wasSuccessful():
        for test, reason in result.skipped:
            print(f"SKIP {test.id()}: {reason}", flush=True)
        sys.exit(SKIP_EXIT)
    sys.exit(0 if result.wasSuccessful() else 1)
