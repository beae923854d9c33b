// SPDX-License-Identifier: Apache-2.0
#include "interfaces.hpp"

#include <map>

#include "ifname.hpp"
#include "quote.hpp"

namespace pktlens::config::detail {

const char* const kExpectInterfaces = "a list of interface names, e.g. [eth0, eth1], or all";

InterfaceSelection read_interfaces(const Source& src, const YAML::Node& node,
                                   const std::string& path) {
  if (node.IsScalar() && node.Scalar() == "all") return {.all = true, .names = {}};
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
