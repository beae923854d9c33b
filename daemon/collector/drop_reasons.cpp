// SPDX-License-Identifier: Apache-2.0
#include "collector/drop_reasons.hpp"

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string_view>

extern "C" {
#include <tcp_events.h>
}

namespace pktlens::collector {
namespace {

struct BtfFree {
  void operator()(btf* b) const { btf__free(b); }
};

constexpr std::string_view kPrefix = "SKB_DROP_REASON_";

}  // namespace

std::map<uint32_t, std::string> read_drop_reason_names(const std::string& btf_path) {
  errno = 0;
  std::unique_ptr<btf, BtfFree> b(btf_path.empty() ? btf__load_vmlinux_btf()
                                                   : btf__parse(btf_path.c_str(), nullptr));
  if (!b)
    throw std::runtime_error(std::string("reading the kernel's BTF") +
                             (btf_path.empty() ? "" : " from " + btf_path) + ": " +
                             std::strerror(errno) + " (the kernel needs CONFIG_DEBUG_INFO_BTF=y)");
  const int id = btf__find_by_name_kind(b.get(), "skb_drop_reason", BTF_KIND_ENUM);
  if (id < 0)
    throw std::runtime_error(
        "the kernel's BTF has no enum skb_drop_reason (drop reasons need Linux >= 5.17)");
  const btf_type* t = btf__type_by_id(b.get(), static_cast<uint32_t>(id));
  const struct btf_enum* e = btf_enum(t);
  std::map<uint32_t, std::string> out;
  for (uint16_t i = 0; i < btf_vlen(t); i++, e++) {
    std::string_view name = btf__name_by_offset(b.get(), e->name_off);
    if (name.starts_with(kPrefix)) {
      name.remove_prefix(kPrefix.size());
      // Bounds and masks, not reasons.
      if (name == "MAX" || name.starts_with("SUBSYS_")) continue;
    } else if (name.starts_with("SKB_")) {
      name.remove_prefix(4);  // SKB_NOT_DROPPED_YET, SKB_CONSUMED
    }
    out.emplace(static_cast<uint32_t>(e->val), std::string(name));
  }
  return out;
}

std::string drop_reason_label(uint32_t slot, const std::map<uint32_t, std::string>& names) {
  if (slot >= PKTLENS_DROP_OVERFLOW) return kDropOverflowLabel;
  if (auto it = names.find(slot); it != names.end()) return it->second;
  return "unknown_" + std::to_string(slot);
}

}  // namespace pktlens::collector
