// SPDX-License-Identifier: Apache-2.0
#include "service/privileges.hpp"

#include <sys/capability.h>  // linux/capability.h: CAP_BPF, CAP_PERFMON (Debian 12)
#include <sys/prctl.h>

#include <algorithm>
#include <cerrno>
#include <memory>
#include <system_error>
#include <type_traits>

namespace pktlens::service {
namespace {

using CapState = std::unique_ptr<std::remove_pointer_t<cap_t>, decltype(&cap_free)>;

[[noreturn]] void fail(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

bool has(cap_t state, int cap, cap_flag_t flag) {
  cap_flag_value_t v = CAP_CLEAR;
  return cap_get_flag(state, static_cast<cap_value_t>(cap), flag, &v) == 0 && v == CAP_SET;
}

}  // namespace

std::string capability_name(int cap) {
  char* n = cap_to_name(static_cast<cap_value_t>(cap));
  std::string s = n ? n : "cap_" + std::to_string(cap);
  cap_free(n);
  return s;
}

void forbid_new_privileges() {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail("setting no_new_privs");
}

std::vector<int> kept_capabilities() {
  if (static_cast<int>(cap_max_bits()) <= CAP_BPF) return {CAP_SYS_ADMIN, CAP_NET_ADMIN};
  return {CAP_BPF, CAP_PERFMON, CAP_NET_ADMIN};
}

std::vector<std::string> restrict_thread_capabilities(const std::vector<int>& keep) {
  CapState now(cap_get_proc(), &cap_free);
  if (!now) fail("reading the thread's capabilities");
  const auto kept = [&keep](int cap) { return std::ranges::find(keep, cap) != keep.end(); };
  const int bits = static_cast<int>(cap_max_bits());
  std::vector<std::string> dropped;
  // The bounding set first: leaving it needs CAP_SETPCAP, which goes next.
  const bool setpcap = has(now.get(), CAP_SETPCAP, CAP_EFFECTIVE);
  for (int cap = 0; cap < bits; ++cap) {
    if (kept(cap)) continue;
    if (has(now.get(), cap, CAP_PERMITTED)) dropped.push_back(capability_name(cap));
    if (setpcap && cap_get_bound(static_cast<cap_value_t>(cap)) == 1 &&
        cap_drop_bound(static_cast<cap_value_t>(cap)) != 0)
      fail("dropping " + capability_name(cap) + " from the bounding set");
  }
  CapState next(cap_init(), &cap_free);  // every set empty
  if (!next) fail("allocating a capability state");
  for (int cap : keep) {
    if (!has(now.get(), cap, CAP_PERMITTED)) continue;
    const cap_value_t v = static_cast<cap_value_t>(cap);
    if (cap_set_flag(next.get(), CAP_PERMITTED, 1, &v, CAP_SET) != 0 ||
        cap_set_flag(next.get(), CAP_EFFECTIVE, 1, &v, CAP_SET) != 0)
      fail("preparing the capability state");
  }
  // Ambient capabilities must be inheritable and permitted: emptying the
  // inheritable set clears them too, but say so explicitly.
  if (cap_reset_ambient() != 0 && errno != EINVAL) fail("clearing the ambient capabilities");
  if (cap_set_proc(next.get()) != 0) fail("dropping capabilities");
  return dropped;
}

void drop_all_thread_capabilities() { restrict_thread_capabilities({}); }

}  // namespace pktlens::service
