// SPDX-License-Identifier: Apache-2.0
// The pin directory belongs to pktlensd alone: whoever can write in it can
// delete the pinned maps, plant objects under their names, or (with read
// access and CAP_BPF) open the maps and rewrite counters. So it is created
// with mode 0700, owned by the effective uid, and an existing one with
// another owner or any access for group or others is refused rather than
// used (docs/running.md, "Privilege model").
#pragma once

#include <string>

namespace pktlens::bpf {

// What is wrong with the existing directory `dir` as a pin directory: not a
// directory (a symlink counts as not), owned by another uid, or open to
// group or others; with what was found and the fix. "" when it is fine or
// does not exist yet.
std::string pin_dir_problem(const std::string& dir);

// Creates `dir` with mode 0700 (its missing parents with the usual mode)
// when missing, then throws std::runtime_error with pin_dir_problem()'s
// message when it is not fit.
void make_private_pin_dir(const std::string& dir);

// What is wrong with `path`, a name in the pin directory that pktlensd is
// about to pin a map under: not a pinned BPF map (a directory, a symlink,
// a pinned program or link), or owned by another uid, or open to group or
// others. "" when it is fine or does not exist.
std::string pinned_map_problem(const std::string& path);
// The same for a name pktlensd pins a tcx link under (bpf/tcx_link.hpp).
std::string pinned_link_problem(const std::string& path);

}  // namespace pktlens::bpf
