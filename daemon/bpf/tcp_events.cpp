// SPDX-License-Identifier: Apache-2.0
#include "bpf/tcp_events.hpp"

#include <bpf/bpf.h>
#include <pktlens_tcp_events.skel.h>  // generated in the build tree
#include <sys/stat.h>

#include <cerrno>
#include <system_error>
#include <utility>

#include "bpf/percpu.hpp"
#include "bpf/pinning.hpp"

namespace pktlens::bpf {

uint32_t current_netns_ino() {
  struct stat st {};
  if (stat("/proc/thread-self/ns/net", &st) != 0)
    throw std::system_error(errno, std::generic_category(),
                            "reading /proc/thread-self/ns/net (is /proc mounted?)");
  return static_cast<uint32_t>(st.st_ino);
}

void TcpEvents::Destroy::operator()(pktlens_tcp_events* s) const { pktlens_tcp_events::destroy(s); }

TcpEvents::TcpEvents(const TcpEventsOptions& o) : opts_(o), skel_(pktlens_tcp_events::open()) {
  if (!skel_)
    throw std::system_error(errno, std::generic_category(), "opening the tracepoint BPF object");
  auto* s = skel_.get();
  if (opts_.netns_ino == 0) opts_.netns_ino = current_netns_ino();
  s->rodata->cfg_netns_ino = opts_.netns_ino;
  s->rodata->cfg_srtt_sample_ns = opts_.srtt_sample_ns;

  const std::pair<bpf_program*, bool> progs[] = {
      {s->progs.tp_kfree_skb, o.drops},
      {s->progs.tp_tcp_retransmit_skb, o.retransmits},
      {s->progs.tp_tcp_retransmit_synack, o.retransmits},
      {s->progs.tp_tcp_probe, o.srtt},
  };
  for (const auto& [prog, on] : progs) {
    const int rc = bpf_program__set_autoload(prog, on);
    if (rc != 0)
      throw std::system_error(-rc, std::generic_category(),
                              std::string("switching ") + bpf_program__name(prog));
  }
  if (!o.pin_dir.empty()) {
    require_bpffs(o.pin_dir);
    recreated_ = pin_maps(s->obj, o.pin_dir);
  }
  const int rc = pktlens_tcp_events::load(s);
  if (rc != 0)
    throw std::system_error(-rc, std::generic_category(),
                            "loading the tracepoint programs (the kernel's verifier log is above; "
                            "they need BTF tracepoints, Linux >= 5.17 for drop reasons)");

  // Retransmits of a device the full map has no room for go to ifindex 0,
  // which must exist for that.
  const uint32_t unknown = 0;
  PerCpuValue<pktlens_retx_val> zero;
  if (bpf_map_update_elem(bpf_map__fd(s->maps.pktlens_retx), &unknown, zero.data(), BPF_NOEXIST) !=
          0 &&
      errno != EEXIST)
    throw std::system_error(errno, std::generic_category(), "creating pktlens_retx[0]");

  for (const auto& [prog, on] : progs) {
    if (!on) continue;
    bpf_link* l = bpf_program__attach(prog);
    if (!l)
      throw std::system_error(errno, std::generic_category(),
                              std::string("attaching ") + bpf_program__name(prog));
    links_.emplace_back(bpf_program__name(prog), std::unique_ptr<bpf_link, LinkDestroy>(l));
  }
}

TcpEvents::~TcpEvents() { links_.clear(); }

std::vector<std::string> TcpEvents::attached() const {
  std::vector<std::string> out;
  for (const auto& [name, link] : links_) out.push_back(name);
  return out;
}

}  // namespace pktlens::bpf
