// SPDX-License-Identifier: Apache-2.0
// pktlens_bench_tcx_empty DEV: the empty TC program (bench/empty.bpf.c) as a
// tcx ingress link on DEV, the way pktlensd attaches its own (bpf::TcxLink),
// held until SIGTERM: bench/peers/compare.py's measure of what the hook
// alone costs the receive path. Prints "attached" once it is. Run inside
// DEV's network namespace.
#include <net/if.h>
#include <signal.h>

#include <cstdio>
#include <exception>

#include "bpf/tcx_link.hpp"
#include "pktlens_bench_empty.skel.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DEV\n", argv[0]);
    return 1;
  }
  sigset_t term;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigaddset(&term, SIGINT);
  sigprocmask(SIG_BLOCK, &term, nullptr);
  pktlens_bench_empty* skel = pktlens_bench_empty::open_and_load();
  if (!skel) {
    std::perror("loading bench/empty.bpf.c");
    return 1;
  }
  int rc = 0;
  try {
    const pktlens::bpf::TcxLink link(static_cast<int>(if_nametoindex(argv[1])), true,
                                     bpf_program__fd(skel->progs.empty_tc), "");
    std::printf("attached\n");
    std::fflush(stdout);
    int sig = 0;
    sigwait(&term, &sig);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pktlens_bench_tcx_empty: %s\n", e.what());
    rc = 1;
  }
  pktlens_bench_empty::destroy(skel);
  return rc;
}
