// SPDX-License-Identifier: Apache-2.0
// The keys of a config file as data, one spec per key: its dotted path,
// what it accepts (limits.hpp) and which member of Config it sets. The
// member's initialiser in config.hpp is the key's default. The reader
// (document.hpp), the "(expected ...)" text of every message about the key
// and the test that docs/configuration.md lists each key's default and
// range all come from this one list.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>

#include "config.hpp"
#include "limits.hpp"
#include "yaml_read.hpp"

namespace pktlens::config::detail {

// true or false.
struct BoolKey {
  bool& (*value)(Config& config);
};

struct IntegerKey {
  IntegerLimits limits;
  std::uint32_t& (*value)(Config& config);
};

struct DurationKey {
  DurationLimits limits;
  std::chrono::milliseconds& (*value)(Config& config);
};

// A key with a reader of its own: a list, a name from a set, an address.
struct CustomKey {
  std::string expected;
  // Sets `config` from `value`; `expected` is the key's, for messages.
  void (*read)(const Source& src, const YAML::Node& value, const std::string& path,
               const std::string& expected, Config& config);
};

struct KeySpec {
  std::string_view path;  // as messages name it: "interval", "flows.max_entries"
  std::variant<BoolKey, IntegerKey, DurationKey, CustomKey> kind;
};

// Every key, in the order of config/pktlens.yaml, which is also the order
// messages list a mapping's keys in.
std::span<const KeySpec> config_keys();

// The key at `path`, which must be one of config_keys().
const KeySpec& config_key(std::string_view path);

// What a valid value of `key` looks like, for messages.
std::string expected(const KeySpec& key);

// Checks `value` against `key` and sets the member of `config` it names.
void read_key(const KeySpec& key, const Source& src, const YAML::Node& value,
              const std::string& path, Config& config);

}  // namespace pktlens::config::detail
