// SPDX-License-Identifier: Apache-2.0
// Pinning the maps of a BPF object before load, shared by every object
// pktlensd pins (bpf::Object, bpf::TcpEvents): same directory, same rules.
#pragma once

#include <string>
#include <vector>

struct bpf_object;

namespace pktlens::bpf {

// Requires `dir`'s parent to be a bpffs and creates `dir`; throws a message
// a user can act on otherwise.
void require_bpffs(const std::string& dir);

// Sets the pin path of every map of `obj` (not .rodata and the like) to
// dir/NAME. libbpf reuses a pinned map only if type, sizes, max_entries and
// flags all match, and fails the load otherwise: a pinned map whose shape
// changed is unpinned, so a new one is created. Returns the names of the
// maps that will be created anew (missing or incompatible). LPM tries (the
// configured networks) are never pinned: their contents are configuration.
std::vector<std::string> pin_maps(bpf_object* obj, const std::string& dir);

}  // namespace pktlens::bpf
