// SPDX-License-Identifier: Apache-2.0
// systemd's notification protocol (Type=notify): READY once programs are
// attached and the first snapshot exists, STATUS lines, STOPPING, and the
// watchdog when WatchdogSec= is set. Without NOTIFY_SOCKET every call is a
// no-op, so pktlensd runs the same in a shell.
#pragma once

#include <chrono>
#include <string>

namespace pktlens::service {

class Notifier {
 public:
  Notifier();
  void ready(const std::string& status) const;
  void status(const std::string& status) const;
  void stopping() const;
  // Pets the watchdog when systemd asked for one.
  void watchdog() const;
  // Half the watchdog period (how often to pet it), or zero when off.
  std::chrono::microseconds watchdog_every() const { return watchdog_every_; }

 private:
  std::chrono::microseconds watchdog_every_{0};
};

}  // namespace pktlens::service
