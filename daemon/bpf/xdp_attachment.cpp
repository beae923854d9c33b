// SPDX-License-Identifier: Apache-2.0
#include "bpf/xdp_attachment.hpp"

#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "bpf/prog_info.hpp"

namespace pktlens::bpf {
namespace {

uint32_t mode_flag(XdpMode m) {
  return m == XdpMode::Native ? XDP_FLAGS_DRV_MODE : XDP_FLAGS_SKB_MODE;
}

[[noreturn]] void fail(int err, const std::string& what) {
  std::string hint;
  if (err == EPERM || err == EACCES) hint = " (pktlensd needs CAP_NET_ADMIN and CAP_BPF)";
  throw std::system_error(err, std::generic_category(), what + hint);
}

}  // namespace

XdpAttachment::XdpAttachment(int ifindex, int prog_fd, const std::string& expected_name)
    : ifindex_(ifindex), prog_fd_(prog_fd) {
  const std::string where = "XDP on " + ifname(ifindex);
  bpf_xdp_query_opts q{};
  q.sz = sizeof q;
  if (int rc = bpf_xdp_query(ifindex, 0, &q); rc != 0) fail(-rc, "querying " + where);

  if (q.prog_id) {
    const std::string name = prog_name_by_id(q.prog_id);
    if (name != expected_name)
      throw std::runtime_error(where + ": program '" + name + "' (id " + std::to_string(q.prog_id) +
                               ") is attached already; pktlens does not replace other programs");
    // A killed pktlensd's program, in whichever mode it was attached:
    // remove it, then attach ours as below.
    const uint32_t old_mode = q.drv_prog_id   ? XDP_FLAGS_DRV_MODE
                              : q.skb_prog_id ? XDP_FLAGS_SKB_MODE
                                              : XDP_FLAGS_HW_MODE;
    if (int rc = bpf_xdp_detach(ifindex, old_mode, nullptr); rc != 0)
      fail(-rc, "removing a stale pktlens program from " + where);
    replaced_stale_ = true;
  }

  // UPDATE_IF_NOEXIST: never overwrite a program attached in between.
  int rc =
      bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_UPDATE_IF_NOEXIST | XDP_FLAGS_DRV_MODE, nullptr);
  if (rc == 0) return;
  if (rc == -EBUSY || rc == -EEXIST)
    fail(-rc, "attaching " + where + ": another program came first");
  fallback_reason_ = std::strerror(-rc);
  mode_ = XdpMode::Generic;
  rc = bpf_xdp_attach(ifindex, prog_fd, XDP_FLAGS_UPDATE_IF_NOEXIST | XDP_FLAGS_SKB_MODE, nullptr);
  if (rc != 0) fail(-rc, "attaching " + where + " (native: " + fallback_reason_ + "; generic)");
}

XdpAttachment::~XdpAttachment() {
  // REPLACE with old_prog_fd: detach only if the program there is still ours.
  bpf_xdp_attach_opts o{};
  o.sz = sizeof o;
  o.old_prog_fd = prog_fd_;
  bpf_xdp_detach(ifindex_, mode_flag(mode_) | XDP_FLAGS_REPLACE, &o);
}

}  // namespace pktlens::bpf
