// SPDX-License-Identifier: Apache-2.0
#include "export/sent_handover.hpp"

#include <bpf/bpf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "bpf/unique_fd.hpp"

namespace pktlens::flowexport {
namespace {

struct SentValue {
  uint64_t packets;
  uint64_t bytes;
  uint64_t last_seen_ns;
};

std::string path_in(const std::string& pin_dir) { return pin_dir + "/" + kSentPin; }

[[noreturn]] void fail(int err, const std::string& what) {
  throw std::system_error(err, std::generic_category(), what);
}

}  // namespace

void store_sent(const std::string& pin_dir, const std::vector<FlowSent>& sent) {
  const std::string path = path_in(pin_dir);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) fail(errno, "removing " + path);
  if (sent.empty()) return;
  const auto entries = static_cast<uint32_t>(sent.size());
  bpf::UniqueFd fd(bpf_map_create(BPF_MAP_TYPE_HASH, "pktlens_ipfix_s", sizeof(pktlens_flow_key),
                                  sizeof(SentValue), entries, nullptr));
  if (fd.get() < 0) fail(errno, "creating the map for " + path);
  for (const FlowSent& f : sent) {
    const SentValue v{f.packets, f.bytes, f.last_seen_ns};
    if (bpf_map_update_elem(fd.get(), &f.key, &v, BPF_ANY) != 0) fail(errno, "filling " + path);
  }
  if (bpf_obj_pin(fd.get(), path.c_str()) != 0) fail(errno, "pinning " + path);
}

std::vector<FlowSent> take_sent(const std::string& pin_dir) {
  const std::string path = path_in(pin_dir);
  bpf::UniqueFd fd(bpf_obj_get(path.c_str()));
  if (fd.get() < 0) {
    if (errno == ENOENT) return {};
    fail(errno, "opening " + path);
  }
  std::vector<FlowSent> out;
  pktlens_flow_key key{};
  pktlens_flow_key next{};
  const pktlens_flow_key* at = nullptr;
  while (bpf_map_get_next_key(fd.get(), at, &next) == 0) {
    SentValue v{};
    if (bpf_map_lookup_elem(fd.get(), &next, &v) == 0)
      out.push_back(FlowSent{next, v.packets, v.bytes, v.last_seen_ns});
    key = next;
    at = &key;
  }
  if (errno != ENOENT) fail(errno, "reading " + path);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) fail(errno, "removing " + path);
  return out;
}

}  // namespace pktlens::flowexport
