// SPDX-License-Identifier: Apache-2.0
#include "collectors.hpp"

#include <algorithm>

#include "listen.hpp"

namespace pktlens::config::detail {

std::vector<ListenAddress> read_collectors(const Source& src, const YAML::Node& node,
                                           const std::string& path, const std::string& expected) {
  if (!node.IsSequence()) src.fail(node.Mark(), path, "got " + describe(node), expected);
  std::vector<ListenAddress> out;
  std::size_t n = 0;
  for (const YAML::Node& item : node) {
    const std::string item_no = "item " + std::to_string(++n);
    // A null item ("- " alone) has the position of what follows it.
    if (item.IsNull()) src.fail(node.Mark(), path, item_no + " is null", expected);
    if (!item.IsScalar()) src.fail(item.Mark(), path, item_no + " is " + describe(item), expected);
    const auto parsed = parse_listen(item.Scalar());
    if (!parsed.value) src.fail(item.Mark(), path, item_no + ": " + parsed.error, expected);
    if (parsed.value->host.empty()) {
      src.fail(item.Mark(), path, item_no + " has no host", expected);
    }
    if (std::find(out.begin(), out.end(), *parsed.value) != out.end()) {
      src.fail(item.Mark(), path, item_no + " repeats " + to_string(*parsed.value), expected);
    }
    out.push_back(*parsed.value);
  }
  return out;
}

}  // namespace pktlens::config::detail
