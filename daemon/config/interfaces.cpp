// SPDX-License-Identifier: Apache-2.0
#include "interfaces.hpp"

#include <map>
#include <optional>
#include <vector>

#include "ifname.hpp"
#include "quote.hpp"

namespace pktlens::config::detail {

const char* const kExpectInterfaces =
    "a list of interface names, e.g. [eth0, eth1], all, or {include: [globs], exclude: [globs]}";

namespace {

// Longest glob accepted: room for bracket expressions around a 15-byte name.
constexpr std::size_t kMaxGlob = 64;

// Why `glob` cannot match an interface name the way it is meant to, or
// nothing: fnmatch(3) takes an unclosed '[' literally, which is never what
// was meant, and '/' or whitespace can never be in a name.
std::optional<std::string> glob_problem(std::string_view glob) {
  const std::string q = quote(glob);
  if (glob.empty()) return std::string("a pattern is empty");
  if (glob.size() > kMaxGlob)
    return q + " is " + std::to_string(glob.size()) + " bytes long (at most " +
           std::to_string(kMaxGlob) + ")";
  bool in_bracket = false;
  for (std::size_t i = 0; i < glob.size(); i++) {
    const char c = glob[i];
    if (c == '/' || c == ' ' || (c >= '\t' && c <= '\r'))
      return q + " contains " + (c == '/' ? std::string("'/'") : std::string("whitespace"));
    if (c == '\\') {
      if (++i == glob.size()) return q + " ends in an escaping '\\'";
    } else if (c == '[' && !in_bracket) {
      in_bracket = true;
      // A ']' right after '[' or "[!" is a member, not the end.
      if (i + 1 < glob.size() && glob[i + 1] == '!') i++;
      if (i + 1 < glob.size() && glob[i + 1] == ']') i++;
    } else if (c == ']' && in_bracket) {
      in_bracket = false;
    }
  }
  if (in_bracket) return q + " has a '[' that is not closed";
  return std::nullopt;
}

std::vector<std::string> read_globs(const Source& src, const YAML::Node& node,
                                    const std::string& path) {
  const std::string expect = "a list of fnmatch patterns, e.g. [\"eth*\", \"veth*\"]";
  if (!node.IsSequence() || node.size() == 0)
    src.fail(node.Mark(), path, node.IsSequence() ? "the list is empty" : "got " + describe(node),
             expect);
  std::vector<std::string> globs;
  std::map<std::string, YAML::Mark> seen;
  std::size_t n = 0;
  for (const YAML::Node& item : node) {
    const std::string item_no = "item " + std::to_string(++n);
    if (item.IsNull()) src.fail(node.Mark(), path, item_no + " is null", expect);
    if (!item.IsScalar()) src.fail(item.Mark(), path, item_no + " is " + describe(item), expect);
    const std::string& glob = item.Scalar();
    if (auto problem = glob_problem(glob)) src.fail(item.Mark(), path, *problem, expect);
    if (auto [first, inserted] = seen.emplace(glob, item.Mark()); !inserted)
      src.fail(item.Mark(), path,
               quote(glob) + " is listed twice, first at " + position(first->second),
               "each pattern once");
    globs.push_back(glob);
  }
  return globs;
}

InterfaceSelection read_patterns(const Source& src, const YAML::Node& node,
                                 const std::string& path) {
  InterfaceSelection selection{.all = false, .names = {}, .include = {}, .exclude = {}};
  const std::string expect = "a list of fnmatch patterns";
  const std::vector<Field> fields = {
      {"include", expect,
       [&](const YAML::Node& v, const std::string& p) {
         selection.include = read_globs(src, v, p);
       }},
      {"exclude", expect,
       [&](const YAML::Node& v, const std::string& p) {
         selection.exclude = read_globs(src, v, p);
       }},
  };
  read_mapping(src, node, path, fields);
  if (node.size() == 0)
    src.fail(node.Mark(), path, "the mapping is empty", mapping_expected(fields));
  // An absent include takes every interface the excludes leave.
  if (selection.include.empty()) selection.include = {"*"};
  return selection;
}

}  // namespace

InterfaceSelection read_interfaces(const Source& src, const YAML::Node& node,
                                   const std::string& path) {
  if (node.IsScalar() && node.Scalar() == "all") return {.all = true, .names = {}};
  if (node.IsMap()) return read_patterns(src, node, path);
  if (!node.IsSequence()) {
    src.fail(node.Mark(), path, "got " + describe(node), kExpectInterfaces);
  }
  if (node.size() == 0) src.fail(node.Mark(), path, "the list is empty", kExpectInterfaces);

  const std::string expect_name = "an interface name of 1 to " + std::to_string(kMaxInterfaceName) +
                                  " bytes without '/', ':' or whitespace";
  InterfaceSelection selection{.all = false, .names = {}};
  std::map<std::string, YAML::Mark> seen;
  std::size_t n = 0;
  for (const YAML::Node& item : node) {
    const std::string item_no = "item " + std::to_string(++n);
    // A null item ("- " alone) has the position of what follows it, so
    // point at the list and count instead.
    if (item.IsNull()) src.fail(node.Mark(), path, item_no + " is null", expect_name);
    if (!item.IsScalar()) {
      src.fail(item.Mark(), path, item_no + " is " + describe(item), expect_name);
    }
    const std::string& name = item.Scalar();
    if (name == "all") {
      src.fail(item.Mark(), path, "'all' inside a list",
               "interface names, or 'interfaces: all' on its own");
    }
    if (auto problem = interface_name_problem(name)) {
      src.fail(item.Mark(), path, *problem, expect_name);
    }
    if (auto [first, inserted] = seen.emplace(name, item.Mark()); !inserted) {
      src.fail(item.Mark(), path,
               quote(name) + " is listed twice, first at " + position(first->second),
               "each interface once");
    }
    selection.names.push_back(name);
  }
  return selection;
}

}  // namespace pktlens::config::detail
