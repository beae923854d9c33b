// SPDX-License-Identifier: Apache-2.0
#include "service/logging.hpp"

#include <bpf/libbpf.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/systemd_sink.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "service/log_format.hpp"

namespace pktlens::service {
namespace {

int libbpf_to_log(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG && !spdlog::should_log(spdlog::level::trace)) return 0;
  if (!spdlog::should_log(spdlog::level::debug)) return 0;
  char buf[1024];
  const int n = vsnprintf(buf, sizeof buf, fmt, args);
  std::string line(buf, n > 0 ? std::min<size_t>(static_cast<size_t>(n), sizeof buf - 1) : 0);
  while (!line.empty() && line.back() == '\n') line.pop_back();
  spdlog::log(level == LIBBPF_DEBUG ? spdlog::level::trace : spdlog::level::debug, "libbpf: {}",
              line);
  return n;
}

}  // namespace

bool stderr_is_journal() {
  const char* js = std::getenv("JOURNAL_STREAM");
  if (!js) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(js, "%llu:%llu", &dev, &ino) != 2) return false;
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) return false;
  return st.st_dev == dev && st.st_ino == ino;
}

void setup_logging(std::string_view format) {
  std::shared_ptr<spdlog::logger> logger;
  if (stderr_is_journal()) {
    // The journal stamps time, unit and priority itself.
    auto sink = std::make_shared<spdlog::sinks::systemd_sink_mt>("pktlensd");
    logger = std::make_shared<spdlog::logger>("pktlensd", sink);
  } else {
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    logger = std::make_shared<spdlog::logger>("pktlensd", sink);
    if (auto formatter = make_log_formatter(format)) {
      logger->set_formatter(std::move(formatter));
    } else {
      logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ %v");
    }
  }
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
  libbpf_set_print(libbpf_to_log);
}

spdlog::level::level_enum to_spdlog(config::LogLevel level) {
  switch (level) {
    case config::LogLevel::trace:
      return spdlog::level::trace;
    case config::LogLevel::debug:
      return spdlog::level::debug;
    case config::LogLevel::info:
      return spdlog::level::info;
    case config::LogLevel::warn:
      return spdlog::level::warn;
    case config::LogLevel::error:
      return spdlog::level::err;
    case config::LogLevel::critical:
      return spdlog::level::critical;
    case config::LogLevel::off:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

void set_log_level(config::LogLevel level) { spdlog::set_level(to_spdlog(level)); }

}  // namespace pktlens::service
