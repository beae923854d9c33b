// SPDX-License-Identifier: Apache-2.0
// The configuration (and how the daemon runs) as each module's options:
// the BPF object, the tracepoint object, the loader, the collector. The
// daemon builds its modules from these, at start and on reload.
#pragma once

#include <string>
#include <vector>

#include "bpf/flow_iterator.hpp"
#include "bpf/loader.hpp"
#include "bpf/object.hpp"
#include "bpf/tcp_events.hpp"
#include "collector/collector.hpp"
#include "config/config.hpp"
#include "service/daemon_options.hpp"

namespace pktlens::service {

bpf::ObjectOptions object_options(const config::Config& c, const DaemonOptions& d);
bpf::TcpEventsOptions events_options(const config::Config& c, const std::string& pin_dir);
bpf::LoaderOptions loader_options(const config::Config& c, const DaemonOptions& d);
// `network_names`: the object's, by network id; `iterator` may be null.
collector::CollectorOptions collector_options(const config::Config& c, const DaemonOptions& d,
                                              const std::vector<std::string>& network_names,
                                              bpf::FlowIterator* iterator);

}  // namespace pktlens::service
