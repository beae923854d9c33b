// SPDX-License-Identifier: Apache-2.0
#include "bpf/tc_attachment.hpp"

#include <cerrno>
#include <stdexcept>
#include <system_error>

namespace pktlens::bpf {
namespace {

const char* point_name(bpf_tc_attach_point p) { return p == BPF_TC_INGRESS ? "ingress" : "egress"; }

bpf_tc_hook make_hook(int ifindex, bpf_tc_attach_point point) {
  bpf_tc_hook h{};
  h.sz = sizeof h;
  h.ifindex = ifindex;
  h.attach_point = point;
  return h;
}

bpf_tc_hook clsact_hook(int ifindex) {
  return make_hook(ifindex, static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS));
}

[[noreturn]] void fail(int err, const std::string& what) {
  std::string hint;
  if (err == EPERM || err == EACCES) hint = " (pktlensd needs CAP_NET_ADMIN and CAP_BPF)";
  throw std::system_error(err, std::generic_category(), what + hint);
}

std::string where(const bpf_tc_hook& h) {
  return std::string("tc ") + point_name(h.attach_point) + " of " + ifname(h.ifindex);
}

}  // namespace

ClsactQdisc::ClsactQdisc(int ifindex) : ifindex_(ifindex) {
  auto hook = clsact_hook(ifindex);
  const int rc = bpf_tc_hook_create(&hook);
  if (rc == 0)
    created_ = true;
  else if (rc != -EEXIST)
    fail(-rc, "creating the clsact qdisc on " + ifname(ifindex));
}

void ClsactQdisc::recreate() {
  auto hook = clsact_hook(ifindex_);
  const int rc = bpf_tc_hook_create(&hook);
  if (rc != 0 && rc != -EEXIST) fail(-rc, "creating the clsact qdisc on " + ifname(ifindex_));
  created_ = rc == 0;
}

ClsactQdisc::~ClsactQdisc() {
  if (!created_) return;
  // Destroying clsact removes every filter on it; it is ours, and the
  // interface may be gone already (ENODEV/EINVAL), which is fine.
  auto hook = clsact_hook(ifindex_);
  bpf_tc_hook_destroy(&hook);
}

uint32_t tc_query_ours(int ifindex, bpf_tc_attach_point point) {
  auto hook = make_hook(ifindex, point);
  bpf_tc_opts q{};
  q.sz = sizeof q;
  q.handle = kTcHandle;
  q.priority = kTcPriority;
  const int rc = bpf_tc_query(&hook, &q);
  // ENOENT: no such filter; EINVAL: no filter chain at that priority, or
  // no clsact at all.
  if (rc == -ENOENT || rc == -EINVAL) return 0;
  if (rc != 0) fail(-rc, "querying " + where(hook) + " filters");
  return q.prog_id;
}

TcFilter::TcFilter(int ifindex, bpf_tc_attach_point point, int prog_fd,
                   const Recognise& predecessor)
    : hook_(make_hook(ifindex, point)), prog_fd_(prog_fd), prog_id_(prog_id_of_fd(prog_fd)) {
  const uint32_t old = tc_query_ours(ifindex, point);
  if (old && old != prog_id_ && !predecessor(old))
    throw std::runtime_error(
        where(hook_) + ": handle 0x706b priority 1 is taken by " + describe_prog(old) +
        ", which no pktlensd of this pin directory attached (another pktlensd with its own "
        "--bpf-pin-dir, or another tool); pktlens does not displace it: stop that, or remove "
        "it with `tc filter del dev " +
        ifname(ifindex) + " " + point_name(point) + " handle 0x706b prio 1 bpf`");
  if (old && old != prog_id_) replaced_ = old;
  // Replacing at the same handle and priority swaps the program in place:
  // the predecessor's counts every frame until ours does.
  attach(old ? BPF_TC_F_REPLACE : 0);
}

void TcFilter::attach(uint32_t flags) {
  bpf_tc_opts o{};
  o.sz = sizeof o;
  o.prog_fd = prog_fd_;
  o.handle = kTcHandle;
  o.priority = kTcPriority;
  o.flags = flags;
  const int rc = bpf_tc_attach(&hook_, &o);
  if (rc == -EEXIST)
    fail(-rc, "attaching the pktlens filter to " + where(hook_) + ": another filter came first");
  if (rc != 0) fail(-rc, "attaching the pktlens filter to " + where(hook_));
}

uint32_t TcFilter::occupant() const { return tc_query_ours(hook_.ifindex, hook_.attach_point); }

void TcFilter::reattach() { attach(0); }

TcFilter::~TcFilter() {
  if (released_) return;
  // Only our own program: whatever took the handle meanwhile stays.
  try {
    if (occupant() != prog_id_) return;
  } catch (const std::exception&) {
    return;  // the interface is gone, and the filter with it
  }
  bpf_tc_opts o{};
  o.sz = sizeof o;
  o.handle = kTcHandle;
  o.priority = kTcPriority;
  bpf_tc_detach(&hook_, &o);
}

}  // namespace pktlens::bpf
