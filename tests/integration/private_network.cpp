// SPDX-License-Identifier: Apache-2.0
#include "private_network.hpp"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace pktlens::test {
namespace {

void write_file(const std::string& path, const std::string& value) {
  std::ofstream f(path);
  f << value;
  if (!f) throw std::runtime_error("writing " + path);
}

}  // namespace

std::string sh(const std::string& cmd) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) throw std::system_error(errno, std::generic_category(), "running " + cmd);
  std::string out;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  const int status = pclose(p);
  if (status != 0) throw std::runtime_error("`" + cmd + "` failed: " + out);
  return out;
}

PrivateNetwork::PrivateNetwork() {
  if (unshare(CLONE_NEWNET) != 0)
    throw std::system_error(errno, std::generic_category(), "unshare(CLONE_NEWNET)");
  // No router solicitations, DAD or MLD reports: only the test's frames.
  write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
  write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
  sh("ip link add pk0 type veth peer name pk1");
  sh("ip link set pk0 up");
  sh("ip link set pk1 up");
  if0 = static_cast<int>(if_nametoindex("pk0"));
  if1 = static_cast<int>(if_nametoindex("pk1"));
  if (!if0 || !if1) throw std::runtime_error("veth pair pk0/pk1 not found after creating it");
}

void send_frames(int ifindex, const std::vector<std::vector<uint8_t>>& frames) {
  const int fd = socket(AF_PACKET, SOCK_RAW, 0);  // protocol 0: send only
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "AF_PACKET socket");
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_ifindex = ifindex;
  to.sll_halen = ETH_ALEN;
  for (const auto& f : frames) {
    std::copy(f.begin(), f.begin() + ETH_ALEN, to.sll_addr);
    if (sendto(fd, f.data(), f.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to) !=
        static_cast<ssize_t>(f.size())) {
      const int err = errno;
      close(fd);
      throw std::system_error(err, std::generic_category(), "sending a test frame");
    }
  }
  close(fd);
}

}  // namespace pktlens::test
