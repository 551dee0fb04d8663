// Boolean flags and small helpers shared by the subcommands.

#include "dsdn/cli/options.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

#include <CLI/CLI.hpp>

namespace dsdn::cli {

bool parse_bool_word(const std::string& text, bool& value) {
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "true" || lower == "1") {
    value = true;
    return true;
  }
  if (lower == "false" || lower == "0") {
    value = false;
    return true;
  }
  return false;
}

CLI::Option* add_bool_flag(CLI::App& app, const std::string& name, bool& target,
                           const std::string& description, const std::string& env) {
  // The validator sees the raw word (from `--name=word` or the environment) and rewrites it to
  // "true"/"false" before CLI11 converts it, so CLI11's wider vocabulary (yes/on/...) never
  // applies and every other word is refused with the flag's name.
  CLI::Validator words(
      [](std::string& text) -> std::string {
        bool v = false;
        if (!parse_bool_word(text, v))
          return "'" + text + "' is not a boolean (use true, false, 1 or 0)";
        text = v ? "true" : "false";
        return {};
      },
      "");
  auto* opt = app.add_flag(name, target, description)->check(words)->type_name("[=BOOL]");
  if (!env.empty())
    opt->envname(env);
  return opt;
}

const CLI::Validator& unsigned_integer() {
  static const CLI::Validator v(
      [](std::string& text) -> std::string {
        bool digits = !text.empty() && std::all_of(text.begin(), text.end(),
                                                   [](char c) { return c >= '0' && c <= '9'; });
        if (!digits)
          return "'" + text + "' is not a non-negative integer";
        // CLI11 saturates 64-bit values that overflow; refuse them instead.
        errno = 0;
        std::strtoull(text.c_str(), nullptr, 10);
        if (errno == ERANGE)
          return "'" + text + "' is too large";
        return {};
      },
      "");
  return v;
}

CLI::Validator at_least(uint64_t min) {
  return CLI::Validator(
      [min](std::string& text) -> std::string {
        errno = 0;
        unsigned long long v = std::strtoull(text.c_str(), nullptr, 10);
        if (errno == 0 && v >= min)
          return {};
        return "'" + text + "' is below the minimum " + std::to_string(min);
      },
      ">= " + std::to_string(min));
}

std::string listen_url(const std::string& host, uint16_t port) {
  auto bracketed = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return "http://" + bracketed + ":" + std::to_string(port);
}

std::string trim_trailing_slashes(std::string url) {
  while (!url.empty() && url.back() == '/')
    url.pop_back();
  return url;
}

}  // namespace dsdn::cli
