// SPDX-License-Identifier: Apache-2.0
#include "collector/labels.hpp"

namespace pktlens::collector {

const std::string* interface_of_slot(const Snapshot& s, uint32_t slot, bool slot0_shown) {
  // Returned by address like the registered names, so callers copy only
  // the labels they emit.
  static const std::string kUnregistered(kUnregisteredInterface);
  if (auto it = s.interfaces.by_slot.find(slot); it != s.interfaces.by_slot.end())
    return &it->second;
  if (slot == PKTLENS_SLOT_UNREGISTERED && slot0_shown) return &kUnregistered;
  return nullptr;
}

const std::string* interface_of_ifindex(const Snapshot& s, uint32_t ifindex) {
  const auto it = s.interfaces.by_ifindex.find(ifindex);
  return it == s.interfaces.by_ifindex.end() ? nullptr : &it->second;
}

std::string interface_of_retransmits(const Snapshot& s, uint32_t ifindex,
                                     const RetransmitCount& counted) {
  if (ifindex == 0) return std::string(kUnknownInterface);
  if (const std::string* name = interface_of_ifindex(s, ifindex)) return *name;
  if (!counted.ifname.empty()) return counted.ifname;
  return std::string(kUnknownInterface);
}

}  // namespace pktlens::collector
