// SPDX-License-Identifier: Apache-2.0
#include "reload.hpp"

namespace pktlens::config {

std::vector<std::string> sections_needing_restart(const Config& running, const Config& next) {
  // Names every member of Config: one added later fails to compile here
  // until it is sorted into one group or the other.
  [[maybe_unused]] const auto& [interfaces, attach, listen, interval, flows, vlans, latency, loss,
                                networks, threats, log_level, web_config_file, alerts, exports] =
      next;
  // interval, log_level, web_config_file (the web config is re-read) and
  // alerts apply at once (Daemon::apply, service/run.cpp).
  std::vector<std::string> restart;
  if (next.interfaces != running.interfaces) restart.push_back("interfaces");
  if (next.attach != running.attach) restart.push_back("attach");
  if (next.listen != running.listen) restart.push_back("listen");
  if (next.vlans != running.vlans) restart.push_back("vlans");
  if (next.flows != running.flows) restart.push_back("flows");
  if (next.latency != running.latency) restart.push_back("latency");
  if (next.loss != running.loss) restart.push_back("loss");
  if (next.networks != running.networks) restart.push_back("networks");
  if (next.threats != running.threats) restart.push_back("threats");
  if (next.exports != running.exports) restart.push_back("export");
  return restart;
}

}  // namespace pktlens::config
