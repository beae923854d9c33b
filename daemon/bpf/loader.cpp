// SPDX-License-Identifier: Apache-2.0
#include "bpf/loader.hpp"

#include <bpf/libbpf.h>
#include <fnmatch.h>
#include <pktlens_bpf.skel.h>  // generated in the build tree

#include <algorithm>
#include <exception>
#include <optional>
#include <set>

#include "bpf/attach_record.hpp"
#include "bpf/iface_registry.hpp"
#include "bpf/leftovers.hpp"
#include "bpf/tc_attachment.hpp"
#include "bpf/tcx_link.hpp"
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

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

AttachedAs as_of(const XdpAttachment& x) {
  return x.mode() == XdpMode::Native ? AttachedAs::xdp_native : AttachedAs::xdp_generic;
}

}  // namespace

// Members in attach order, so destruction detaches the filters before the
// clsact qdisc they sit on; the record forgets them once they are detached.
struct Loader::Attachment {
  AttachRecord* record = nullptr;
  uint32_t ifindex = 0;
  std::string name;  // as attached; the metrics keep it
  uint32_t slot = 0;
  AttachedAs as = AttachedAs::tc;
  // Why the interface is not monitored although attached ("" while it is):
  // somebody else's program took pktlens's place, or verifying failed.
  std::string displaced;
  bool released = false;
  std::unique_ptr<ClsactQdisc> clsact;
  std::unique_ptr<TcFilter> ingress;
  std::unique_ptr<TcFilter> egress;
  std::unique_ptr<TcxLink> tcx_ingress;
  std::unique_ptr<TcxLink> tcx_egress;
  std::unique_ptr<XdpAttachment> xdp;

  // The record entries this attachment stands for.
  std::vector<Held> held() const {
    std::vector<Held> h;
    if (clsact && clsact->created()) h.push_back({ifindex, Place::clsact, 0});
    if (ingress) h.push_back({ifindex, Place::tc_ingress, ingress->prog_id()});
    if (egress) h.push_back({ifindex, Place::tc_egress, egress->prog_id()});
    if (tcx_ingress) h.push_back({ifindex, Place::tcx_ingress, tcx_ingress->prog_id()});
    if (tcx_egress) h.push_back({ifindex, Place::tcx_egress, tcx_egress->prog_id()});
    if (xdp) h.push_back({ifindex, Place::xdp, xdp->prog_id()});
    return h;
  }
  bool holds(const Held& h) const {
    const auto mine = held();
    return std::find(mine.begin(), mine.end(), h) != mine.end();
  }
  // Whether `place` is one this attachment uses (whoever's program is there).
  bool uses(Place p) const {
    switch (p) {
      case Place::xdp:
        return xdp != nullptr;
      case Place::tcx_ingress:
      case Place::tcx_egress:
        return tcx_ingress != nullptr;
      default:
        return clsact != nullptr;
    }
  }

  void release() {
    released = true;
    if (clsact) clsact->release();
    if (ingress) ingress->release();
    if (egress) egress->release();
    if (tcx_ingress) tcx_ingress->release();
    if (tcx_egress) tcx_egress->release();
    if (xdp) xdp->release();
  }

  ~Attachment() {
    if (released) return;  // the record stays for the successor
    const auto entries = held();
    xdp.reset();
    tcx_egress.reset();
    tcx_ingress.reset();
    egress.reset();
    ingress.reset();
    clsact.reset();
    if (record)
      for (const Held& h : entries) record->remove(h);
  }
};

Loader::Loader(pktlens_bpf* skel, IfaceRegistry& registry, AttachRecord& record, LoaderOptions o)
    : skel_(skel), registry_(registry), record_(record), opts_(std::move(o)) {}

Loader::~Loader() {
  // Newest first; each Attachment detaches itself.
  while (!attached_.empty()) attached_.erase(std::prev(attached_.end()));
}

void Loader::keep_attached() {
  for (auto& [i, a] : attached_) a->release();
}

namespace {

bool matches_any(const std::vector<std::string>& globs, const std::string& name) {
  return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) {
    return fnmatch(g.c_str(), name.c_str(), 0) == 0;
  });
}

}  // namespace

// Whether the configuration names the interface, up or not.
bool Loader::selected(const Link& l) const {
  if (opts_.all) return !l.loopback;
  if (!opts_.include.empty())
    return !l.loopback && matches_any(opts_.include, l.name) && !matches_any(opts_.exclude, l.name);
  return std::find(opts_.names.begin(), opts_.names.end(), l.name) != opts_.names.end();
}

// Whether to attach to it now: `all` and patterns take interfaces as they
// come up; configured names are attached whether up or not.
bool Loader::wanted(const Link& l) const {
  const bool by_name = !opts_.all && opts_.include.empty();
  return selected(l) && (by_name || l.up);
}

void Loader::retire(uint32_t slot, std::chrono::steady_clock::time_point now) {
  retiring_[slot] = now;
}

// Once, at the first sync: slots a previous pktlensd gave to interfaces that
// are gone now (or hold another name, or are no longer configured) keep
// their names and final values for the retention, like this run's own.
void Loader::retire_predecessors(const std::map<uint32_t, const Link*>& present,
                                 std::chrono::steady_clock::time_point now) {
  std::vector<uint32_t> unnamed;
  for (const auto& o : registry_.owners()) {
    if (slot_names_.count(o.slot)) continue;
    const auto it = present.find(o.ifindex);
    if (it != present.end() && it->second->name == o.name && attached_.count(o.ifindex)) continue;
    // Frames of a later interface with this ifindex must not count into it.
    if (const auto r = registry_.read(o.ifindex); r && r->slot == o.slot)
      registry_.forget(o.ifindex);
    if (o.name.empty()) {
      unnamed.push_back(o.slot);  // nothing to label its values with
      continue;
    }
    slot_names_[o.slot] = o.name;
    retire(o.slot, now);
  }
  registry_.release(unnamed);
}

void Loader::release_expired(std::chrono::steady_clock::time_point now, SyncEvents& ev) {
  std::vector<uint32_t> slots;
  for (auto it = retiring_.begin(); it != retiring_.end();) {
    // From when it went, with the retention as configured now (a reload
    // may have changed it).
    if (now - it->second < opts_.retention) {
      ++it;
      continue;
    }
    const std::string name = slot_names_[it->first];
    slots.push_back(it->first);
    ev.released.push_back(name);
    slot_names_.erase(it->first);
    // Its ifindexes' names too (VLAN records), unless attached again since.
    std::erase_if(ifindex_names_,
                  [&](const auto& kv) { return kv.second == name && !attached_.count(kv.first); });
    it = retiring_.erase(it);
  }
  registry_.release(slots);
}

std::unique_ptr<Loader::Attachment> Loader::attach(const Link& l, SyncEvents::Attached& ev) {
  auto a = std::make_unique<Attachment>();
  a->record = &record_;
  a->ifindex = l.ifindex;
  a->name = l.name;
  // A name whose slot is still retained (the interface was deleted and
  // created again, or moved to the other hook) gets it back, so its series
  // go on instead of appearing twice.
  std::optional<uint32_t> slot;
  for (const auto& [s, since] : retiring_)
    if (slot_names_[s] == l.name) slot = s;
  if (slot) {
    registry_.reassign(*slot, l.ifindex, l.name, l.mtu);
    retiring_.erase(*slot);
    a->slot = *slot;
  } else {
    a->slot = registry_.assign(l.ifindex, l.name, l.mtu);
  }
  const int ifindex = static_cast<int>(l.ifindex);
  const uint32_t idx = l.ifindex;
  auto recorded = [this, idx](Place p) {
    return [this, idx, p](uint32_t id) { return record_.has({idx, p, id}); };
  };
  ev = SyncEvents::Attached{l.name, l.ifindex, a->slot, AttachedAs::tc, {}, false};
  std::vector<Held> ours;
  try {
    const int in_fd = bpf_program__fd(skel_->progs.tc_ingress);
    const int out_fd = bpf_program__fd(skel_->progs.tc_egress);
    // A predecessor's clsact filter still counting here is replaced in
    // place (exact); moving to tcx then would count frames twice or not at
    // all between the link and the filter's removal.
    auto predecessors_filter = [&](bpf_tc_attach_point point, Place place) {
      const uint32_t id = tc_query_ours(ifindex, point);
      return id != 0 && record_.has({idx, place, id});
    };
    if (opts_.hook == Hook::tc && opts_.tcx &&
        !predecessors_filter(BPF_TC_INGRESS, Place::tc_ingress) &&
        !predecessors_filter(BPF_TC_EGRESS, Place::tc_egress)) {
      ours = {{idx, Place::tcx_ingress, prog_id_of_fd(in_fd)},
              {idx, Place::tcx_egress, prog_id_of_fd(out_fd)}};
      for (const Held& h : ours) record_.add(h);
      a->tcx_ingress = std::make_unique<TcxLink>(ifindex, true, in_fd, opts_.pin_dir);
      a->tcx_egress = std::make_unique<TcxLink>(ifindex, false, out_fd, opts_.pin_dir);
      ev.replaced_stale = a->tcx_ingress->replaced() || a->tcx_egress->replaced();
      ev.tcx = true;
    } else if (opts_.hook == Hook::tc) {
      // Recorded before attaching: a pktlensd killed right after attaching
      // leaves programs its successor recognises.
      ours = {{idx, Place::tc_ingress, prog_id_of_fd(in_fd)},
              {idx, Place::tc_egress, prog_id_of_fd(out_fd)}};
      for (const Held& h : ours) record_.add(h);
      // The clsact a predecessor created is ours to remove only while its
      // filters are on it: a clsact deleted and created again since is
      // somebody else's.
      const bool predecessors_clsact =
          record_.has({idx, Place::clsact, 0}) &&
          (record_.has({idx, Place::tc_ingress, tc_query_ours(ifindex, BPF_TC_INGRESS)}) ||
           record_.has({idx, Place::tc_egress, tc_query_ours(ifindex, BPF_TC_EGRESS)}));
      a->clsact = std::make_unique<ClsactQdisc>(ifindex);
      if (a->clsact->created()) record_.add({idx, Place::clsact, 0});
      a->ingress =
          std::make_unique<TcFilter>(ifindex, BPF_TC_INGRESS, in_fd, recorded(Place::tc_ingress));
      a->egress =
          std::make_unique<TcFilter>(ifindex, BPF_TC_EGRESS, out_fd, recorded(Place::tc_egress));
      // Adopted only now: unwinding a failed attach must not delete a clsact
      // (and whatever else is on it) that this run did not create.
      if (!a->clsact->created()) {
        if (predecessors_clsact)
          a->clsact->adopt();
        else
          record_.remove({idx, Place::clsact, 0});
      }
      ev.replaced_stale = a->ingress->replaced() || a->egress->replaced();
    } else {
      const int fd = bpf_program__fd(skel_->progs.xdp_ingress);
      ours = {{idx, Place::xdp, prog_id_of_fd(fd)}};
      record_.add(ours[0]);
      a->xdp = std::make_unique<XdpAttachment>(ifindex, fd, recorded(Place::xdp));
      a->as = ev.as = as_of(*a->xdp);
      ev.generic_reason = a->xdp->fallback_reason();
      ev.replaced_stale = a->xdp->replaced() != 0;
    }
  } catch (...) {
    const uint32_t taken = a->slot;
    a.reset();  // detach whatever half of it got attached
    for (const Held& h : ours) record_.remove(h);
    registry_.forget(l.ifindex);
    // A retained slot goes back to its retention (the retry gets it again);
    // any other is freed, so that failing interfaces never fill the table.
    if (slot)
      retire(taken, std::chrono::steady_clock::now());
    else
      registry_.release({taken});
    throw;
  }
  // The predecessor's entries of these places are superseded.
  for (const Held& h : record_.entries())
    if (h.ifindex == idx && a->uses(h.place) && !a->holds(h)) record_.remove(h);
  return a;
}

void Loader::verify(Attachment& a, SyncEvents& ev) {
  try {
    std::vector<std::string> missing;
    std::optional<uint32_t> foreign;
    std::string where;
    auto look = [&](uint32_t now, uint32_t mine, const char* place) {
      if (now == 0) {
        missing.push_back(place);
      } else if (now != mine) {
        foreign = now;
        where = place;
      }
    };
    if (a.xdp) {
      look(a.xdp->occupant(), a.xdp->prog_id(), "XDP");
    } else if (a.tcx_ingress) {
      look(a.tcx_ingress->occupant(), a.tcx_ingress->prog_id(), "tcx ingress");
      look(a.tcx_egress->occupant(), a.tcx_egress->prog_id(), "tcx egress");
    } else {
      look(a.ingress->occupant(), a.ingress->prog_id(), "tc ingress");
      look(a.egress->occupant(), a.egress->prog_id(), "tc egress");
    }
    if (foreign) {
      // Not fought over: taking it back would only start a tug of war with
      // another pktlensd or tool, each blind half the time.
      const std::string what = where + " of " + a.name + " now runs " + describe_prog(*foreign) +
                               ", which this pktlensd did not attach (another pktlensd, or "
                               "another tool, took pktlens's place)";
      if (a.displaced != what) {
        a.displaced = what;
        ev.displaced.push_back({a.name, what});
      }
      return;
    }
    if (!missing.empty()) {
      if (a.xdp) {
        a.xdp->reattach();
        a.as = as_of(*a.xdp);
      } else if (a.tcx_ingress) {
        if (a.tcx_ingress->occupant() == 0) a.tcx_ingress->reattach();
        if (a.tcx_egress->occupant() == 0) a.tcx_egress->reattach();
      } else {
        // Both gone: the clsact itself may have been deleted.
        if (missing.size() == 2) {
          a.clsact->recreate();
          if (a.clsact->created())
            record_.add({a.ifindex, Place::clsact, 0});
          else
            record_.remove({a.ifindex, Place::clsact, 0});
        }
        if (a.ingress->occupant() == 0) a.ingress->reattach();
        if (a.egress->occupant() == 0) a.egress->reattach();
      }
      ev.reattached.push_back({a.name, join(missing)});
    }
    if (!a.displaced.empty()) reported_.erase(a.name);
    a.displaced.clear();
  } catch (const std::exception& e) {
    const std::string what =
        std::string("verifying pktlens's programs on ") + a.name + " failed: " + e.what();
    if (a.displaced != what) {
      a.displaced = what;
      ev.failed.push_back({a.name, what});
    }
  }
}

void Loader::remove_leftovers(const std::map<uint32_t, const Link*>& present, SyncEvents& ev) {
  std::vector<Held> entries = record_.entries();
  // Filters before the clsact they sit on.
  std::sort(entries.begin(), entries.end(), [](const Held& x, const Held& y) {
    return std::tie(x.ifindex, x.place, x.prog_id) < std::tie(y.ifindex, y.place, y.prog_id);
  });
  std::map<uint32_t, std::vector<std::string>> removed;
  std::set<uint32_t> proven;  // a recorded filter was still on its clsact
  for (const Held& h : entries) {
    const auto link = present.find(h.ifindex);
    if (link == present.end()) {
      // The interface is gone, and everything on it; a tcx link's pin
      // stays until removed.
      if (h.place == Place::tcx_ingress || h.place == Place::tcx_egress)
        remove_leftover_program(h, opts_.pin_dir);
      record_.remove(h);
      continue;
    }
    if (const auto it = attached_.find(h.ifindex); it != attached_.end()) {
      if (it->second->holds(h)) continue;
      if (it->second->uses(h.place)) {
        record_.remove(h);  // superseded: this run's own programs are there
        continue;
      }
    } else if (wanted(*link->second)) {
      // Attaching failed: what the predecessor left counts on meanwhile.
      continue;
    }
    // A place this configuration does not use on this interface.
    if (h.place == Place::clsact) {
      if (proven.count(h.ifindex)) {
        remove_leftover_clsact(h.ifindex);
        removed[h.ifindex].push_back("clsact");
      }
    } else if (remove_leftover_program(h, opts_.pin_dir)) {
      removed[h.ifindex].push_back(std::string(to_string(h.place)));
      if (h.place == Place::tc_ingress || h.place == Place::tc_egress) proven.insert(h.ifindex);
    }
    record_.remove(h);
  }
  for (const auto& [ifindex, places] : removed)
    ev.cleaned.push_back({present.at(ifindex)->name, join(places)});
}

SyncEvents Loader::sync() { return sync(list_links()); }

SyncEvents Loader::sync(const std::vector<Link>& links) {
  SyncEvents ev;
  const auto now = std::chrono::steady_clock::now();
  std::map<uint32_t, const Link*> present;
  for (const auto& l : links) present[l.ifindex] = &l;

  // Gone: the kernel removed the interface, and its filters with it. No
  // longer selected, or on the other hook: detached here. Either way the
  // slot is retained, its final values exported for the retention.
  for (auto it = attached_.begin(); it != attached_.end();) {
    const auto link = present.find(it->first);
    const bool gone = link == present.end();
    const bool deselected = !gone && !selected(*link->second);
    const bool switched =
        !gone && !deselected && (it->second->xdp != nullptr) != (opts_.hook == Hook::xdp);
    if (!gone && !deselected && !switched) {
      ++it;
      continue;
    }
    (gone ? ev.gone : deselected ? ev.deselected : ev.switched).push_back(it->second->name);
    try {
      registry_.forget(it->first);
    } catch (const std::exception&) {
      // The entry stays; frames on a reused ifindex count into the old
      // slot until it is attached, which is only a mislabelled count.
    }
    retire(it->second->slot, now);
    reported_.erase(it->second->name);
    const uint32_t ifindex = it->first;
    it = attached_.erase(it);  // detaches what is still attached
    if (gone) record_.forget(ifindex);
  }

  std::set<std::string> seen;
  unattached_wanted_.clear();
  uint32_t waiting = 0;
  for (const auto& l : links) {
    seen.insert(l.name);
    if (auto it = attached_.find(l.ifindex); it != attached_.end()) {
      if (it->second->name != l.name && reported_[it->second->name] != "renamed " + l.name) {
        ev.renamed.push_back({it->second->name, l.name});
        reported_[it->second->name] = "renamed " + l.name;
      }
      verify(*it->second, ev);
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
    } catch (const SlotsFull&) {
      // One line for all of them (SyncEvents::slots_full), not one per
      // interface: on a busy node that would be hundreds. Retried every
      // sync, as a slot may have been freed.
      unattached_wanted_.insert(l.name);
      waiting++;
    } catch (const std::exception& e) {
      unattached_wanted_.insert(l.name);
      if (reported_[l.name] != e.what()) {
        reported_[l.name] = e.what();
        ev.failed.push_back({l.name, e.what()});
      }
    }
  }

  if (!opts_.all && opts_.include.empty())
    for (const auto& n : opts_.names) {
      if (seen.count(n)) continue;
      if (reported_[n] != "missing") {
        reported_[n] = "missing";
        ev.missing.push_back(n);
      }
    }
  remove_leftovers(present, ev);

  if (!predecessors_checked_) {
    retire_predecessors(present, now);
    predecessors_checked_ = true;
  }
  release_expired(now, ev);
  if (waiting && !slot_use_.waiting) ev.slots_full = waiting;
  slot_use_ = {.capacity = registry_.capacity(),
               .attached = static_cast<uint32_t>(attached_.size()),
               .retained = static_cast<uint32_t>(retiring_.size()),
               .waiting = waiting};
  return ev;
}

std::vector<std::string> Loader::attached_names() const {
  std::vector<std::string> v;
  for (const auto& [i, a] : attached_) v.push_back(a->name);
  return v;
}

std::vector<Monitoring> Loader::monitoring() const {
  std::map<std::string, std::optional<AttachedAs>> m;
  for (const auto& [i, a] : attached_)
    m[a->name] = a->displaced.empty() ? std::optional<AttachedAs>(a->as) : std::nullopt;
  if (!opts_.all && opts_.include.empty())
    for (const auto& n : opts_.names) m.try_emplace(n);
  for (const auto& n : unattached_wanted_) m.try_emplace(n);
  std::vector<Monitoring> v;
  for (const auto& [name, as] : m) v.push_back({name, as});
  return v;
}

std::vector<std::string> Loader::pending_names() const {
  std::vector<std::string> v;
  for (const auto& m : monitoring())
    if (!m.as) v.push_back(m.name);
  return v;
}

}  // namespace pktlens::bpf
