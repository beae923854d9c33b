// SPDX-License-Identifier: Apache-2.0
// What this kernel and this process offer pktlens, probed once at start by
// trying each thing for real (a small load, map or mmap), not by version
// numbers: kernels differ by configuration and lockdown as much as by
// version. The collector picks its paths from the booleans; start-up logs
// them, and `pktlensd doctor` prints every check with what it means and how
// to fix it.
//
// The optional features can be forced off for tests with the environment
// variable PKTLENS_FORCE_FALLBACK, a comma list of `tracing`, `mmap`,
// `batch`, `delete`, `tcx` (or `all`): a forced check is not probed, and reports ok = false
// with detail "forced off by PKTLENS_FORCE_FALLBACK".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pktlens::bpf {

struct FeatureCheck {
  std::string name;     // one of the kCheck* names below
  bool ok;              // present / works
  std::string detail;   // what was found, e.g. the error the kernel returned
  std::string meaning;  // what it means for pktlens, as found
  std::string fix;      // how to get it; "" when ok or nothing to do
};

struct KernelFeatures {
  bool btf = false;        // /sys/kernel/btf/vmlinux: CO-RE programs can load
  bool bpffs = false;      // the pin dir is on a BPF filesystem now
  bool tracing = false;    // BTF tracing programs: the flow-table map iterator loads and runs
  bool mmapable = false;   // BPF_F_MMAPABLE arrays can be created and mmap-ed
  bool batch_ops = false;  // BPF_MAP_LOOKUP_BATCH works on a hash map
  // BPF_MAP_LOOKUP_AND_DELETE_ELEM works on a per-CPU hash (Linux 5.14)
  bool lookup_and_delete = false;
  bool tcx = false;  // tcx hooks (Linux 6.6): TC programs as links, without clsact
  std::string lockdown;              // none, integrity, confidentiality, or unknown
  std::vector<FeatureCheck> checks;  // every probe, in a fixed order (below)
  // One line, e.g. "BTF yes, bpffs no (mountable), map iterators no,
  // mmapable arrays yes, batch map ops yes, lockdown unknown; caps CAP_BPF
  // CAP_PERFMON CAP_NET_ADMIN CAP_SYS_ADMIN, not CAP_SYS_RESOURCE".
  std::string summary_line() const;
};

// Probes everything; never throws (a probe that fails says so in its check).
// Needs no bpffs and pins nothing; the bpffs check tries a mount only in a
// private mount namespace of a short-lived child process.
KernelFeatures probe_kernel_features(const std::string& pin_dir);

// The checks' names, in the order of KernelFeatures::checks. kCheckBpffsMount
// is there only when the pin dir is not on a bpffs yet and lies under
// /sys/fs/bpf (where pktlensd mounts one itself); kCheckPinDir (owner and
// mode, bpf/pin_dir.hpp) only when it is on one.
inline constexpr std::string_view kCheckBtf = "BTF";
inline constexpr std::string_view kCheckBpffs = "bpffs";
inline constexpr std::string_view kCheckBpffsMount = "bpffs mountable";
inline constexpr std::string_view kCheckPinDir = "pin dir";
inline constexpr std::string_view kCheckTracing = "map iterators";
inline constexpr std::string_view kCheckMmap = "mmapable arrays";
inline constexpr std::string_view kCheckBatch = "batch map ops";
inline constexpr std::string_view kCheckLookupDelete = "lookup and delete";
inline constexpr std::string_view kCheckTcx = "tcx hooks";
inline constexpr std::string_view kCheckLockdown = "lockdown";
inline constexpr std::string_view kCheckCapBpf = "CAP_BPF";
inline constexpr std::string_view kCheckCapPerfmon = "CAP_PERFMON";
inline constexpr std::string_view kCheckCapNetAdmin = "CAP_NET_ADMIN";
inline constexpr std::string_view kCheckCapSysAdmin = "CAP_SYS_ADMIN";
inline constexpr std::string_view kCheckCapSysResource = "CAP_SYS_RESOURCE";
inline constexpr std::string_view kCheckXdp = "native XDP";

// The check named `name`, or nullptr.
const FeatureCheck* find_check(const KernelFeatures& f, std::string_view name);

// PKTLENS_FORCE_FALLBACK, parsed: which optional features are forced off,
// and the words that named none (reported by the probe as a check of its
// own, "PKTLENS_FORCE_FALLBACK").
struct ForcedFallback {
  bool tracing = false;
  bool mmap = false;
  bool batch = false;
  bool lookup_delete = false;  // `delete`
  bool tcx = false;
  std::vector<std::string> unknown;
};
inline constexpr const char* kForceFallbackEnv = "PKTLENS_FORCE_FALLBACK";
ForcedFallback parse_forced_fallback(std::string_view value);

}  // namespace pktlens::bpf
