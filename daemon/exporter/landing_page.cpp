// SPDX-License-Identifier: Apache-2.0
#include "exporter/landing_page.hpp"

namespace pktlens::exporter {
namespace {

// The path comes from a flag; escaped anyway, it lands in an attribute.
std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string landing_page(std::string_view telemetry_path, std::string_view version) {
  const std::string path = html_escape(telemetry_path);
  return "<!DOCTYPE html>\n"
         "<html lang=\"en\">\n"
         "<head><meta charset=\"utf-8\"><title>pktlens exporter</title></head>\n"
         "<body>\n"
         "<h1>pktlens exporter</h1>\n"
         "<p>Exact per-packet network metrics from eBPF. Version " +
         html_escape(version) +
         ".</p>\n"
         "<ul><li><a href=\"" +
         path + "\">" + path +
         "</a>: the metrics, in the Prometheus text format</li></ul>\n"
         "</body>\n"
         "</html>\n";
}

}  // namespace pktlens::exporter
