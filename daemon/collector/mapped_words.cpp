// SPDX-License-Identifier: Apache-2.0
#include "collector/mapped_words.hpp"

#include <bpf/libbpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>

namespace pktlens::collector {

void WordsUnmap::operator()(uint64_t* p) const { munmap(p, len); }

MappedWords::MappedWords(const bpf_map* m) {
  if (bpf_map__value_size(m) != sizeof(uint64_t)) return;
  const size_t n = bpf_map__max_entries(m);
  const auto page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  const size_t len = (n * sizeof(uint64_t) + page - 1) / page * page;
  void* a = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(m), 0);
  if (a == MAP_FAILED) return;
  words_ = {static_cast<uint64_t*>(a), WordsUnmap{len}};
  size_ = n;
}

uint64_t MappedWords::load(size_t i) const {
  return std::atomic_ref<uint64_t>(words_.get()[i]).load(std::memory_order_relaxed);
}

void MappedWords::fetch_or(size_t i, uint64_t bits) {
  std::atomic_ref<uint64_t>(words_.get()[i]).fetch_or(bits, std::memory_order_relaxed);
}

}  // namespace pktlens::collector
