// SPDX-License-Identifier: Apache-2.0
// gzip for /metrics when the client asks for it (Prometheus always does):
// metric text compresses about tenfold.
#pragma once

#include <string>
#include <string_view>

namespace pktlens::exporter {

// Whether an Accept-Encoding value allows gzip: "gzip", "x-gzip" or "*"
// with a q-value above 0 (RFC 9110, 12.5.3), tokens case-insensitive.
bool accepts_gzip(std::string_view accept_encoding);

// `text` as one gzip member, at zlib's fastest level: the text is
// repetitive, so speed costs little size, and the scrape waits for it.
std::string gzip_compress(std::string_view text);

}  // namespace pktlens::exporter
