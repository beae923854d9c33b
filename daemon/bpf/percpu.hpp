// SPDX-License-Identifier: Apache-2.0
// Per-CPU map values as user space receives them: one value per possible
// CPU, each padded to 8 bytes. Shared by the collector, tests and bench.
#pragma once

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

namespace pktlens::bpf {

inline int possible_cpus() {
  const int n = libbpf_num_possible_cpus();
  if (n <= 0) throw std::system_error(-n, std::generic_category(), "counting possible CPUs");
  return n;
}

// Bytes between two CPUs' values of a per-CPU map element as the kernel
// hands them over (lookups, batch ops, iterators): the value size rounded
// up to 8. The one definition user space uses.
constexpr size_t percpu_stride(size_t value_size) { return (value_size + 7) / 8 * 8; }

// One element of a per-CPU map: stride-aware buffer for lookup/update.
template <typename V>
class PerCpuValue {
 public:
  static constexpr size_t kStride = percpu_stride(sizeof(V));

  explicit PerCpuValue(int cpus = possible_cpus()) : cpus_(cpus), buf_(cpus * kStride) {}

  void* data() { return buf_.data(); }
  int cpus() const { return cpus_; }

  V at(int cpu) const {
    V v;
    std::memcpy(&v, buf_.data() + cpu * kStride, sizeof(V));
    return v;
  }
  void set(int cpu, const V& v) { std::memcpy(buf_.data() + cpu * kStride, &v, sizeof(V)); }

 private:
  int cpus_;
  std::vector<unsigned char> buf_;
};

// Looks up `key` in a per-CPU map; nullopt when absent, throws on errors.
template <typename V, typename K>
std::optional<PerCpuValue<V>> lookup_percpu(int map_fd, const K& key) {
  PerCpuValue<V> v;
  if (bpf_map_lookup_elem(map_fd, &key, v.data()) != 0) {
    if (errno == ENOENT) return std::nullopt;
    throw std::system_error(errno, std::generic_category(), "reading per-CPU map element");
  }
  return v;
}

}  // namespace pktlens::bpf
