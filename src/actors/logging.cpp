#include "dsdn/actors/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace dsdn {

namespace {

std::shared_ptr<spdlog::logger> make_default() {
  auto logger = spdlog::stderr_color_mt("dsdn");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  logger->set_level(spdlog::level::info);
  return logger;
}

std::shared_ptr<spdlog::logger>& instance() {
  static std::shared_ptr<spdlog::logger> logger = make_default();
  return logger;
}

}  // namespace

bool configure_logging(const std::string& level, const std::string& format) {
  auto lvl = spdlog::level::from_str(level);
  // from_str maps unknown names to "off"; only accept "off" when asked for it.
  if (lvl == spdlog::level::off && level != "off")
    return false;
  auto& logger = instance();
  if (format == "text") {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  } else if (format == "json") {
    logger->set_pattern(R"({"ts":"%Y-%m-%dT%H:%M:%S.%e","level":"%l","msg":"%v"})");
  } else {
    return false;
  }
  logger->set_level(lvl);
  logger->flush_on(spdlog::level::warn);
  return true;
}

spdlog::logger& log() {
  return *instance();
}

}  // namespace dsdn
