// SPDX-License-Identifier: Apache-2.0
#include "network.hpp"

#include <arpa/inet.h>

#include <map>
#include <string>

#include "names.hpp"
#include "quote.hpp"
#include "read_enum.hpp"

namespace pktlens::config {

std::string to_string(const Prefix& p) {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(p.family == 4 ? AF_INET : AF_INET6, p.address.data(), buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(p.length);
}

namespace detail {
namespace {

const std::string kExpectName = "1 to " + std::to_string(kMaxNetworkNameLength) +
                                " characters from A-Z, a-z, 0-9, '_', '.' and '-'";
const std::string kExpectPrefixes =
    "a list of IPv4 or IPv6 prefixes, e.g. [198.18.0.0/15, 'fd00::/8']";
const std::string kExpectPrefix = "an IPv4 or IPv6 prefix ADDRESS/LENGTH, e.g. 198.18.0.0/15";
const std::string kExpectAction = enum_expected(kNetworkActions);

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > kMaxNetworkNameLength) return false;
  for (const char c : n) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Where a prefix was first given, for the duplicate message.
struct Seen {
  std::string network;
  YAML::Mark mark;
};

}  // namespace

const std::string kExpectNetworks =
    "a mapping of network names to {prefixes: [...], action: count or drop}";

Parsed<Prefix> parse_prefix(std::string_view text) {
  const std::string s(text);
  const auto slash = s.find('/');
  const std::string addr = s.substr(0, slash);
  Prefix p;
  p.family = addr.find(':') == std::string::npos ? 4 : 6;
  if (inet_pton(p.family == 4 ? AF_INET : AF_INET6, addr.c_str(), p.address.data()) != 1)
    return Parsed<Prefix>::fail(quote(addr) + " is not an IPv4 or IPv6 address");
  const unsigned max = p.family == 4 ? 32 : 128;
  if (slash == std::string::npos) {
    p.length = static_cast<std::uint8_t>(max);
    return Parsed<Prefix>::ok(p);
  }
  const std::string len = s.substr(slash + 1);
  const bool digits = !len.empty() && len.size() <= 3 &&
                      len.find_first_not_of("0123456789") == std::string::npos &&
                      (len.size() == 1 || len[0] != '0');
  if (!digits || std::stoul(len) > max)
    return Parsed<Prefix>::fail("prefix length " + quote(len) + " is not from 0 to " +
                                std::to_string(max));
  p.length = static_cast<std::uint8_t>(std::stoul(len));
  Prefix net = p;
  for (unsigned bit = p.length; bit < 128; bit++)
    net.address[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  if (net.address != p.address)
    return Parsed<Prefix>::fail(quote(s) + " has host bits set; the network is " + to_string(net));
  return Parsed<Prefix>::ok(p);
}

std::vector<Network> read_networks(const Source& src, const YAML::Node& node,
                                   const std::string& path) {
  if (!node.IsMap()) src.fail(node.Mark(), path, "got " + describe(node), kExpectNetworks);
  std::vector<Network> out;
  std::map<std::string, YAML::Mark> names;
  std::map<std::pair<std::uint8_t, std::array<std::uint8_t, 17>>, Seen> prefixes;
  std::size_t per_family[2] = {0, 0};

  for (const auto& pair : node) {
    const YAML::Node& key = pair.first;
    const YAML::Node& value = pair.second;
    if (!key.IsScalar() || !valid_name(key.Scalar()))
      src.fail(
          key.Mark(), path,
          (key.IsScalar() ? quote(key.Scalar()) : describe(key)) + " is not a valid network name",
          kExpectName);
    const std::string& name = key.Scalar();
    if (auto [first, inserted] = names.emplace(name, key.Mark()); !inserted)
      src.fail(key.Mark(), path,
               "network " + quote(name) + " is defined twice, first at " + position(first->second),
               "each network name once");
    if (out.size() == kMaxNetworks)
      src.fail(key.Mark(), path,
               "network " + quote(name) + " is one more than the " + std::to_string(kMaxNetworks) +
                   " the data plane has room for",
               "at most " + std::to_string(kMaxNetworks) + " networks");

    Network net;
    net.name = name;
    const std::string net_path = path + "." + name;
    bool has_prefixes = false;
    const std::vector<Field> fields = {
        {"prefixes", kExpectPrefixes,
         [&](const YAML::Node& v, const std::string& p) {
           has_prefixes = true;
           if (!v.IsSequence()) src.fail(v.Mark(), p, "got " + describe(v), kExpectPrefixes);
           if (v.size() == 0) src.fail(v.Mark(), p, "the list is empty", kExpectPrefixes);
           for (const YAML::Node& item : v) {
             if (!item.IsScalar())
               src.fail(item.Mark(), p, "an item is " + describe(item), kExpectPrefix);
             const auto parsed = parse_prefix(item.Scalar());
             if (!parsed.value) src.fail(item.Mark(), p, parsed.error, kExpectPrefix);
             const Prefix& pf = *parsed.value;
             std::array<std::uint8_t, 17> k{};
             std::copy(pf.address.begin(), pf.address.end(), k.begin());
             k[16] = pf.length;
             if (auto [first, inserted] =
                     prefixes.emplace(std::pair{pf.family, k}, Seen{name, item.Mark()});
                 !inserted)
               src.fail(item.Mark(), p,
                        quote(to_string(pf)) + " is already in network " +
                            quote(first->second.network) + " at " + position(first->second.mark),
                        "each prefix in one network, once");
             std::size_t& count = per_family[pf.family == 4 ? 0 : 1];
             if (++count > kMaxPrefixesPerFamily)
               src.fail(item.Mark(), p,
                        "one IPv" + std::to_string(pf.family) + " prefix more than the " +
                            std::to_string(kMaxPrefixesPerFamily) + " the data plane has room for",
                        "at most " + std::to_string(kMaxPrefixesPerFamily) +
                            " prefixes per address family, all networks together");
             net.prefixes.push_back(pf);
           }
         }},
        {"action", kExpectAction,
         [&](const YAML::Node& v, const std::string& p) {
           net.action = read_enum(src, v, p, "action", kExpectAction, kNetworkActions);
         }},
    };
    if (value.IsNull()) src.fail(key.Mark(), net_path, "got null", mapping_expected(fields));
    if (!value.IsMap())
      src.fail(value.Mark(), net_path, "got " + describe(value), mapping_expected(fields));
    read_mapping(src, value, net_path, fields);
    if (!has_prefixes)
      src.fail(key.Mark(), net_path, "prefixes is missing", mapping_expected(fields));
    out.push_back(std::move(net));
  }
  return out;
}

}  // namespace detail
}  // namespace pktlens::config
