// SPDX-License-Identifier: Apache-2.0
#include "read_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "config.hpp"

namespace pktlens::config::detail {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

[[noreturn]] void fail(const std::string& path, const std::string& what, int err) {
  throw ConfigError(path, 0, 0, what + ": " + std::strerror(err));
}

}  // namespace

std::string read_file(const std::string& path) {
  // open/read rather than iostreams: their failures carry errno for sure.
  const Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) fail(path, "cannot open", errno);
  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(path, "cannot read", errno);
    if (n == 0) return text;
    text.append(buf, static_cast<std::size_t>(n));
    if (text.size() > kMaxConfigFileSize) {
      throw ConfigError(path, 0, 0, "larger than 1 MiB (expected a configuration file)");
    }
  }
}

}  // namespace pktlens::config::detail
