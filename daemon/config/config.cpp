// SPDX-License-Identifier: Apache-2.0
// Loading: one walk over the document in file order, so the first problem
// in the file is the one reported, then the checks between keys. Which
// keys exist and what each accepts: keys.cpp.
#include "config.hpp"

#include <string>
#include <vector>

#include "document.hpp"
#include "read_file.hpp"
#include "relations.hpp"
#include "yaml_document.hpp"
#include "yaml_read.hpp"

namespace pktlens::config {
namespace {

Config parse_document(const detail::Source& src, const YAML::Node& root) {
  Config config;
  if (root.IsNull()) return config;  // an empty document: all defaults
  detail::GivenNodes given;
  const std::vector<detail::Field> fields = detail::document_fields(src, config, given);
  if (!root.IsMap()) {
    src.fail(root.Mark(), "the document is " + detail::describe(root) + " (expected " +
                              detail::mapping_expected(fields) + ")");
  }
  detail::read_mapping(src, root, "", fields, detail::section_homes());
  detail::follow_defaults(config, given);
  detail::check_relations(src, config, given);
  return config;
}

}  // namespace

Config load_config_string(std::string_view yaml, std::string_view name) {
  const detail::Source src{std::string(name)};
  const auto document = detail::single_document(src, yaml);
  if (!document) return Config{};  // empty, or comments only
  return parse_document(src, *document);
}

Config load_config_file(const std::string& path) {
  return load_config_string(detail::read_file(path), path);
}

}  // namespace pktlens::config
