// SPDX-License-Identifier: Apache-2.0
#include "collector/percpu_take.hpp"

#include <bpf/bpf.h>

#include <cerrno>
#include <string>

#include "collector/bpf_call.hpp"

namespace pktlens::collector {

PercpuTake::PercpuTake(const MapShape& m, bool lookup_and_delete)
    : m_(m), lookup_and_delete_(lookup_and_delete), values_(m.element()) {}

const uint8_t* PercpuTake::take(const void* key) {
  if (lookup_and_delete_) {
    const int rc = bpf_map_lookup_and_delete_elem(m_.fd, key, values_.data());
    if (rc == 0) return values_.data();
    const int err = error_of(rc);
    if (err == ENOENT) return nullptr;
    if (!no_batch_ops(err)) fail(err, std::string("taking an element out of ") + m_.name);
    lookup_and_delete_ = false;  // an older kernel: the two-step fallback
  }
  if (bpf_map_lookup_elem(m_.fd, key, values_.data()) != 0) {
    if (errno == ENOENT) return nullptr;
    fail(errno, std::string("reading an element of ") + m_.name);
  }
  if (bpf_map_delete_elem(m_.fd, key) != 0) {
    if (errno == ENOENT) return nullptr;
    fail(errno, std::string("deleting an element of ") + m_.name);
  }
  return values_.data();
}

}  // namespace pktlens::collector
