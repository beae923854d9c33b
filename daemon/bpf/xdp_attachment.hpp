// SPDX-License-Identifier: Apache-2.0
// RAII over pktlens's XDP program on one interface: native mode when the
// driver supports it, generic otherwise; a program of ours left by a killed
// pktlensd is replaced, anybody else's is refused, and on destruction only
// our own program is removed.
#pragma once

#include <cstdint>
#include <string>

namespace pktlens::bpf {

enum class XdpMode { Native, Generic };

class XdpAttachment {
 public:
  XdpAttachment(int ifindex, int prog_fd, const std::string& expected_name);
  ~XdpAttachment();
  XdpAttachment(const XdpAttachment&) = delete;
  XdpAttachment& operator=(const XdpAttachment&) = delete;

  XdpMode mode() const { return mode_; }
  // Why native mode was not used ("" when it was): for a warning.
  const std::string& fallback_reason() const { return fallback_reason_; }
  bool replaced_stale() const { return replaced_stale_; }

 private:
  int ifindex_;
  int prog_fd_;
  XdpMode mode_ = XdpMode::Native;
  std::string fallback_reason_;
  bool replaced_stale_ = false;
};

}  // namespace pktlens::bpf
