// SPDX-License-Identifier: Apache-2.0
#include "service/notify.hpp"

#include <systemd/sd-daemon.h>

#include <cstdint>

namespace pktlens::service {

Notifier::Notifier() {
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
    watchdog_every_ = std::chrono::microseconds(usec / 2);
}

void Notifier::ready(const std::string& status) const {
  sd_notify(0, ("READY=1\nSTATUS=" + status).c_str());
}

void Notifier::status(const std::string& status) const {
  sd_notify(0, ("STATUS=" + status).c_str());
}

void Notifier::stopping() const { sd_notify(0, "STOPPING=1\nSTATUS=stopping"); }

void Notifier::watchdog() const {
  if (watchdog_every_.count() > 0) sd_notify(0, "WATCHDOG=1");
}

}  // namespace pktlens::service
