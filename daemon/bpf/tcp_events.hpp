// SPDX-License-Identifier: Apache-2.0
// The tracepoint object (bpf/tcp_events.bpf.c): kernel drops by reason,
// TCP retransmissions and the kernel's smoothed RTT. Loaded next to the
// data plane's object, its maps pinned in the same directory; a switched-off
// signal's program is neither loaded nor attached. Owns the skeleton and
// the attachments (RAII: destroyed, they detach).
#pragma once

#include <bpf/libbpf.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bpf/abi.hpp"

extern "C" {
#include <tcp_events.h>
}

struct pktlens_tcp_events;

namespace pktlens::bpf {

struct TcpEventsOptions {
  bool drops = true;        // skb:kfree_skb
  bool retransmits = true;  // tcp:tcp_retransmit_skb, tcp:tcp_retransmit_synack
  bool srtt = true;         // tcp:tcp_probe
  // At most one srtt sample per socket per this interval.
  uint64_t srtt_sample_ns = PKTLENS_DEFAULT_SRTT_SAMPLE_NS;
  // Events of this network namespace (inode number) are counted; 0: the
  // namespace of the calling thread.
  uint32_t netns_ino = 0;
  // Directory on a bpffs where maps are pinned; empty: no pinning (tests).
  std::string pin_dir;
};

// The inode number of the calling thread's network namespace.
uint32_t current_netns_ino();

class TcpEvents {
 public:
  // Opens, loads and attaches; throws std::system_error / runtime_error
  // saying what failed.
  explicit TcpEvents(const TcpEventsOptions& o);
  ~TcpEvents();
  TcpEvents(const TcpEvents&) = delete;
  TcpEvents& operator=(const TcpEvents&) = delete;

  pktlens_tcp_events* skel() const { return skel_.get(); }
  const TcpEventsOptions& options() const { return opts_; }
  // Pinned maps created anew (see Object::recreated_maps).
  const std::vector<std::string>& recreated_maps() const { return recreated_; }
  // Names of the attached programs, for the log.
  std::vector<std::string> attached() const;

 private:
  struct Destroy {
    void operator()(pktlens_tcp_events* s) const;
  };
  struct LinkDestroy {
    void operator()(bpf_link* l) const { bpf_link__destroy(l); }
  };
  TcpEventsOptions opts_;
  std::unique_ptr<pktlens_tcp_events, Destroy> skel_;
  std::vector<std::string> recreated_;
  // Declared after skel_: destroyed first, so programs detach before the
  // object closes.
  std::vector<std::pair<std::string, std::unique_ptr<bpf_link, LinkDestroy>>> links_;
};

}  // namespace pktlens::bpf
