// SPDX-License-Identifier: Apache-2.0
// `pktlensd doctor`: what this machine offers pktlens (bpf::KernelFeatures),
// as a checklist with what each line means and how to fix it, and whether
// pktlensd can run here. `--brief`: the one-line summary.
#pragma once

#include <ostream>
#include <string>

#include "bpf/kernel_features.hpp"

namespace pktlens::service {

// True when pktlensd can start here: BTF, CAP_BPF (or CAP_SYS_ADMIN) with
// CAP_PERFMON (or CAP_SYS_ADMIN) and CAP_NET_ADMIN, and a bpffs at the pin
// dir or one pktlensd can mount. The optional features only choose paths.
bool can_run(const bpf::KernelFeatures& f);

// The checklist: one line per check, "[ok]" or "[missing]" (informational
// lines: "[info]"), then a verdict line. Returns the exit status: 0 when
// can_run(), else 1.
int print_doctor(const bpf::KernelFeatures& f, const std::string& pin_dir, std::ostream& out);

// "kernel capabilities: <summary_line>"; same exit status.
int print_doctor_brief(const bpf::KernelFeatures& f, std::ostream& out);

}  // namespace pktlens::service
