// SPDX-License-Identifier: Apache-2.0
#include "bpf/tcx_link.hpp"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <system_error>

#include <unistd.h>

#include "bpf/pin_dir.hpp"
#include "bpf/prog_info.hpp"

namespace pktlens::bpf {
namespace {

// Linux 6.6's UAPI, as kTcxIngressAttach.
constexpr uint32_t kLinkTypeTcx = 11;  // BPF_LINK_TYPE_TCX
constexpr uint32_t kBefore = 1U << 3;  // BPF_F_BEFORE: first on the hook

bpf_attach_type attach_type(bool ingress) {
  return static_cast<bpf_attach_type>(ingress ? kTcxIngressAttach : kTcxEgressAttach);
}

const char* direction(bool ingress) { return ingress ? "ingress" : "egress"; }

std::string where(int ifindex, bool ingress) {
  return std::string("tcx ") + direction(ingress) + " of " + ifname(ifindex);
}

[[noreturn]] void fail(int err, const std::string& what) {
  std::string hint;
  if (err == EPERM || err == EACCES) hint = " (pktlensd needs CAP_NET_ADMIN and CAP_BPF)";
  throw std::system_error(err, std::generic_category(), what + hint);
}

// What a tcx link says of itself: its program, and the interface and
// direction while attached (ifindex 0 once detached).
struct LinkState {
  uint32_t type = 0;
  uint32_t prog_id = 0;
  uint32_t ifindex = 0;
  uint32_t attach_type = 0;
};

LinkState link_state(int fd) {
  bpf_link_info info{};
  uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
    throw std::system_error(errno, std::generic_category(), "reading a tcx link's info");
  LinkState s{info.type, info.prog_id, 0, 0};
  // The tcx member of the info's union (ifindex, attach_type) is its first
  // two words; the build's headers may not name it.
  uint32_t words[2];
  std::memcpy(words, reinterpret_cast<const char*>(&info) + offsetof(bpf_link_info, raw_tracepoint),
              sizeof words);
  s.ifindex = words[0];
  s.attach_type = words[1];
  return s;
}

}  // namespace

std::string tcx_pin_path(const std::string& pin_dir, uint32_t ifindex, bool ingress) {
  if (pin_dir.empty()) return "";
  return pin_dir + "/link_tcx_" + direction(ingress) + "_" + std::to_string(ifindex);
}

TcxLink::TcxLink(int ifindex, bool ingress, int prog_fd, const std::string& pin_dir)
    : ifindex_(ifindex),
      ingress_(ingress),
      prog_fd_(prog_fd),
      prog_id_(prog_id_of_fd(prog_fd)),
      pin_path_(tcx_pin_path(pin_dir, static_cast<uint32_t>(ifindex), ingress)) {
  if (!pin_path_.empty()) {
    // Only a link pktlensd pinned: this uid's, private (as its maps).
    if (const std::string why = pinned_link_problem(pin_path_); !why.empty())
      throw std::runtime_error(why);
    UniqueFd old(bpf_obj_get(pin_path_.c_str()));
    if (old.get() >= 0) {
      const LinkState s = link_state(old.get());
      if (s.type == kLinkTypeTcx && s.ifindex == static_cast<uint32_t>(ifindex) &&
          s.attach_type == static_cast<uint32_t>(attach_type(ingress))) {
        // The predecessor's link, attached and counting: our program takes
        // its place in one step.
        if (s.prog_id != prog_id_ && bpf_link_update(old.get(), prog_fd, nullptr) != 0)
          fail(errno, "replacing the program of the pktlens link on " + where(ifindex, ingress));
        if (s.prog_id != prog_id_) replaced_ = s.prog_id;
        link_.reset(old.release());
        return;
      }
      // Detached (the interface went, or somebody detached it) or not a
      // tcx link of this place: the pin is stale.
      ::unlink(pin_path_.c_str());
    } else if (errno != ENOENT) {
      fail(errno, "opening " + pin_path_);
    }
  }
  create();
}

void TcxLink::create() {
  LIBBPF_OPTS(bpf_link_create_opts, o, .flags = kBefore);
  const int fd = bpf_link_create(prog_fd_, ifindex_, attach_type(ingress_), &o);
  if (fd < 0) fail(errno, "attaching the pktlens program to " + where(ifindex_, ingress_));
  link_.reset(fd);
  if (!pin_path_.empty() && bpf_obj_pin(fd, pin_path_.c_str()) != 0) {
    const int err = errno;
    bpf_link_detach(fd);
    link_.reset();
    fail(err, "pinning the pktlens link of " + where(ifindex_, ingress_) + " at " + pin_path_);
  }
}

uint32_t TcxLink::occupant() const {
  const LinkState s = link_state(link_.get());
  return s.ifindex == 0 ? 0 : s.prog_id;
}

void TcxLink::reattach() {
  if (!pin_path_.empty()) ::unlink(pin_path_.c_str());
  link_.reset();
  create();
}

TcxLink::~TcxLink() {
  if (released_ || link_.get() < 0) return;
  // Only our own program: a link somebody swapped another program into
  // (through our pin) is left to them.
  try {
    const uint32_t now = occupant();
    if (now != prog_id_ && now != 0) return;
  } catch (const std::exception&) {
    // Unreadable: detached all the same, it is our link.
  }
  bpf_link_detach(link_.get());
  if (!pin_path_.empty()) ::unlink(pin_path_.c_str());
}

bool remove_leftover_tcx(const std::string& pin_dir, uint32_t ifindex, bool ingress,
                         uint32_t prog_id) {
  const std::string path = tcx_pin_path(pin_dir, ifindex, ingress);
  if (path.empty()) return false;
  UniqueFd fd(bpf_obj_get(path.c_str()));
  if (fd.get() < 0) return false;
  LinkState s;
  try {
    s = link_state(fd.get());
  } catch (const std::exception&) {
    return false;
  }
  if (s.type != kLinkTypeTcx) return false;
  if (s.ifindex == 0) {
    ::unlink(path.c_str());
    return false;
  }
  if (s.prog_id != prog_id) return false;
  const bool detached = bpf_link_detach(fd.get()) == 0;
  ::unlink(path.c_str());
  return detached;
}

}  // namespace pktlens::bpf
