// SPDX-License-Identifier: Apache-2.0
// Why the bind failure is diagnosed by a probe: civetweb reports every
// start-up failure as the same CivetException ("null context when
// constructing CivetServer. Possible problem binding to port."); the
// errno is only in a log_message callback, whose only per-server context
// is the CivetServer itself, so reaching our object from it would need
// global state. Instead, after a failure we bind a socket to the same
// address the way civetweb does (SO_REUSEADDR, same family) and report
// that errno: the causes worth naming (port taken, address not local,
// privileged port) are persistent, so the probe sees what civetweb saw.
#include "exporter/http_server.hpp"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <prometheus/exposer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

namespace pktlens::exporter {

namespace {

constexpr unsigned kCivetwebFeatureIpv6 = 8;  // MG_FEATURES_IPV6 in civetweb.h

bool is_ipv6(const config::ListenAddress& a) { return a.host.find(':') != std::string::npos; }

std::string fix_hint() { return "; change \"listen:\" in the config"; }

// errno of binding a TCP socket to `a` as civetweb would, 0 if it binds.
int probe_bind(const config::ListenAddress& a, bool ipv6_supported) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  const bool v6 = is_ipv6(a) || (a.host.empty() && ipv6_supported);
  if (v6) {
    auto& sin6 = reinterpret_cast<sockaddr_in6&>(ss);
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(a.port);
    if (!a.host.empty() && inet_pton(AF_INET6, a.host.c_str(), &sin6.sin6_addr) != 1) return EINVAL;
    len = sizeof sin6;
  } else {
    auto& sin = reinterpret_cast<sockaddr_in&>(ss);
    sin.sin_family = AF_INET;
    sin.sin_port = htons(a.port);
    if (!a.host.empty() && inet_pton(AF_INET, a.host.c_str(), &sin.sin_addr) != 1) return EINVAL;
    len = sizeof sin;
  }
  const int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno;
  const int on = 1;
  const int off = 0;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (v6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, a.host.empty() ? &off : &on, sizeof on);
  int err = 0;
  if (bind(fd, reinterpret_cast<const sockaddr*>(&ss), len) != 0 || listen(fd, 1) != 0) err = errno;
  close(fd);
  return err;
}

std::string bind_cause(int err, const std::string& civetweb_message) {
  switch (err) {
    case EADDRINUSE:
      return "address already in use (another pktlensd or exporter on that port?)";
    case EADDRNOTAVAIL:
      return "address not available (no local interface has this address)";
    case EACCES:
      return "permission denied (ports below 1024 need CAP_NET_BIND_SERVICE)";
    case 0:
      // The probe bound: not a persistent bind problem we can name.
      return "the HTTP server did not start (civetweb: " + civetweb_message + ")";
    default:
      return std::strerror(err);
  }
}

}  // namespace

bool civetweb_has_ipv6() { return mg_check_feature(kCivetwebFeatureIpv6) != 0; }

std::string listening_ports_option(const config::ListenAddress& address, bool ipv6_supported) {
  const std::string port = std::to_string(address.port);
  if (address.host.empty()) return (ipv6_supported ? "+" : "") + port;
  if (!is_ipv6(address)) return address.host + ":" + port;
  if (!ipv6_supported)
    throw std::runtime_error("cannot listen on " + config::to_string(address) +
                             ": the civetweb library in use has no IPv6 support (Debian's "
                             "libcivetweb1 is built without it); use an IPv4 address, or \":" +
                             port + "\" for every IPv4 address" + fix_hint());
  return "[" + address.host + "]:" + port;
}

HttpServer::HttpServer(const config::ListenAddress& address,
                       const std::shared_ptr<prometheus::Collectable>& metrics, std::size_t threads)
    : metrics_(metrics) {
  const bool ipv6 = civetweb_has_ipv6();
  ipv4_only_ = address.host.empty() && !ipv6;
  std::vector<std::string> options{"listening_ports", listening_ports_option(address, ipv6),
                                   "num_threads", std::to_string(threads)};
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(std::move(options));
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on " + config::to_string(address) + ": " +
                             bind_cause(probe_bind(address, ipv6), e.what()) + fix_hint());
  }
  exposer_->RegisterCollectable(metrics_, "/metrics");
}

HttpServer::~HttpServer() = default;

uint16_t HttpServer::bound_port() const {
  const auto ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : static_cast<uint16_t>(ports.front());
}

}  // namespace pktlens::exporter
