// SPDX-License-Identifier: Apache-2.0
#include "bpf/prog_info.hpp"

#include <bpf/bpf.h>
#include <net/if.h>
#include <unistd.h>

namespace pktlens::bpf {

std::string prog_name_by_id(uint32_t id) {
  const int fd = bpf_prog_get_fd_by_id(id);
  if (fd < 0) return "";
  bpf_prog_info info{};
  uint32_t len = sizeof info;
  std::string name;
  if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) name = info.name;
  close(fd);
  return name;
}

std::string ifname(int ifindex) {
  char buf[IF_NAMESIZE] = {};
  if (if_indextoname(static_cast<unsigned>(ifindex), buf)) return buf;
  return "ifindex " + std::to_string(ifindex);
}

}  // namespace pktlens::bpf
