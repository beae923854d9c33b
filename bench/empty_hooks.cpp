// SPDX-License-Identifier: Apache-2.0
// pktlens_bench_empty_hooks DEV|- [--kfree-skb]: the empty TC program
// (bench/empty.bpf.c) as a tcx ingress link on DEV (none for -), the way
// pktlensd attaches its own (bpf::TcxLink), and with --kfree-skb an empty
// program on skb:kfree_skb (bench/empty_tracepoint.bpf.c), as pktlensd
// attaches its drop counter; held until SIGTERM. bench/peers/compare.py's
// measure of what pktlensd's hooks cost the receive path with nothing in
// them. Prints "attached" once they are. Run inside DEV's network namespace.
#include <net/if.h>
#include <signal.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <optional>

#include "bpf/tcx_link.hpp"
#include "pktlens_bench_empty.skel.h"
#include "pktlens_bench_empty_tracepoint.skel.h"

namespace {

struct EmptySkel {
  void operator()(pktlens_bench_empty* s) const { pktlens_bench_empty::destroy(s); }
  void operator()(pktlens_bench_empty_tracepoint* s) const {
    pktlens_bench_empty_tracepoint::destroy(s);
  }
};

}  // namespace

int main(int argc, char** argv) {
  const bool kfree_skb = argc == 3 && std::strcmp(argv[2], "--kfree-skb") == 0;
  if (argc != 2 && !kfree_skb) {
    std::fprintf(stderr, "usage: %s DEV|- [--kfree-skb]\n", argv[0]);
    return 1;
  }
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigaddset(&term, SIGINT);
  sigprocmask(SIG_BLOCK, &term, nullptr);
  const std::unique_ptr<pktlens_bench_empty, EmptySkel> tc(pktlens_bench_empty::open_and_load());
  if (!tc) {
    std::perror("loading bench/empty.bpf.c");
    return 1;
  }
  std::unique_ptr<pktlens_bench_empty_tracepoint, EmptySkel> tp;
  if (kfree_skb) {
    tp.reset(pktlens_bench_empty_tracepoint::open_and_load());
    if (!tp || pktlens_bench_empty_tracepoint::attach(tp.get()) != 0) {
      std::perror("loading and attaching bench/empty_tracepoint.bpf.c");
      return 1;
    }
  }
  try {
    std::optional<pktlens::bpf::TcxLink> link;
    if (std::strcmp(argv[1], "-") != 0)
      link.emplace(static_cast<int>(if_nametoindex(argv[1])), true,
                   bpf_program__fd(tc->progs.empty_tc), "");
    std::printf("attached\n");
    std::fflush(stdout);
    int sig = 0;
    sigwait(&term, &sig);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pktlens_bench_empty_hooks: %s\n", e.what());
    return 1;
  }
  return 0;
}
