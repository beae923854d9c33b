// SPDX-License-Identifier: Apache-2.0
#include "service/doctor.hpp"

#include <string_view>
#include <vector>

namespace pktlens::service {
namespace {

bool ok(const bpf::KernelFeatures& f, std::string_view name) {
  const bpf::FeatureCheck* c = bpf::find_check(f, name);
  return c && c->ok;
}

// What keeps pktlensd from starting, empty when nothing does.
std::vector<std::string> blockers(const bpf::KernelFeatures& f) {
  std::vector<std::string> why;
  const bool admin = ok(f, bpf::kCheckCapSysAdmin);
  if (!f.btf) why.emplace_back("BTF");
  if (!ok(f, bpf::kCheckCapBpf) && !admin) why.emplace_back("CAP_BPF (or CAP_SYS_ADMIN)");
  if (!ok(f, bpf::kCheckCapPerfmon) && !admin) why.emplace_back("CAP_PERFMON (or CAP_SYS_ADMIN)");
  if (!ok(f, bpf::kCheckCapNetAdmin)) why.emplace_back("CAP_NET_ADMIN");
  if (!f.bpffs && !ok(f, bpf::kCheckBpffsMount)) why.emplace_back("a BPF filesystem at the pin dir");
  if (const auto* c = bpf::find_check(f, bpf::kCheckPinDir); c && !c->ok)
    why.emplace_back("a pin dir of its own");
  return why;
}

// Lines that inform rather than check something pktlens needs.
bool informational(std::string_view name) {
  return name == bpf::kCheckLockdown || name == bpf::kCheckXdp ||
         name == bpf::kForceFallbackEnv;
}

}  // namespace

bool can_run(const bpf::KernelFeatures& f) { return blockers(f).empty(); }

int print_doctor(const bpf::KernelFeatures& f, const std::string& pin_dir, std::ostream& out) {
  out << "pktlensd doctor: what this machine offers pktlens (pin dir " << pin_dir << ")\n";
  for (const auto& c : f.checks) {
    const char* status = informational(c.name) ? "[info]   " : c.ok ? "[ok]     " : "[missing]";
    out << status << ' ' << c.name << ": " << c.detail << " -- " << c.meaning;
    if (!c.fix.empty()) out << " -- fix: " << c.fix;
    out << '\n';
  }
  const auto why = blockers(f);
  if (why.empty()) {
    out << "pktlensd can run here\n";
    return 0;
  }
  out << "pktlensd cannot run here: it needs ";
  for (size_t i = 0; i < why.size(); i++) out << (i ? ", " : "") << why[i];
  out << " (see the fixes above)\n";
  return 1;
}

int print_doctor_brief(const bpf::KernelFeatures& f, std::ostream& out) {
  out << "kernel capabilities: " << f.summary_line() << '\n';
  return can_run(f) ? 0 : 1;
}

}  // namespace pktlens::service
