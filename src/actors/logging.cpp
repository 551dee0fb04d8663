#include "dsdn/actors/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

namespace dsdn {

namespace {

constexpr const char* text_pattern = "%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v";
// %* is the message, escaped for a JSON string (see json_message_flag).
constexpr const char* json_pattern = R"({"ts":"%Y-%m-%dT%H:%M:%S.%e","level":"%l","msg":"%*"})";

/// Writes the log message escaped for use inside a JSON string, so `--log-format json` lines
/// stay valid JSON whatever the message holds (quotes, control characters, ...).
class json_message_flag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    for (char c : msg.payload) {
      switch (c) {
        case '"':
          dest.append(std::string_view("\\\""));
          break;
        case '\\':
          dest.append(std::string_view("\\\\"));
          break;
        case '\n':
          dest.append(std::string_view("\\n"));
          break;
        case '\r':
          dest.append(std::string_view("\\r"));
          break;
        case '\t':
          dest.append(std::string_view("\\t"));
          break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof(buf), "\\u%04x", c);
            dest.append(std::string_view(buf));
          } else {
            dest.push_back(c);
          }
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<json_message_flag>();
  }
};

std::shared_ptr<spdlog::logger> make_default() {
  auto logger = spdlog::stderr_color_mt("dsdn");
  logger->set_pattern(text_pattern);
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
    logger->set_pattern(text_pattern);
  } else if (format == "json") {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<json_message_flag>('*').set_pattern(json_pattern);
    logger->set_formatter(std::move(formatter));
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
