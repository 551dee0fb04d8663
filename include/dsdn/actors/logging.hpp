#pragma once
// The program's one logger (spdlog): levels, one line per event, key=value fields.
// Debian's CAF has its own logging compiled out, so actors log through this.

#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace dsdn {

/// Configures the process-wide logger: level ("trace".."critical", "off") and format
/// ("text" or "json"). Returns false for an unknown level or format.
bool configure_logging(const std::string& level, const std::string& format);

/// The process-wide logger.
spdlog::logger& log();

}  // namespace dsdn
