// SPDX-License-Identifier: Apache-2.0
#include "flow_key.hpp"

#include <algorithm>

#include "names.hpp"
#include "quote.hpp"
#include "read_enum.hpp"

namespace pktlens::config::detail {

const char* const kExpectFlowKey =
    "a list of the fields vlan, proto, src, dst, sport, dport and service_port, e.g. [proto, src, "
    "dst, service_port]";

std::vector<FlowKeyField> read_flow_key(const Source& src, const YAML::Node& node,
                                        const std::string& path, const std::string& expected) {
  if (!node.IsSequence()) src.fail(node.Mark(), path, "got " + describe(node), expected);
  std::vector<FlowKeyField> out;
  const auto has = [&](FlowKeyField f) {
    return std::find(out.begin(), out.end(), f) != out.end();
  };
  for (const YAML::Node& item : node) {
    const FlowKeyField f = read_enum(src, item, path, "field", expected, kFlowKeyFields);
    if (has(f)) src.fail(item.Mark(), path, quote(item.Scalar()) + " is listed twice", expected);
    const bool ports = f == FlowKeyField::sport || f == FlowKeyField::dport;
    if ((f == FlowKeyField::service_port &&
         (has(FlowKeyField::sport) || has(FlowKeyField::dport))) ||
        (ports && has(FlowKeyField::service_port))) {
      src.fail(item.Mark(), path,
               "service_port with sport or dport: service_port keeps the lower of the two ports "
               "and drops the other",
               expected);
    }
    out.push_back(f);
  }
  return out;
}

}  // namespace pktlens::config::detail
