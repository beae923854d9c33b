// SPDX-License-Identifier: Apache-2.0
// RAII over pktlens's XDP program on one interface: native mode when the
// driver supports it, generic otherwise. A program that a pktlensd of the
// same pin directory left (a crash, or a restart that left it counting) is
// replaced in place, in its mode (atomically: no frame goes uncounted);
// anybody else's is refused. On destruction only our own program is
// removed.
#pragma once

#include <cstdint>
#include <string>

#include "bpf/prog_info.hpp"

namespace pktlens::bpf {

enum class XdpMode { Native, Generic };

class XdpAttachment {
 public:
  XdpAttachment(int ifindex, int prog_fd, const Recognise& predecessor);
  ~XdpAttachment();
  XdpAttachment(const XdpAttachment&) = delete;
  XdpAttachment& operator=(const XdpAttachment&) = delete;

  XdpMode mode() const { return mode_; }
  // Why native mode was not used ("" when it was): for a warning.
  const std::string& fallback_reason() const { return fallback_reason_; }
  uint32_t prog_id() const { return prog_id_; }
  // The predecessor's program replaced in place, 0 when there was none.
  uint32_t replaced() const { return replaced_; }
  // The XDP program on the interface now (either mode), 0 when none.
  uint32_t occupant() const;
  // Attaches again after the program was removed; never replaces whatever
  // was attached in between (throws then).
  void reattach();
  // Leaves the program attached at destruction (a successor takes it over).
  void release() { released_ = true; }

 private:
  void attach_new();
  int ifindex_;
  int prog_fd_;
  uint32_t prog_id_;
  XdpMode mode_ = XdpMode::Native;
  std::string fallback_reason_;
  uint32_t replaced_ = 0;
  bool released_ = false;
};

}  // namespace pktlens::bpf
