// SPDX-License-Identifier: Apache-2.0
#include "bpf/pin_dir.hpp"

#include <bpf/bpf.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace pktlens::bpf {
namespace {

std::string octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISLNK(mode)) return "a symbolic link";
  if (S_ISREG(mode)) return "a file";
  return "a special file";
}

// "owned by uid U with mode M" when `st` is not owned by the effective uid
// or grants anything to group or others; "" otherwise.
std::string foreign_or_open(const struct stat& st) {
  const uid_t me = geteuid();
  if (st.st_uid == me && (st.st_mode & 077) == 0) return "";
  return "owned by uid " + std::to_string(st.st_uid) + " with mode " + octal(st.st_mode) +
         " (pktlensd runs as uid " + std::to_string(me) + " and needs it owned by itself, " +
         "with no access for group or others)";
}

// The kind of BPF object `fd` refers to: "bpf-map", "bpf-prog", "bpf_link"...
std::string bpf_object_kind(int fd) {
  char target[PATH_MAX];
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t n = readlink(link.c_str(), target, sizeof target - 1);
  if (n < 0) return "";
  const std::string s(target, static_cast<size_t>(n));
  const std::string prefix = "anon_inode:";
  return s.rfind(prefix, 0) == 0 ? s.substr(prefix.size()) : s;
}

}  // namespace

std::string pin_dir_problem(const std::string& dir) {
  struct stat st {};
  if (lstat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) return "";
    return "cannot examine the pin directory " + dir + ": " + std::strerror(errno);
  }
  if (!S_ISDIR(st.st_mode))
    return "the pin directory " + dir + " is " + kind_of(st.st_mode) +
           ", not a directory; remove it (pktlensd creates the directory itself)";
  const std::string why = foreign_or_open(st);
  if (why.empty()) return "";
  return "refusing the pin directory " + dir + ": it is " + why +
         ", so that nobody else can delete, replace or open the pinned maps; fix: `chown " +
         std::to_string(geteuid()) + " " + dir + " && chmod 0700 " + dir + "` if its contents " +
         "are pktlensd's, else remove it (`rm -r " + dir + "`) and pktlensd creates it anew";
}

void make_private_pin_dir(const std::string& dir) {
  const auto parent = std::filesystem::path(dir).lexically_normal().parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  if (ec) throw std::system_error(ec, "creating " + parent.string());
  if (mkdir(dir.c_str(), 0700) == 0) {
    // The umask may have taken more than group and other bits.
    if (chmod(dir.c_str(), 0700) != 0)
      throw std::system_error(errno, std::generic_category(), "chmod 0700 " + dir);
  } else if (errno != EEXIST) {
    throw std::system_error(errno, std::generic_category(), "creating " + dir);
  }
  if (auto why = pin_dir_problem(dir); !why.empty()) throw std::runtime_error(why);
}

namespace {

// pinned_map_problem() and pinned_link_problem(): `kind` as
// /proc/self/fd names it ("bpf-map", "bpf-link"), `what` for messages.
std::string pinned_problem(const std::string& path, const std::string& kind_wanted,
                           const std::string& what) {
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return "";
  const std::string fix =
      "; pktlensd did not put it there: remove it (`rm -r " + path + "`) and start pktlensd again";
  if (!S_ISREG(st.st_mode))
    return path + " is " + kind_of(st.st_mode) + ", not a pinned " + what + fix;
  if (const std::string why = foreign_or_open(st); !why.empty())
    return "refusing the pinned " + what + " " + path + ": it is " + why + fix;
  const int fd = bpf_obj_get(path.c_str());
  if (fd < 0) return "";  // opened again by the caller, which reports why
  const std::string kind = bpf_object_kind(fd);
  close(fd);
  if (kind == kind_wanted) return "";
  return path + " is a pinned " + (kind.empty() ? "BPF object" : kind) + ", not a pinned " + what +
         fix;
}

}  // namespace

std::string pinned_map_problem(const std::string& path) {
  return pinned_problem(path, "bpf-map", "BPF map");
}

std::string pinned_link_problem(const std::string& path) {
  return pinned_problem(path, "bpf-link", "BPF link");
}

}  // namespace pktlens::bpf
