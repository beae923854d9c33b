// SPDX-License-Identifier: Apache-2.0
// The values a signal's label can take, as the collector writes them, so
// that an alert's `match` that no packet or signal can ever produce is
// refused when the config is read instead of never matching. Fixed
// vocabularies (dir, side, kind) are spelt here again, since this module
// depends on nothing; a unit test holds them equal to collector/labels.hpp.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace pktlens::signals {

// The fixed vocabulary of `label`, or empty when its values are open
// (addresses, ports, interface, network and drop-reason names).
std::span<const std::string_view> label_vocabulary(std::string_view label);

// Why no series of a signal can have `value` as its `label`, e.g. "'80x'
// is not a port number", or nothing. Interface and network names are the
// config's to check (they depend on it).
std::optional<std::string> label_value_problem(std::string_view label, std::string_view value);

}  // namespace pktlens::signals
