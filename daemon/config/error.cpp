// SPDX-License-Identifier: Apache-2.0
#include "config.hpp"

namespace pktlens::config {
namespace {

std::string format(const std::string& file, int line, int column, const std::string& message) {
  if (line <= 0) return file + ": " + message;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

}  // namespace

ConfigError::ConfigError(std::string file, int line, int column, const std::string& message)
    : std::runtime_error(format(file, line, column, message)),
      file_(std::move(file)),
      line_(line > 0 ? line : 0),
      column_(line > 0 ? column : 0) {}

}  // namespace pktlens::config
