// SPDX-License-Identifier: Apache-2.0
#include "document.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <string_view>
#include <utility>

#include "keys.hpp"

namespace pktlens::config::detail {
namespace {

// What follows "SECTION." in `path` ("" for the document: all of it), or
// nothing when the key is not in that section.
std::optional<std::string_view> below(std::string_view section, std::string_view path) {
  if (section.empty()) return path;
  if (path.size() <= section.size() || !path.starts_with(section) || path[section.size()] != '.')
    return std::nullopt;
  return path.substr(section.size() + 1);
}

std::string join_path(std::string_view section, std::string_view key) {
  return section.empty() ? std::string(key) : std::string(section) + "." + std::string(key);
}

bool has_field(const std::vector<Field>& fields, std::string_view key) {
  return std::any_of(fields.begin(), fields.end(), [key](const Field& f) { return f.key == key; });
}

// The fields of the mapping at `section`, in the order of config_keys():
// its own keys, and a Field per section below it, at its first key.
std::vector<Field> fields_of(std::string_view section, const Source& src, Config& config,
                             GivenNodes& given) {
  std::vector<Field> fields;
  for (const KeySpec& key : config_keys()) {
    const auto rest = below(section, key.path);
    if (!rest) continue;
    const auto dot = rest->find('.');
    if (dot == std::string_view::npos) {
      fields.push_back({*rest, expected(key),
                        [&src, &config, &given, &key](const YAML::Node& v, const std::string& p) {
                          read_key(key, src, v, p, config);
                          given.emplace(key.path, v);
                        }});
      continue;
    }
    const std::string_view name = rest->substr(0, dot);
    if (has_field(fields, name)) continue;
    std::vector<Field> inner = fields_of(join_path(section, name), src, config, given);
    std::string inner_expected = mapping_expected(inner);
    fields.push_back({name, inner_expected,
                      [&src, inner = std::move(inner), inner_expected](const YAML::Node& v,
                                                                       const std::string& p) {
                        if (!v.IsMap()) src.fail(v.Mark(), p, "got " + describe(v), inner_expected);
                        read_mapping(src, v, p, inner);
                      }});
  }
  return fields;
}

}  // namespace

std::vector<Field> document_fields(const Source& src, Config& config, GivenNodes& given) {
  return fields_of("", src, config, given);
}

std::map<std::string, std::string, std::less<>> section_homes() {
  std::map<std::string, std::string, std::less<>> homes;
  std::set<std::pair<std::string_view, std::string_view>> listed;  // key, section
  for (const KeySpec& key : config_keys()) {
    const auto dot = key.path.find('.');
    if (dot == std::string_view::npos) continue;
    const std::string_view section = key.path.substr(0, dot);
    const std::string_view rest = key.path.substr(dot + 1);
    const std::string_view name = rest.substr(0, rest.find('.'));
    if (!listed.emplace(name, section).second) continue;
    std::string& home = homes[std::string(name)];
    home += (home.empty() ? "" : " or ") + std::string(section);
  }
  return homes;
}

}  // namespace pktlens::config::detail
