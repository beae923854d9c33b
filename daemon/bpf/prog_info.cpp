// SPDX-License-Identifier: Apache-2.0
#include "bpf/prog_info.hpp"

#include <bpf/bpf.h>
#include <net/if.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

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

std::string describe_prog(uint32_t id) {
  const std::string name = prog_name_by_id(id);
  return name.empty() ? "program id " + std::to_string(id)
                      : "program '" + name + "' (id " + std::to_string(id) + ")";
}

uint32_t prog_id_of_fd(int fd) {
  bpf_prog_info info{};
  uint32_t len = sizeof info;
  if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
    throw std::system_error(errno, std::generic_category(), "reading a program's id");
  return info.id;
}

std::string ifname(int ifindex) {
  char buf[IF_NAMESIZE] = {};
  if (if_indextoname(static_cast<unsigned>(ifindex), buf)) return buf;
  return "ifindex " + std::to_string(ifindex);
}

}  // namespace pktlens::bpf
