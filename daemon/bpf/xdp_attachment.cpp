// SPDX-License-Identifier: Apache-2.0
#include "bpf/xdp_attachment.hpp"

#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <system_error>

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

bpf_xdp_query_opts query(int ifindex) {
  bpf_xdp_query_opts q{};
  q.sz = sizeof q;
  if (int rc = bpf_xdp_query(ifindex, 0, &q); rc != 0)
    fail(-rc, "querying XDP on " + ifname(ifindex));
  return q;
}

}  // namespace

XdpAttachment::XdpAttachment(int ifindex, int prog_fd, const Recognise& predecessor)
    : ifindex_(ifindex), prog_fd_(prog_fd), prog_id_(prog_id_of_fd(prog_fd)) {
  const std::string where = "XDP on " + ifname(ifindex);
  const auto q = query(ifindex);
  if (!q.prog_id) {
    attach_new();
    return;
  }
  if (!predecessor(q.prog_id) || !(q.drv_prog_id || q.skb_prog_id))
    throw std::runtime_error(where + ": " + describe_prog(q.prog_id) +
                             " is attached, which no pktlensd of this pin directory attached "
                             "(another pktlensd with its own --bpf-pin-dir, or another tool); "
                             "pktlens does not displace it: stop that, or remove it with `ip "
                             "link set dev " +
                             ifname(ifindex) + " xdp off`");
  // A predecessor's program: attaching in its mode without
  // XDP_FLAGS_UPDATE_IF_NOEXIST swaps it for ours in place. The mode stays
  // (the other one is refused while a program is attached); it was generic
  // only because the driver refused native XDP.
  mode_ = q.drv_prog_id ? XdpMode::Native : XdpMode::Generic;
  if (mode_ == XdpMode::Generic)
    fallback_reason_ = "the program taken over was in generic mode: native XDP was refused then";
  if (int rc = bpf_xdp_attach(ifindex, prog_fd, mode_flag(mode_), nullptr); rc != 0)
    fail(-rc, "replacing the previous pktlens program on " + where);
  replaced_ = q.prog_id;
}

void XdpAttachment::attach_new() {
  const std::string where = "XDP on " + ifname(ifindex_);
  fallback_reason_.clear();
  mode_ = XdpMode::Native;
  // UPDATE_IF_NOEXIST: never overwrite a program attached in between.
  int rc =
      bpf_xdp_attach(ifindex_, prog_fd_, XDP_FLAGS_UPDATE_IF_NOEXIST | XDP_FLAGS_DRV_MODE, nullptr);
  if (rc == 0) return;
  if (rc == -EBUSY || rc == -EEXIST)
    fail(-rc, "attaching " + where + ": another program came first");
  fallback_reason_ = std::strerror(-rc);
  mode_ = XdpMode::Generic;
  rc =
      bpf_xdp_attach(ifindex_, prog_fd_, XDP_FLAGS_UPDATE_IF_NOEXIST | XDP_FLAGS_SKB_MODE, nullptr);
  if (rc != 0) fail(-rc, "attaching " + where + " (native: " + fallback_reason_ + "; generic)");
}

uint32_t XdpAttachment::occupant() const { return query(ifindex_).prog_id; }

void XdpAttachment::reattach() { attach_new(); }

XdpAttachment::~XdpAttachment() {
  if (released_) return;
  // REPLACE with old_prog_fd: detach only if the program there is still ours.
  bpf_xdp_attach_opts o{};
  o.sz = sizeof o;
  o.old_prog_fd = prog_fd_;
  bpf_xdp_detach(ifindex_, mode_flag(mode_) | XDP_FLAGS_REPLACE, &o);
}

}  // namespace pktlens::bpf
