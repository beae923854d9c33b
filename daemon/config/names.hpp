// SPDX-License-Identifier: Apache-2.0
// The spelling of each enum value in config files, shared by the reader and
// to_yaml so the two cannot disagree.
#pragma once

#include <array>
#include <string_view>
#include <utility>

#include "config.hpp"

namespace pktlens::config::detail {

inline constexpr std::array<std::pair<AttachMode, std::string_view>, 2> kAttachModes{{
    {AttachMode::tc, "tc"},
    {AttachMode::xdp, "xdp"},
}};

inline constexpr std::array<std::pair<IpfixTransport, std::string_view>, 2> kIpfixTransports{{
    {IpfixTransport::udp, "udp"},
    {IpfixTransport::tcp, "tcp"},
}};

inline constexpr std::array<std::pair<FlowKeyField, std::string_view>, 7> kFlowKeyFields{{
    {FlowKeyField::vlan, "vlan"},
    {FlowKeyField::proto, "proto"},
    {FlowKeyField::src, "src"},
    {FlowKeyField::dst, "dst"},
    {FlowKeyField::sport, "sport"},
    {FlowKeyField::dport, "dport"},
    {FlowKeyField::service_port, "service_port"},
}};

inline constexpr std::array<std::pair<NetworkAction, std::string_view>, 2> kNetworkActions{{
    {NetworkAction::count, "count"},
    {NetworkAction::drop, "drop"},
}};

// spdlog's level names, which the service module hands the value to.
inline constexpr std::array<std::pair<LogLevel, std::string_view>, 7> kLogLevels{{
    {LogLevel::trace, "trace"},
    {LogLevel::debug, "debug"},
    {LogLevel::info, "info"},
    {LogLevel::warn, "warn"},
    {LogLevel::error, "error"},
    {LogLevel::critical, "critical"},
    {LogLevel::off, "off"},
}};

inline constexpr std::array<std::pair<Severity, std::string_view>, 3> kSeverities{{
    {Severity::critical, "critical"},
    {Severity::warning, "warning"},
    {Severity::info, "info"},
}};

}  // namespace pktlens::config::detail
