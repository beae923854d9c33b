// SPDX-License-Identifier: Apache-2.0
#include "bpf/links.hpp"

#include <ifaddrs.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <system_error>

namespace pktlens::bpf {
namespace {

struct FreeIfaddrs {
  void operator()(ifaddrs* a) const { freeifaddrs(a); }
};

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

uint32_t mtu_of(int sock, const std::string& name) {
  ifreq r{};
  std::strncpy(r.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (sock < 0 || ioctl(sock, SIOCGIFMTU, &r) != 0) return 0;
  return r.ifr_mtu > 0 ? static_cast<uint32_t>(r.ifr_mtu) : 0;
}

}  // namespace

std::vector<Link> list_links() {
  // getifaddrs lists every link once as an AF_PACKET entry, addresses or
  // not, with its flags; if_nameindex would need an ioctl per link for them.
  ifaddrs* raw = nullptr;
  if (getifaddrs(&raw) != 0)
    throw std::system_error(errno, std::generic_category(), "listing network interfaces");
  std::unique_ptr<ifaddrs, FreeIfaddrs> all(raw);
  const Fd sock{socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)};

  std::vector<Link> links;
  for (const ifaddrs* a = all.get(); a; a = a->ifa_next) {
    if (!a->ifa_addr || a->ifa_addr->sa_family != AF_PACKET || !a->ifa_name) continue;
    const unsigned idx = if_nametoindex(a->ifa_name);
    if (idx == 0) continue;  // gone since getifaddrs
    Link l;
    l.ifindex = idx;
    l.name = a->ifa_name;
    l.up = (a->ifa_flags & IFF_UP) != 0;
    l.loopback = (a->ifa_flags & IFF_LOOPBACK) != 0;
    l.mtu = mtu_of(sock.fd, l.name);
    links.push_back(std::move(l));
  }
  std::sort(links.begin(), links.end(),
            [](const Link& a, const Link& b) { return a.ifindex < b.ifindex; });
  links.erase(std::unique(links.begin(), links.end(),
                          [](const Link& a, const Link& b) { return a.ifindex == b.ifindex; }),
              links.end());
  return links;
}

}  // namespace pktlens::bpf
