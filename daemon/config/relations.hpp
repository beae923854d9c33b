// SPDX-License-Identifier: Apache-2.0
// The checks that involve two keys. They run after the whole document is
// read, so that they see final values whatever the order of the keys.
#pragma once

#include "config.hpp"
#include "document.hpp"
#include "yaml_read.hpp"

namespace pktlens::config::detail {

// Defaults that follow other keys the file sets: flows.top_k_window stays
// within [interval, flows.idle_timeout] unless the file sets it.
void follow_defaults(Config& config, const GivenNodes& given);

// Each failure points at a key the file sets (in `given`).
void check_relations(const Source& src, const Config& config, const GivenNodes& given);

}  // namespace pktlens::config::detail
