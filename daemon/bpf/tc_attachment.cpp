// SPDX-License-Identifier: Apache-2.0
#include "bpf/tc_attachment.hpp"

#include <cerrno>
#include <system_error>

#include "bpf/prog_info.hpp"

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

[[noreturn]] void fail(int err, const std::string& what) {
  std::string hint;
  if (err == EPERM || err == EACCES) hint = " (pktlensd needs CAP_NET_ADMIN and CAP_BPF)";
  throw std::system_error(err, std::generic_category(), what + hint);
}

}  // namespace

ClsactQdisc::ClsactQdisc(int ifindex) : ifindex_(ifindex) {
  auto hook = make_hook(ifindex, static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS));
  const int rc = bpf_tc_hook_create(&hook);
  if (rc == 0)
    created_ = true;
  else if (rc != -EEXIST)
    fail(-rc, "creating the clsact qdisc on " + ifname(ifindex));
}

ClsactQdisc::~ClsactQdisc() {
  if (!created_) return;
  // Destroying clsact removes every filter on it; it is ours, and the
  // interface may be gone already (ENODEV/EINVAL), which is fine.
  auto hook = make_hook(ifindex_, static_cast<bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS));
  bpf_tc_hook_destroy(&hook);
}

uint32_t tc_query_ours(int ifindex, bpf_tc_attach_point point) {
  auto hook = make_hook(ifindex, point);
  bpf_tc_opts q{};
  q.sz = sizeof q;
  q.handle = kTcHandle;
  q.priority = kTcPriority;
  const int rc = bpf_tc_query(&hook, &q);
  // ENOENT: no such filter; EINVAL: no filter chain at that priority yet.
  if (rc == -ENOENT || rc == -EINVAL) return 0;
  if (rc != 0)
    fail(-rc, std::string("querying tc ") + point_name(point) + " filters on " + ifname(ifindex));
  return q.prog_id;
}

TcFilter::TcFilter(int ifindex, bpf_tc_attach_point point, int prog_fd,
                   const std::string& expected_name)
    : hook_(make_hook(ifindex, point)) {
  const std::string where = std::string("tc ") + point_name(point) + " of " + ifname(ifindex);
  if (const uint32_t old = tc_query_ours(ifindex, point)) {
    const std::string name = prog_name_by_id(old);
    if (name != expected_name)
      throw std::runtime_error(where + ": handle 0x706b priority 1 is taken by program '" + name +
                               "' (id " + std::to_string(old) +
                               "), not pktlens's; remove it or free that handle");
    replaced_stale_ = true;  // a killed pktlensd's filter: replace it in place
  }
  bpf_tc_opts o{};
  o.sz = sizeof o;
  o.prog_fd = prog_fd;
  o.handle = kTcHandle;
  o.priority = kTcPriority;
  o.flags = BPF_TC_F_REPLACE;
  const int rc = bpf_tc_attach(&hook_, &o);
  if (rc != 0) fail(-rc, "attaching the pktlens filter to " + where);
}

TcFilter::~TcFilter() {
  bpf_tc_opts o{};
  o.sz = sizeof o;
  o.handle = kTcHandle;
  o.priority = kTcPriority;
  bpf_tc_detach(&hook_, &o);  // ENOENT/ENODEV: already gone with its interface
}

}  // namespace pktlens::bpf
