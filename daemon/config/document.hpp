// SPDX-License-Identifier: Apache-2.0
// The document's mappings, nested as the paths of config_keys() say: a
// Field per key, and per section ("flows", "threats.syn_flood") a Field that
// reads a mapping of its own fields.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "config.hpp"
#include "yaml_read.hpp"

namespace pktlens::config::detail {

// The value node of each key the file sets, by path ("flows.top_k"), for
// the checks between keys. YAML::Node is a handle: insert with emplace,
// since assigning to an existing one overwrites the node it refers to.
using GivenNodes = std::map<std::string, YAML::Node, std::less<>>;

// The keys at the top of the document. Reading them sets `config` and
// records each value read in `given`; both must outlive the fields.
std::vector<Field> document_fields(const Source& src, Config& config, GivenNodes& given);

// For "unknown key 'top_k', it belongs under flows": each key of a section
// directly under the document, with the sections that have it ("flows or
// vlans").
std::map<std::string, std::string, std::less<>> section_homes();

}  // namespace pktlens::config::detail
