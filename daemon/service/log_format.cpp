// SPDX-License-Identifier: Apache-2.0
#include "service/log_format.hpp"

#include <spdlog/details/log_msg.h>
#include <time.h>

#include <chrono>
#include <cstdio>
#include <string>

namespace pktlens::service {
namespace {

std::string_view level_name(spdlog::level::level_enum l) {
  switch (l) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

std::string timestamp(spdlog::log_clock::time_point t) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const time_t secs = static_cast<time_t>(ms / 1000);
  tm utc{};
  gmtime_r(&secs, &utc);
  char buf[96];  // room for any int the compiler cannot rule out
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

void append(spdlog::memory_buf_t& dest, std::string_view s) {
  dest.append(s.data(), s.data() + s.size());
}

// The message in double quotes with \" \\ \n \r \t and other control
// characters escaped: valid as a logfmt value and as a JSON string.
void append_quoted(spdlog::memory_buf_t& dest, std::string_view s) {
  dest.push_back('"');
  for (const char c : s) {
    switch (c) {
      case '"':
        append(dest, "\\\"");
        break;
      case '\\':
        append(dest, "\\\\");
        break;
      case '\n':
        append(dest, "\\n");
        break;
      case '\r':
        append(dest, "\\r");
        break;
      case '\t':
        append(dest, "\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char esc[8];
          std::snprintf(esc, sizeof esc, "\\u%04x", static_cast<unsigned>(c));
          append(dest, esc);
        } else {
          dest.push_back(c);
        }
    }
  }
  dest.push_back('"');
}

class LogfmtFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    append(dest, "ts=");
    append(dest, timestamp(msg.time));
    append(dest, " level=");
    append(dest, level_name(msg.level));
    append(dest, " msg=");
    append_quoted(dest, std::string_view(msg.payload.data(), msg.payload.size()));
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<LogfmtFormatter>();
  }
};

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    append(dest, "{\"ts\":\"");
    append(dest, timestamp(msg.time));
    append(dest, "\",\"level\":\"");
    append(dest, level_name(msg.level));
    append(dest, "\",\"msg\":");
    append_quoted(dest, std::string_view(msg.payload.data(), msg.payload.size()));
    append(dest, "}\n");
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

}  // namespace

std::unique_ptr<spdlog::formatter> make_log_formatter(std::string_view format) {
  if (format == "logfmt") return std::make_unique<LogfmtFormatter>();
  if (format == "json") return std::make_unique<JsonFormatter>();
  return nullptr;
}

}  // namespace pktlens::service
