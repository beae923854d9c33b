// SPDX-License-Identifier: Apache-2.0
// Least privilege once set-up is done (docs/running.md, "Privilege
// model"). Capabilities are per thread on Linux, so each function acts on
// the calling thread only: the main thread keeps what re-attaching and
// reloading need, every other long-lived thread keeps nothing.
#pragma once

#include <string>
#include <vector>

namespace pktlens::service {

// Sets PR_SET_NO_NEW_PRIVS: no execve of this process or of a thread
// created after it can gain a capability or another uid. Inherited by
// threads created later, so it is set before the first one.
void forbid_new_privileges();

// The capabilities the main thread keeps for the daemon's life: CAP_BPF
// (load programs and maps on a reload, create and pin maps), CAP_PERFMON
// (the verifier accepts pointer arithmetic only with it; tracepoints),
// CAP_NET_ADMIN (tc and XDP attachment to interfaces that appear later,
// re-attachment after removal). On a kernel older than CAP_BPF (5.8),
// CAP_SYS_ADMIN stands in for the first two and is kept instead.
std::vector<int> kept_capabilities();

// "cap_bpf" and the like (libcap's names).
std::string capability_name(int cap);

// Limits the calling thread to `keep` (those of them it has): the others
// leave the bounding set (where CAP_SETPCAP allows; under pktlens.service
// they are not in it to begin with), the permitted and effective sets;
// the inheritable and ambient sets are emptied. Throws std::system_error
// when the kernel refuses. Returns the capabilities given up, by name.
std::vector<std::string> restrict_thread_capabilities(const std::vector<int>& keep);

// restrict_thread_capabilities({}): for threads that never need one, such
// as the HTTP server's.
void drop_all_thread_capabilities();

}  // namespace pktlens::service
