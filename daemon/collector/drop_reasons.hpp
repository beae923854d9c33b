// SPDX-License-Identifier: Apache-2.0
// Names of the kernel's skb drop reasons, read at start from the running
// kernel's BTF (enum skb_drop_reason in /sys/kernel/btf/vmlinux), so a newer
// kernel's reasons appear by name without a pktlens release.
// Label format (docs/metrics.md, pktlens_drops_total): the enumerator's name
// with the SKB_DROP_REASON_ prefix removed, as the kernel spells it
// (NO_SOCKET, NOT_SPECIFIED, TCP_CSUM); a value the enum has no name for is
// "unknown_N" (N decimal); the overflow slot is "overflow". Kernel names are
// upper case, ours lower case, so they never collide.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace pktlens::collector {

inline constexpr const char* kDropOverflowLabel = "overflow";

// Value -> label of every enumerator of enum skb_drop_reason that is a
// reason (not SKB_DROP_REASON_MAX / SUBSYS_MASK / SUBSYS_SHIFT). The
// non-drop values keep their name without the SKB_ prefix (SKB_CONSUMED ->
// CONSUMED). `btf_path` empty: the running kernel's (libbpf's
// btf__load_vmlinux_btf). Throws std::runtime_error when there is no BTF or
// the enum is missing (kernels before 5.17 have no drop reasons).
std::map<uint32_t, std::string> read_drop_reason_names(const std::string& btf_path = "");

// The label of map slot `slot` (see above).
std::string drop_reason_label(uint32_t slot, const std::map<uint32_t, std::string>& names);

}  // namespace pktlens::collector
