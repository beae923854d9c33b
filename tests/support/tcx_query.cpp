// SPDX-License-Identifier: Apache-2.0
// pktlens_test_tcx_query DEV: the programs on DEV's tcx hooks, one line each,
// "tcx ingress id N name NAME" (then egress), for the e2e harness: Debian
// 12's bpftool predates tcx and lists neither the hooks nor the links'
// interfaces. Run as root inside DEV's network namespace. Exit 2 when the
// kernel has no tcx hooks.
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <net/if.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DEV\n", argv[0]);
    return 1;
  }
  const unsigned ifindex = if_nametoindex(argv[1]);
  if (ifindex == 0) {
    std::fprintf(stderr, "%s: %s\n", argv[1], std::strerror(errno));
    return 1;
  }
  const struct {
    const char* name;
    int type;  // BPF_TCX_INGRESS, BPF_TCX_EGRESS (Linux 6.6 UAPI)
  } hooks[] = {{"ingress", 46}, {"egress", 47}};
  for (const auto& h : hooks) {
    __u32 ids[64], count = 64;
    if (bpf_prog_query(static_cast<int>(ifindex), static_cast<bpf_attach_type>(h.type), 0, nullptr,
                       ids, &count) != 0) {
      std::fprintf(stderr, "tcx %s of %s: %s\n", h.name, argv[1], std::strerror(errno));
      return errno == EINVAL ? 2 : 1;
    }
    for (__u32 i = 0; i < count; i++) {
      char name[BPF_OBJ_NAME_LEN] = "?";
      const int fd = bpf_prog_get_fd_by_id(ids[i]);
      if (fd >= 0) {
        bpf_prog_info info{};
        __u32 len = sizeof info;
        if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) std::memcpy(name, info.name, sizeof name);
        close(fd);
      }
      std::printf("tcx %s id %u name %s\n", h.name, ids[i], name);
    }
  }
  return 0;
}
