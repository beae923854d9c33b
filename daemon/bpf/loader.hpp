// SPDX-License-Identifier: Apache-2.0
// The loader: which interfaces carry pktlens's programs. It compares the
// interfaces the kernel has now with what is configured and attached, attaches
// where something is missing, verifies that its programs are still where it
// put them (attaching again where they were removed, reporting where somebody
// else took their place - never fighting over it), lets go of interfaces that
// disappeared, and reports only what changed, so a caller can run it every
// interval without repeating log lines. What it attaches is written to the
// AttachRecord first, so that its successor recognises it. Each attachment is
// RAII (tc_attachment, xdp_attachment): destroying the Loader, or unwinding
// through it, leaves nothing attached - unless keep_attached() handed the
// programs over to the next pktlensd.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "bpf/links.hpp"

struct pktlens_bpf;

namespace pktlens::bpf {

class AttachRecord;
class IfaceRegistry;

enum class Hook {
  tc,   // clsact ingress + egress
  xdp,  // ingress only; native, generic as fallback
};

struct LoaderOptions {
  Hook hook = Hook::tc;
  // true: every interface that is up and not loopback, as it appears.
  bool all = true;
  // When !all and include is empty: exactly these names, attached whether
  // up or not.
  std::vector<std::string> names;
  // When !all and include is not empty: every interface that is up and not
  // loopback whose name matches a glob of include (fnmatch(3)) and none of
  // exclude.
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  // How long the slot of an interface that is gone (or no longer
  // configured) keeps its name and final values before it is zeroed and
  // freed.
  std::chrono::milliseconds retention{300000};
  // Hook::tc as tcx links where the kernel has them (bpf/tcx_link.hpp), else
  // clsact filters. An interface where a predecessor's clsact filter still
  // counts keeps one (taken over in place) until a start that is not a
  // hand-over.
  bool tcx = false;
  // Where tcx links are pinned (the maps' pin directory); "": not pinned.
  std::string pin_dir;
};

// The slot table (IfaceRegistry) as of the last sync.
struct SlotUse {
  uint32_t capacity = 0;
  uint32_t attached = 0;  // slots of interfaces attached now
  uint32_t retained = 0;  // slots of gone interfaces within their retention
  uint32_t waiting = 0;   // interfaces to attach that found no free slot
};

// How an interface carries the programs.
enum class AttachedAs {
  tc,           // clsact ingress and egress filters
  xdp_native,   // XDP in the driver
  xdp_generic,  // XDP in the stack (the driver refused native XDP): slower
};
std::string_view to_string(AttachedAs a);  // "tc", "xdp (native)", "xdp (generic)"

// What one sync changed; each item is one log line's worth of facts.
struct SyncEvents {
  struct Attached {
    std::string name;
    uint32_t ifindex;
    uint32_t slot;
    AttachedAs as = AttachedAs::tc;
    std::string generic_reason;  // why native XDP was refused (xdp_generic)
    // Programs a previous pktlensd of this pin directory left (a crash, or
    // a restart that handed them over) were replaced in place.
    bool replaced_stale;
    // Hook::tc: as tcx links, not clsact filters.
    bool tcx = false;
  };
  struct Problem {
    std::string name;
    std::string what;
  };
  std::vector<Attached> attached;
  std::vector<std::string> gone;  // attached interfaces that disappeared
  // Attached interfaces the configuration no longer selects, detached.
  std::vector<std::string> deselected;
  // Attached interfaces moved to the other hook (attach: tc <-> xdp).
  std::vector<std::string> switched;
  // Slots of gone interfaces whose retention ended, zeroed and freed: their
  // series end now.
  std::vector<std::string> released;
  // Interfaces found no free slot; set when that starts (logged once), and
  // cleared once every interface has one again.
  std::optional<uint32_t> slots_full;
  std::vector<std::string> missing;  // configured names that are not there (newly)
  std::vector<Problem> failed;       // attaching failed (newly, or a new error)
  std::vector<Problem> renamed;      // name: the metrics name kept; what: the new name
  // pktlens's programs were removed from an attached interface (e.g. `tc
  // qdisc del dev X clsact`) and attached again; what: the places.
  std::vector<Problem> reattached;
  // Another program took pktlens's place on an attached interface; it is
  // left alone, the interface is not monitored until the place is free.
  std::vector<Problem> displaced;
  // What a previous pktlensd of this pin directory left at places this
  // configuration does not use was removed; what: the places.
  std::vector<Problem> cleaned;
  bool empty() const {
    return attached.empty() && gone.empty() && deselected.empty() && switched.empty() &&
           released.empty() && !slots_full && missing.empty() && failed.empty() &&
           renamed.empty() && reattached.empty() && displaced.empty() && cleaned.empty();
  }
};

// One interface pktlensd should monitor, and whether it does.
struct Monitoring {
  std::string name;              // the metrics name
  std::optional<AttachedAs> as;  // empty: not monitored (missing, failing, displaced)
  bool operator==(const Monitoring&) const = default;
};

class Loader {
 public:
  Loader(pktlens_bpf* skel, IfaceRegistry& registry, AttachRecord& record, LoaderOptions o);
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  // Against the interfaces the kernel lists now (list_links()).
  SyncEvents sync();
  // Against a given list (tests).
  SyncEvents sync(const std::vector<Link>& links);

  // A reload: the next sync detaches what `o` no longer selects (its slot
  // retained as for a gone interface), attaches what it newly selects, and
  // moves every interface to o.hook if that changed.
  void reconfigure(LoaderOptions o) { opts_ = std::move(o); }

  // pktlens_stats slot -> interface name, for every interface attached now
  // and every gone one within its retention: their counters stay in the
  // maps and keep the name they had when attached, so a rename or a removal
  // never splits a series; after the retention the slot is zeroed, freed
  // and its series end.
  const std::map<uint32_t, std::string>& slot_names() const { return slot_names_; }
  // ifindex -> the same names (VLAN records are keyed by ifindex).
  const std::map<uint32_t, std::string>& ifindex_names() const { return ifindex_names_; }
  // Names of the interfaces attached right now, in ifindex order.
  std::vector<std::string> attached_names() const;
  size_t attached_count() const { return attached_.size(); }
  SlotUse slot_use() const { return slot_use_; }
  // Names that should be monitored and are not right now (missing,
  // failing, displaced), in name order.
  std::vector<std::string> pending_names() const;
  // Every interface that should be monitored, as of the last sync, in name
  // order: configured names, and with `all` the interfaces it takes.
  std::vector<Monitoring> monitoring() const;

  // At destruction, leaves every program (and clsact) attached, and the
  // record saying so: the next pktlensd of this pin directory replaces
  // them in place, and they count into the pinned maps until it does.
  void keep_attached();

 private:
  struct Attachment;
  bool selected(const Link& l) const;
  bool wanted(const Link& l) const;
  void retire(uint32_t slot, std::chrono::steady_clock::time_point now);
  void retire_predecessors(const std::map<uint32_t, const Link*>& present,
                           std::chrono::steady_clock::time_point now);
  void release_expired(std::chrono::steady_clock::time_point now, SyncEvents& ev);
  std::unique_ptr<Attachment> attach(const Link& l, SyncEvents::Attached& ev);
  void verify(Attachment& a, SyncEvents& ev);
  void remove_leftovers(const std::map<uint32_t, const Link*>& present, SyncEvents& ev);

  pktlens_bpf* skel_;
  IfaceRegistry& registry_;
  AttachRecord& record_;
  LoaderOptions opts_;
  std::map<uint32_t, std::unique_ptr<Attachment>> attached_;  // by ifindex
  std::map<uint32_t, std::string> slot_names_;
  std::map<uint32_t, std::string> ifindex_names_;
  std::map<std::string, std::string> reported_;  // name -> last problem logged
  std::set<std::string> unattached_wanted_;      // `all`: taken, but attaching failed
  // Slots of gone interfaces -> when they went.
  std::map<uint32_t, std::chrono::steady_clock::time_point> retiring_;
  bool predecessors_checked_ = false;
  SlotUse slot_use_;
};

}  // namespace pktlens::bpf
