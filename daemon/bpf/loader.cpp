// SPDX-License-Identifier: Apache-2.0
#include "bpf/loader.hpp"

#include <bpf/libbpf.h>
#include <pktlens_bpf.skel.h>  // generated in the build tree

#include <algorithm>
#include <exception>
#include <optional>
#include <set>

#include "bpf/iface_registry.hpp"
#include "bpf/tc_attachment.hpp"
#include "bpf/xdp_attachment.hpp"

namespace pktlens::bpf {

std::string_view to_string(AttachedAs a) {
  switch (a) {
    case AttachedAs::tc: return "tc";
    case AttachedAs::xdp_native: return "xdp (native)";
    case AttachedAs::xdp_generic: return "xdp (generic)";
  }
  return "?";
}

// Members in attach order, so destruction detaches the filters before the
// clsact qdisc they sit on.
struct Loader::Attachment {
  std::string name;  // as attached; the metrics keep it
  uint32_t slot = 0;
  std::unique_ptr<ClsactQdisc> clsact;
  std::unique_ptr<TcFilter> ingress;
  std::unique_ptr<TcFilter> egress;
  std::unique_ptr<XdpAttachment> xdp;
};

Loader::Loader(pktlens_bpf* skel, IfaceRegistry& registry, LoaderOptions o)
    : skel_(skel), registry_(registry), opts_(std::move(o)) {}

Loader::~Loader() {
  // Newest first; each Attachment detaches itself.
  while (!attached_.empty()) attached_.erase(std::prev(attached_.end()));
}

bool Loader::wanted(const Link& l) const {
  if (opts_.all) return l.up && !l.loopback;
  return std::find(opts_.names.begin(), opts_.names.end(), l.name) != opts_.names.end();
}

std::unique_ptr<Loader::Attachment> Loader::attach(const Link& l, SyncEvents::Attached& ev) {
  auto a = std::make_unique<Attachment>();
  a->name = l.name;
  // A name seen earlier in this run (the interface was deleted and created
  // again) keeps its slot, so its series go on instead of appearing twice.
  std::optional<uint32_t> slot;
  for (const auto& [s, n] : slot_names_)
    if (n == l.name) slot = s;
  if (slot) {
    registry_.write(l.ifindex, pktlens_iface{*slot, l.mtu});
    a->slot = *slot;
  } else {
    a->slot = registry_.assign(l.ifindex, l.mtu);
  }
  const int ifindex = static_cast<int>(l.ifindex);
  ev = SyncEvents::Attached{l.name, l.ifindex, a->slot, AttachedAs::tc, {}, false};
  try {
    if (opts_.hook == Hook::tc) {
      a->clsact = std::make_unique<ClsactQdisc>(ifindex);
      a->ingress = std::make_unique<TcFilter>(
          ifindex, BPF_TC_INGRESS, bpf_program__fd(skel_->progs.tc_ingress), "tc_ingress");
      a->egress = std::make_unique<TcFilter>(ifindex, BPF_TC_EGRESS,
                                             bpf_program__fd(skel_->progs.tc_egress), "tc_egress");
      ev.replaced_stale = a->ingress->replaced_stale() || a->egress->replaced_stale();
    } else {
      a->xdp = std::make_unique<XdpAttachment>(ifindex, bpf_program__fd(skel_->progs.xdp_ingress),
                                               "xdp_ingress");
      ev.as = a->xdp->mode() == XdpMode::Native ? AttachedAs::xdp_native : AttachedAs::xdp_generic;
      ev.generic_reason = a->xdp->fallback_reason();
      ev.replaced_stale = a->xdp->replaced_stale();
    }
  } catch (...) {
    a.reset();  // detach whatever half of it got attached
    registry_.forget(l.ifindex);
    throw;
  }
  return a;
}

SyncEvents Loader::sync() { return sync(list_links()); }

SyncEvents Loader::sync(const std::vector<Link>& links) {
  SyncEvents ev;
  std::map<uint32_t, const Link*> present;
  for (const auto& l : links) present[l.ifindex] = &l;

  // Gone: the kernel removed the interface, and its filters with it.
  for (auto it = attached_.begin(); it != attached_.end();) {
    if (present.count(it->first)) {
      ++it;
      continue;
    }
    ev.gone.push_back(it->second->name);
    try {
      registry_.forget(it->first);
    } catch (const std::exception&) {
      // The entry stays; frames on a reused ifindex count into the old
      // slot until it is attached, which is only a mislabelled count.
    }
    reported_.erase(it->second->name);
    it = attached_.erase(it);
  }

  std::set<std::string> seen;
  for (const auto& l : links) {
    seen.insert(l.name);
    if (auto it = attached_.find(l.ifindex); it != attached_.end()) {
      if (it->second->name != l.name && reported_[it->second->name] != "renamed " + l.name) {
        ev.renamed.push_back({it->second->name, l.name});
        reported_[it->second->name] = "renamed " + l.name;
      }
      continue;
    }
    if (!wanted(l)) continue;
    // With `all`, a renamed interface's new name is attached already (same
    // ifindex); a configured name now held by another ifindex is attached
    // as a new interface.
    SyncEvents::Attached a;
    try {
      auto att = attach(l, a);
      slot_names_[att->slot] = l.name;
      ifindex_names_[l.ifindex] = l.name;
      attached_[l.ifindex] = std::move(att);
      reported_.erase(l.name);
      ev.attached.push_back(std::move(a));
    } catch (const std::exception& e) {
      if (reported_[l.name] != e.what()) {
        reported_[l.name] = e.what();
        ev.failed.push_back({l.name, e.what()});
      }
    }
  }

  if (!opts_.all)
    for (const auto& n : opts_.names) {
      if (seen.count(n)) continue;
      if (reported_[n] != "missing") {
        reported_[n] = "missing";
        ev.missing.push_back(n);
      }
    }
  return ev;
}

std::vector<std::string> Loader::attached_names() const {
  std::vector<std::string> v;
  for (const auto& [i, a] : attached_) v.push_back(a->name);
  return v;
}

std::vector<std::string> Loader::pending_names() const {
  std::vector<std::string> v;
  if (opts_.all) return v;
  std::set<std::string> have;
  for (const auto& [i, a] : attached_) have.insert(a->name);
  for (const auto& n : opts_.names)
    if (!have.count(n)) v.push_back(n);
  return v;
}

}  // namespace pktlens::bpf
