// SPDX-License-Identifier: Apache-2.0
// An mmapable BPF array of 64-bit words (BPF_F_MMAPABLE) mapped into this
// process: reading it copies nothing and takes no system call, and an OR
// into it is atomic against the programs' atomic ORs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

struct bpf_map;

namespace pktlens::collector {

// Unmaps a MappedWords region.
struct WordsUnmap {
  size_t len = 0;
  void operator()(uint64_t* p) const;
};

class MappedWords {
 public:
  // Not mapped (mapped() false) when the kernel refuses: callers then read
  // the map with lookups.
  explicit MappedWords(const bpf_map* m);

  bool mapped() const { return words_ != nullptr; }
  size_t size() const { return size_; }
  uint64_t load(size_t i) const;
  void fetch_or(size_t i, uint64_t bits);

 private:
  std::unique_ptr<uint64_t, WordsUnmap> words_;
  size_t size_ = 0;
};

}  // namespace pktlens::collector
