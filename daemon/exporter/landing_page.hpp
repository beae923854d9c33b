// SPDX-License-Identifier: Apache-2.0
// What "/" answers: a small HTML page naming pktlensd and linking to the
// metrics, as node_exporter's landing page does.
#pragma once

#include <string>
#include <string_view>

namespace pktlens::exporter {

std::string landing_page(std::string_view telemetry_path, std::string_view version);

}  // namespace pktlens::exporter
