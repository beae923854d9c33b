// SPDX-License-Identifier: Apache-2.0
#include "bpf/leftovers.hpp"

#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "bpf/tc_attachment.hpp"
#include "bpf/tcx_link.hpp"

namespace pktlens::bpf {

bool remove_leftover_program(const Held& h, const std::string& pin_dir) {
  const int ifindex = static_cast<int>(h.ifindex);
  if (h.place == Place::tcx_ingress || h.place == Place::tcx_egress)
    return remove_leftover_tcx(pin_dir, h.ifindex, h.place == Place::tcx_ingress, h.prog_id);
  if (h.place == Place::tc_ingress || h.place == Place::tc_egress) {
    const auto point = h.place == Place::tc_ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS;
    try {
      if (tc_query_ours(ifindex, point) != h.prog_id) return false;
    } catch (const std::exception&) {
      return false;
    }
    bpf_tc_hook hook{};
    hook.sz = sizeof hook;
    hook.ifindex = ifindex;
    hook.attach_point = point;
    bpf_tc_opts o{};
    o.sz = sizeof o;
    o.handle = kTcHandle;
    o.priority = kTcPriority;
    return bpf_tc_detach(&hook, &o) == 0;
  }
  if (h.place == Place::xdp) {
    bpf_xdp_query_opts q{};
    q.sz = sizeof q;
    if (bpf_xdp_query(ifindex, 0, &q) != 0) return false;
    // Without the program's fd (that needs CAP_SYS_ADMIN) there is no
    // compare-and-detach: checked by id just before.
    if (q.drv_prog_id == h.prog_id)
      return bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, nullptr) == 0;
    if (q.skb_prog_id == h.prog_id)
      return bpf_xdp_detach(ifindex, XDP_FLAGS_SKB_MODE, nullptr) == 0;
  }
  return false;
}

void remove_leftover_clsact(uint32_t ifindex) {
  bpf_tc_hook hook{};
  hook.sz = sizeof hook;
  hook.ifindex = static_cast<int>(ifindex);
  hook.attach_point = static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
  bpf_tc_hook_destroy(&hook);
}

}  // namespace pktlens::bpf
