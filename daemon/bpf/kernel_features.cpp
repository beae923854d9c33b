// SPDX-License-Identifier: Apache-2.0
#include "bpf/kernel_features.hpp"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/capability.h>
#include <pktlens_flow_iter.skel.h>  // generated in the build tree
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "bpf/pin_dir.hpp"
#include "bpf/pinning.hpp"
#include "bpf/tcx_link.hpp"
#include "bpf/unique_fd.hpp"
#include "flow_iter.h"

namespace pktlens::bpf {
namespace {

// Older uapi headers lack the split-out BPF capabilities (Linux 5.8).
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

constexpr const char* kForcedDetail = "forced off by PKTLENS_FORCE_FALLBACK";
constexpr const char* kBtfPath = "/sys/kernel/btf/vmlinux";
constexpr const char* kLockdownPath = "/sys/kernel/security/lockdown";

std::string err_text(int err) { return std::strerror(err); }

using Fd = UniqueFd;

// capget(2) rather than libcap: two words of one syscall, no dependency.
uint64_t effective_capabilities() {
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (syscall(SYS_capget, &hdr, data) != 0) return 0;
  return (uint64_t{data[1].effective} << 32) | data[0].effective;
}

// "none [integrity] confidentiality" -> "integrity"; "unknown" when the
// file cannot be read (securityfs not mounted, or no lockdown LSM).
std::string read_lockdown() {
  std::ifstream in(kLockdownPath);
  std::string line;
  if (!in || !std::getline(in, line)) return "unknown";
  const auto open = line.find('['), close = line.find(']');
  if (open == std::string::npos || close == std::string::npos || close < open) return "unknown";
  return line.substr(open + 1, close - open - 1);
}

// The flow-table iterator (bpf/flow_iter.bpf.c), for real: load it, attach
// it to a small flow-shaped map of its own and read one record back. BTF
// tracing programs are refused by lockdown and by kernels without BTF for
// them; libbpf's type probe (libbpf_probe_bpf_prog_type) does not see the
// former, a load does. "" when it works, else what failed; `err` the errno.
std::string probe_iterator(int& err) {
  err = 0;
  struct SkelDestroy {
    void operator()(pktlens_flow_iter* s) const { pktlens_flow_iter::destroy(s); }
  };
  struct LinkDestroy {
    void operator()(bpf_link* l) const { bpf_link__destroy(l); }
  };
  std::unique_ptr<pktlens_flow_iter, SkelDestroy> skel(pktlens_flow_iter::open());
  if (!skel) return "opening the iterator object: " + err_text(errno);
  const int cpus = std::clamp(libbpf_num_possible_cpus(), 1, PKTLENS_ITER_MAX_CPUS);
  skel->rodata->cfg_cpus = static_cast<uint32_t>(cpus);
  if (const int rc = pktlens_flow_iter::load(skel.get()); rc != 0) {
    err = rc < 0 ? -rc : errno;
    return "the kernel refused the iterator program at load: " + err_text(err);
  }

  const Fd map(bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, "pktlens_probe",
                              sizeof(pktlens_flow_key), sizeof(pktlens_flow_val), 16, nullptr));
  if (map.get() < 0) return "creating a per-CPU hash map: " + err_text(errno);
  pktlens_flow_key key{};
  std::vector<uint8_t> vals(PKTLENS_FLOW_VAL_STRIDE * static_cast<size_t>(cpus));
  pktlens_flow_val one{};
  one.packets = 1;
  one.last_seen_ns = 1;
  std::memcpy(vals.data(), &one, sizeof one);
  if (bpf_map_update_elem(map.get(), &key, vals.data(), BPF_ANY) != 0)
    return "writing the probe map: " + err_text(errno);

  union bpf_iter_link_info info {};
  info.map.map_fd = static_cast<uint32_t>(map.get());
  LIBBPF_OPTS(bpf_iter_attach_opts, opts, .link_info = &info, .link_info_len = sizeof info);
  std::unique_ptr<bpf_link, LinkDestroy> link(
      bpf_program__attach_iter(skel->progs.flow_iter, &opts));
  if (!link) {
    err = errno;
    return "the kernel refused to attach the iterator to a map: " + err_text(err);
  }
  const Fd iter(bpf_iter_create(bpf_link__fd(link.get())));
  if (iter.get() < 0) return "creating an iterator: " + err_text(errno);
  pktlens_flow_rec rec[2];
  size_t got = 0;
  for (ssize_t n; (n = read(iter.get(), reinterpret_cast<char*>(rec) + got,
                            sizeof rec - got)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      return "reading the iterator: " + err_text(errno);
    }
    got += static_cast<size_t>(n);
    if (got == sizeof rec) break;
  }
  if (got != sizeof(pktlens_flow_rec) || rec[0].packets != 1)
    return "the iterator read back " + std::to_string(got) + " bytes, not the one record written";
  return "";
}

// A BPF_F_MMAPABLE array, mmap-ed and written through the mapping, read
// back with a lookup. "" when it works.
std::string probe_mmapable() {
  const long page = sysconf(_SC_PAGESIZE);
  const uint32_t entries = static_cast<uint32_t>(page / 8);
  LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_MMAPABLE);
  const Fd map(bpf_map_create(BPF_MAP_TYPE_ARRAY, "pktlens_probe", 4, 8, entries, &o));
  if (map.get() < 0) return "creating a BPF_F_MMAPABLE array: " + err_text(errno);
  void* a = mmap(nullptr, static_cast<size_t>(page), PROT_READ | PROT_WRITE, MAP_SHARED,
                 map.get(), 0);
  if (a == MAP_FAILED) return "mmap of the array: " + err_text(errno);
  static_cast<volatile uint64_t*>(a)[1] = 0x706b;
  munmap(a, static_cast<size_t>(page));
  const uint32_t key = 1;
  uint64_t v = 0;
  if (bpf_map_lookup_elem(map.get(), &key, &v) != 0) return "looking up: " + err_text(errno);
  if (v != 0x706b) return "a write through the mapping did not reach the map";
  return "";
}

// BPF_MAP_LOOKUP_BATCH over a small hash map of three elements. "" when it
// works.
std::string probe_batch() {
  const Fd map(bpf_map_create(BPF_MAP_TYPE_HASH, "pktlens_probe", 4, 8, 8, nullptr));
  if (map.get() < 0) return "creating a hash map: " + err_text(errno);
  for (uint32_t k = 1; k <= 3; k++) {
    const uint64_t v = k * 10;
    if (bpf_map_update_elem(map.get(), &k, &v, BPF_ANY) != 0)
      return "writing the hash map: " + err_text(errno);
  }
  uint32_t keys[8], out = 0, count = 8;
  uint64_t vals[8];
  LIBBPF_OPTS(bpf_map_batch_opts, bo);
  const int rc = bpf_map_lookup_batch(map.get(), nullptr, &out, keys, vals, &count, &bo);
  if (rc != 0 && errno != ENOENT) return "BPF_MAP_LOOKUP_BATCH: " + err_text(errno);
  if (count != 3) return "BPF_MAP_LOOKUP_BATCH returned " + std::to_string(count) + " of 3 elements";
  for (uint32_t i = 0; i < count; i++)
    if (vals[i] != keys[i] * 10) return "BPF_MAP_LOOKUP_BATCH returned a wrong value";
  return "";
}

// BPF_MAP_LOOKUP_AND_DELETE_ELEM on a per-CPU hash of one element, each
// CPU's value distinct: the values come back and the element is gone. ""
// when it works.
std::string probe_lookup_and_delete() {
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return "counting the possible CPUs: " + err_text(-cpus);
  const Fd map(bpf_map_create(BPF_MAP_TYPE_PERCPU_HASH, "pktlens_probe", 4, 8, 4, nullptr));
  if (map.get() < 0) return "creating a per-CPU hash map: " + err_text(errno);
  const uint32_t key = 1;
  std::vector<uint64_t> in(static_cast<size_t>(cpus)), out(static_cast<size_t>(cpus));
  for (size_t c = 0; c < in.size(); c++) in[c] = c + 7;
  if (bpf_map_update_elem(map.get(), &key, in.data(), BPF_ANY) != 0)
    return "writing the per-CPU hash map: " + err_text(errno);
  if (bpf_map_lookup_and_delete_elem(map.get(), &key, out.data()) != 0)
    return "BPF_MAP_LOOKUP_AND_DELETE_ELEM: " + err_text(errno);
  if (out != in) return "BPF_MAP_LOOKUP_AND_DELETE_ELEM returned other values";
  if (bpf_map_lookup_elem(map.get(), &key, out.data()) == 0 || errno != ENOENT)
    return "BPF_MAP_LOOKUP_AND_DELETE_ELEM left the element in the map";
  return "";
}

// A trial mount of a bpffs at /sys/fs/bpf in a private mount namespace of a
// forked child: what pktlensd would do at start, without leaving a mount
// behind. The child only makes system calls. 0 when it worked, else errno.
int trial_mount() {
  struct stat st {};
  if (stat(kBpffsRoot, &st) != 0) return errno;  // pktlensd would mkdir; the trial does not
  const pid_t pid = fork();
  if (pid < 0) return errno;
  if (pid == 0) {
    if (unshare(CLONE_NEWNS) != 0) _exit(errno);
    if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) _exit(errno);
    if (mount("bpffs", kBpffsRoot, "bpf", 0, "mode=0700") != 0) _exit(errno);
    _exit(0);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return errno;
  return WIFEXITED(status) ? WEXITSTATUS(status) : ECHILD;
}

std::string hex(unsigned long v) {
  std::ostringstream o;
  o << "0x" << std::hex << v;
  return o.str();
}

// Empty when the kernel has tcx hooks (Linux >= 6.6): a query of the
// loopback's tcx ingress, which attaches nothing; else what it answered.
std::string probe_tcx() {
  uint32_t count = 0;
  // Loopback is ifindex 1 in every network namespace.
  const auto type = static_cast<bpf_attach_type>(kTcxIngressAttach);
  if (bpf_prog_query(1, type, 0, nullptr, nullptr, &count) == 0) return "";
  const int err = errno;
  if (err == EINVAL) return "the kernel has no tcx hooks (BPF_PROG_QUERY: EINVAL)";
  return std::string("querying the loopback's tcx hook failed: ") + std::strerror(err);
}

FeatureCheck forced(std::string_view name, std::string meaning) {
  return FeatureCheck{std::string(name), false, kForcedDetail, std::move(meaning),
                      "unset PKTLENS_FORCE_FALLBACK"};
}

void add_capability(KernelFeatures& f, uint64_t caps, std::string_view name, int cap,
                    const std::string& has, const std::string& lacks, const std::string& fix) {
  const bool ok = (caps >> cap) & 1;
  f.checks.push_back(FeatureCheck{std::string(name), ok, ok ? "effective" : "not effective",
                                  ok ? has : lacks, ok ? "" : fix});
}

}  // namespace

ForcedFallback parse_forced_fallback(std::string_view value) {
  ForcedFallback f;
  while (!value.empty()) {
    const auto comma = value.find(',');
    std::string_view word = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view{} : value.substr(comma + 1);
    while (!word.empty() && word.front() == ' ') word.remove_prefix(1);
    while (!word.empty() && word.back() == ' ') word.remove_suffix(1);
    if (word.empty()) continue;
    if (word == "all") {
      f.tracing = f.mmap = f.batch = f.lookup_delete = f.tcx = true;
    } else if (word == "tracing") {
      f.tracing = true;
    } else if (word == "mmap") {
      f.mmap = true;
    } else if (word == "batch") {
      f.batch = true;
    } else if (word == "delete") {
      f.lookup_delete = true;
    } else if (word == "tcx") {
      f.tcx = true;
    } else {
      f.unknown.emplace_back(word);
    }
  }
  return f;
}

const FeatureCheck* find_check(const KernelFeatures& f, std::string_view name) {
  for (const auto& c : f.checks)
    if (c.name == name) return &c;
  return nullptr;
}

KernelFeatures probe_kernel_features(const std::string& pin_dir) {
  KernelFeatures f;
  const char* env = std::getenv(kForceFallbackEnv);
  const ForcedFallback force = parse_forced_fallback(env ? env : "");
  const uint64_t caps = effective_capabilities();
  f.lockdown = read_lockdown();

  // BTF: without it nothing loads.
  std::error_code ec;
  f.btf = std::filesystem::exists(kBtfPath, ec);
  f.checks.push_back(FeatureCheck{
      std::string(kCheckBtf), f.btf,
      f.btf ? std::string(kBtfPath) + " present" : std::string(kBtfPath) + " missing",
      f.btf ? "the programs load with CO-RE; drop reasons are named from the kernel's BTF"
            : "pktlensd cannot run: its programs need the kernel's BTF",
      f.btf ? "" : "boot a kernel built with CONFIG_DEBUG_INFO_BTF=y (Debian's are, Linux >= 5.11)"});

  // bpffs at the pin dir, and whether pktlensd could mount one.
  const BpffsState state = bpffs_state(pin_dir);
  f.bpffs = state.mounted;
  const bool ours = under_bpffs_root(pin_dir);
  if (f.bpffs) {
    f.checks.push_back(FeatureCheck{std::string(kCheckBpffs), true,
                                    state.existing + " is a BPF filesystem",
                                    "maps are pinned in " + pin_dir +
                                        ": counters continue across restarts",
                                    ""});
    // Owner and mode, as pktlensd checks them at start (bpf/pin_dir.hpp).
    const std::string problem = pin_dir_problem(pin_dir);
    f.checks.push_back(FeatureCheck{
        std::string(kCheckPinDir), problem.empty(),
        problem.empty() ? pin_dir + " is missing or private to uid " + std::to_string(geteuid())
                        : problem,
        problem.empty() ? "pktlensd creates it with mode 0700 or uses it"
                        : "pktlensd refuses to start: others could delete or replace its maps",
        ""});
  } else {
    struct statfs st {};
    const std::string fs =
        statfs(state.existing.c_str(), &st) == 0 ? " (f_type " + hex(static_cast<unsigned long>(st.f_type)) + ")" : "";
    f.checks.push_back(FeatureCheck{
        std::string(kCheckBpffs), false,
        (state.existing.empty() ? pin_dir : state.existing) + " is not a BPF filesystem" + fs,
        ours ? "pktlensd mounts one at " + std::string(kBpffsRoot) + " at start, if it may"
             : "pktlensd refuses to start: maps cannot be pinned in " + pin_dir,
        ours ? std::string("nothing, or mount it yourself: `mount -t bpf bpf ") + kBpffsRoot + "`"
             : "`mkdir -p " + pin_dir + " && mount -t bpf bpf " + pin_dir +
                   "`, or a --bpf-pin-dir under " + kBpffsRoot});
    if (ours) {
      const int err = trial_mount();
      f.checks.push_back(FeatureCheck{
          std::string(kCheckBpffsMount), err == 0,
          err == 0 ? std::string("a trial mount at ") + kBpffsRoot +
                         " in a private mount namespace worked"
                   : std::string("a trial mount at ") + kBpffsRoot + " failed: " + err_text(err) +
                         (err == EPERM ? " (needs CAP_SYS_ADMIN)" : ""),
          err == 0 ? std::string("pktlensd mounts a BPF filesystem at ") + kBpffsRoot +
                         " at start and logs it"
                   : "pktlensd cannot start until a BPF filesystem is mounted",
          err == 0 ? "" : std::string("as root: `mount -t bpf bpf ") + kBpffsRoot + "`"});
    }
  }

  // BTF tracing programs: the flow-table iterator.
  const std::string tracing_off = "flows are read with parallel batch scans (same counts)";
  if (force.tracing) {
    f.checks.push_back(forced(kCheckTracing, tracing_off));
  } else {
    int err = 0;
    const std::string why = probe_iterator(err);
    f.tracing = why.empty();
    const bool locked = f.lockdown == "integrity" || f.lockdown == "confidentiality";
    // Root with CAP_SYS_ADMIN refused with EPERM: what a locked-down kernel
    // does when securityfs does not show it.
    const bool looks_locked = !locked && err == EPERM && ((caps >> CAP_SYS_ADMIN) & 1);
    f.checks.push_back(FeatureCheck{
        std::string(kCheckTracing), f.tracing,
        f.tracing ? "the flow-table iterator (iter/bpf_map_elem) loaded, attached and read back"
                  : why + " (lockdown=" + f.lockdown +
                        (looks_locked ? "; EPERM to a process with CAP_SYS_ADMIN: likely locked down" : "") +
                        ")",
        f.tracing ? "flows can be read by a BPF map iterator, summed in the kernel"
                  : tracing_off,
        f.tracing ? ""
        : locked || looks_locked
            ? "none needed; the iterator needs a kernel not locked down (lockdown=none)"
                  : "none needed; the iterator needs BTF tracing programs (Linux >= 5.9, not "
                    "locked down)"});
  }

  // mmapable arrays: the flow touch log.
  const std::string mmap_off = "no flow touch log: every cycle scans the whole flow table";
  if (force.mmap) {
    f.checks.push_back(forced(kCheckMmap, mmap_off));
  } else {
    const std::string why = probe_mmapable();
    f.mmapable = why.empty();
    f.checks.push_back(FeatureCheck{
        std::string(kCheckMmap), f.mmapable,
        f.mmapable ? "a BPF_F_MMAPABLE array was mapped, written and read back" : why,
        f.mmapable ? "the flow touch log is read through a mapping: steady cycles look up only "
                     "the flows touched"
                   : mmap_off,
        f.mmapable ? "" : "none needed; mmapable arrays need Linux >= 5.5"});
  }

  // Batch map operations.
  const std::string batch_off = "maps are read one element at a time: slower collections";
  if (force.batch) {
    f.checks.push_back(forced(kCheckBatch, batch_off));
  } else {
    const std::string why = probe_batch();
    f.batch_ops = why.empty();
    f.checks.push_back(FeatureCheck{
        std::string(kCheckBatch), f.batch_ops,
        f.batch_ops ? "BPF_MAP_LOOKUP_BATCH read a hash map" : why,
        f.batch_ops ? "maps are read in batches, flows by parallel scans of bucket ranges"
                    : batch_off,
        f.batch_ops ? "" : "none needed; batch operations need Linux >= 5.6"});
  }

  // Lookup and delete in one step: idle expiry and pressure eviction.
  const std::string delete_off =
      "flows are removed with a lookup, then a delete: a packet counted between the two is lost "
      "with its flow (it stays in the interface totals)";
  if (force.lookup_delete) {
    f.checks.push_back(forced(kCheckLookupDelete, delete_off));
  } else {
    const std::string why = probe_lookup_and_delete();
    f.lookup_and_delete = why.empty();
    f.checks.push_back(FeatureCheck{
        std::string(kCheckLookupDelete), f.lookup_and_delete,
        f.lookup_and_delete ? "BPF_MAP_LOOKUP_AND_DELETE_ELEM read and removed a per-CPU hash "
                              "element"
                            : why,
        f.lookup_and_delete ? "flows leave the table with their final counters in one step"
                            : delete_off,
        f.lookup_and_delete ? "" : "none needed; it needs Linux >= 5.14"});
  }

  // tcx hooks: TC programs attached as links, first on the hook.
  const std::string tcx_off =
      "TC programs are attached as clsact filters: the same counts, the classifier's cost on "
      "every packet";
  if (force.tcx) {
    f.checks.push_back(forced(kCheckTcx, tcx_off));
  } else {
    const std::string why = probe_tcx();
    f.tcx = why.empty();
    f.checks.push_back(FeatureCheck{
        std::string(kCheckTcx), f.tcx, f.tcx ? "the loopback's tcx ingress can be queried" : why,
        f.tcx ? "TC programs are attached as tcx links, pinned in the pin dir: no clsact qdisc, "
                "less cost per packet"
              : tcx_off,
        f.tcx ? "" : "none needed; tcx needs Linux >= 6.6"});
  }

  {
    const bool locked = f.lockdown == "integrity" || f.lockdown == "confidentiality";
    const bool known = f.lockdown != "unknown";
    f.checks.push_back(FeatureCheck{
        std::string(kCheckLockdown), !locked,
        known ? f.lockdown
              : std::string("unknown: ") + kLockdownPath +
                    " cannot be read (securityfs not mounted, or no lockdown LSM)",
        locked ? "BTF tracing programs (map iterators) are refused; TC, XDP and tracepoints work"
        : known ? "no restriction on BPF"
                : "if the kernel is locked down, the map iterators check shows it",
        locked ? "none needed (pktlens falls back); lockdown=none on the kernel command line "
                 "lifts it where Secure Boot allows"
               : ""});
  }

  const std::string as_root =
      "run as root, or through pktlens.service (CAP_BPF CAP_PERFMON CAP_NET_ADMIN)";
  const bool admin = (caps >> CAP_SYS_ADMIN) & 1;
  add_capability(f, caps, kCheckCapBpf, CAP_BPF, "load programs and create maps",
                 admin ? "CAP_SYS_ADMIN stands in for it" : "pktlensd cannot load its programs",
                 admin ? "" : as_root);
  add_capability(f, caps, kCheckCapPerfmon, CAP_PERFMON,
                 "the verifier accepts the pointer arithmetic of the parser",
                 admin ? "CAP_SYS_ADMIN stands in for it"
                       : "the verifier refuses the parser's pointer arithmetic",
                 admin ? "" : as_root);
  add_capability(f, caps, kCheckCapNetAdmin, CAP_NET_ADMIN, "attach TC filters and XDP programs",
                 "pktlensd cannot attach to interfaces", as_root);
  add_capability(f, caps, kCheckCapSysAdmin, CAP_SYS_ADMIN,
                 "mount a missing bpffs at /sys/fs/bpf; stands in for CAP_BPF and CAP_PERFMON",
                 "a missing bpffs cannot be mounted by pktlensd (pktlens.service does without)",
                 "");
  add_capability(f, caps, kCheckCapSysResource, CAP_SYS_RESOURCE, "raise RLIMIT_MEMLOCK",
                 "none: since Linux 5.11 BPF memory is charged to the memory cgroup, not "
                 "RLIMIT_MEMLOCK",
                 "");

  f.checks.push_back(FeatureCheck{std::string(kCheckXdp), true, "probed per interface, at attach",
                                  "native XDP where the driver supports it, else generic XDP "
                                  "with a warning (same counts, more cost per packet)",
                                  ""});

  if (env && *env) {
    std::string unknown;
    for (const auto& w : force.unknown) unknown += (unknown.empty() ? "" : ", ") + w;
    f.checks.push_back(FeatureCheck{
        kForceFallbackEnv, force.unknown.empty(),
        std::string("set to \"") + env + "\"" +
            (unknown.empty() ? "" : "; unknown: " + unknown),
        "features named in it are not probed and reported off (tests)",
        unknown.empty() ? "" : "use a comma list of tracing, mmap, batch, delete, tcx, or all"});
  }
  return f;
}

std::string KernelFeatures::summary_line() const {
  auto yn = [](bool b) { return b ? "yes" : "no"; };
  auto forced_note = [&](std::string_view name) {
    const FeatureCheck* c = find_check(*this, name);
    return c && c->detail == kForcedDetail ? " (forced)" : "";
  };
  std::string s = std::string("BTF ") + yn(btf) + ", bpffs " + yn(bpffs);
  if (!bpffs) {
    const FeatureCheck* m = find_check(*this, kCheckBpffsMount);
    s += m ? (m->ok ? " (mountable)" : " (not mountable)") : "";
  }
  s += std::string(", map iterators ") + yn(tracing) + forced_note(kCheckTracing) +
       ", mmapable arrays " + yn(mmapable) + forced_note(kCheckMmap) + ", batch map ops " +
       yn(batch_ops) + forced_note(kCheckBatch) + ", lookup and delete " + yn(lookup_and_delete) +
       forced_note(kCheckLookupDelete) + ", tcx " + yn(tcx) + forced_note(kCheckTcx) +
       ", lockdown " + lockdown;
  std::string has, lacks;
  for (auto name : {kCheckCapBpf, kCheckCapPerfmon, kCheckCapNetAdmin, kCheckCapSysAdmin,
                    kCheckCapSysResource}) {
    const FeatureCheck* c = find_check(*this, name);
    if (!c) continue;
    std::string& list = c->ok ? has : lacks;
    if (!list.empty()) list += ' ';
    list += name;
  }
  s += "; caps " + (has.empty() ? std::string("none") : has);
  if (!lacks.empty()) s += ", not " + lacks;
  return s;
}

}  // namespace pktlens::bpf
