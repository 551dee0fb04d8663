// `.env` parsing and loading (syntax and precedence: include/dsdn/cli/env_file.hpp).

#include "dsdn/cli/env_file.hpp"

#include <stdlib.h>
#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace dsdn::cli {

namespace {

using parse_result = result<std::vector<env_entry>, env_errc>;

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

size_t skip_blanks(const std::string& s, size_t i) {
  while (i < s.size() && is_blank(s[i]))
    ++i;
  return i;
}

bool valid_key(const std::string& key) {
  if (key.empty() || std::isdigit(static_cast<unsigned char>(key[0])))
    return false;
  for (char c : key)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_')
      return false;
  return true;
}

/// What may follow a closing quote: blanks, then nothing or a comment.
bool only_comment_after(const std::string& s, size_t i) {
  i = skip_blanks(s, i);
  return i == s.size() || s[i] == '#';
}

/// Parses the value part of a line (after '='). Sets `error` on failure.
std::string parse_value(const std::string& s, size_t i, std::string& error) {
  i = skip_blanks(s, i);
  if (i == s.size())
    return "";
  if (s[i] == '\'') {
    auto close = s.find('\'', i + 1);
    if (close == std::string::npos) {
      error = "unterminated single-quoted value (values cannot span lines)";
      return "";
    }
    if (!only_comment_after(s, close + 1))
      error = "unexpected text after the closing quote";
    return s.substr(i + 1, close - i - 1);
  }
  if (s[i] == '"') {
    std::string out;
    for (size_t j = i + 1; j < s.size(); ++j) {
      char c = s[j];
      if (c == '"') {
        if (!only_comment_after(s, j + 1))
          error = "unexpected text after the closing quote";
        return out;
      }
      if (c != '\\') {
        out += c;
        continue;
      }
      if (++j == s.size())
        break;
      switch (s[j]) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        default:
          error = std::string("unknown escape '\\") + s[j] +
                  "' in a double-quoted value (use \\\\ for a backslash, or single quotes)";
          return "";
      }
    }
    error = "unterminated double-quoted value (values cannot span lines)";
    return "";
  }
  // Unquoted: up to a '#' that follows a blank (a comment), trailing blanks trimmed.
  size_t end = s.size();
  for (size_t j = i; j < s.size(); ++j) {
    if (s[j] == '#' && j > i && is_blank(s[j - 1])) {
      end = j;
      break;
    }
  }
  while (end > i && is_blank(s[end - 1]))
    --end;
  return s.substr(i, end - i);
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

}  // namespace

parse_result parse_env_text(const std::string& text, const std::string& file_name) {
  std::vector<env_entry> out;
  std::istringstream in(text);
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0)
      line.erase(0, 3);  // UTF-8 byte order mark
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    auto where = file_name + ":" + std::to_string(number) + ": ";
    size_t i = skip_blanks(line, 0);
    if (i == line.size() || line[i] == '#')
      continue;
    if (line.compare(i, 6, "export") == 0 && i + 6 < line.size() && is_blank(line[i + 6]))
      i = skip_blanks(line, i + 6);
    auto eq = line.find('=', i);
    if (eq == std::string::npos)
      return {env_errc::malformed, where + "expected KEY=VALUE, got '" + line + "'"};
    auto key_end = eq;
    while (key_end > i && is_blank(line[key_end - 1]))
      --key_end;
    auto key = line.substr(i, key_end - i);
    if (!valid_key(key))
      return {env_errc::malformed,
              where + "invalid variable name '" + key + "' (expected [A-Za-z_][A-Za-z0-9_]*)"};
    std::string error;
    auto value = parse_value(line, eq + 1, error);
    if (!error.empty())
      return {env_errc::malformed, where + error + " for " + key};
    out.push_back({std::move(key), std::move(value), number});
  }
  return out;
}

parse_result read_env_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return {env_errc::unreadable, "cannot read env file '" + path + "': " + std::strerror(errno)};
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad())
    return {env_errc::unreadable, "cannot read env file '" + path + "'"};
  return parse_env_text(ss.str(), path);
}

std::optional<std::string> env_file_from_args(const std::vector<std::string>& args) {
  std::optional<std::string> found;
  for (size_t i = 1; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--")
      break;
    if (a == "--env-file")
      found = i + 1 < args.size() ? args[++i] : std::string();
    else if (a.rfind("--env-file=", 0) == 0)
      found = a.substr(11);
  }
  return found;
}

result<env_load_report, env_errc> load_env(const std::vector<std::string>& args,
                                           const std::string& dir) {
  env_load_report report;
  if (auto flag = env_file_from_args(args)) {
    if (flag->empty())
      return {env_errc::unreadable, "--env-file needs a path"};
    report.path = *flag;
    report.explicit_ = true;
  } else if (const char* env = std::getenv("DSDN_ENV_FILE"); env && *env) {
    report.path = env;
    report.explicit_ = true;
  } else {
    for (const char* name : {".env.mainnet", ".env"}) {
      auto candidate = dir + "/" + name;
      if (file_exists(candidate)) {
        report.path = candidate;
        break;
      }
    }
    if (report.path.empty())
      return report;
  }
  auto entries = read_env_file(report.path);
  if (!entries)
    return entries.error();
  // Last line wins inside the file; the existing environment wins over the file.
  std::map<std::string, std::string> last;
  for (auto& e : entries.value())
    last[e.key] = e.value;
  for (auto& [key, value] : last) {
    if (std::getenv(key.c_str()) != nullptr) {
      ++report.kept;
      continue;
    }
    ::setenv(key.c_str(), value.c_str(), 0);
    ++report.applied;
  }
  return report;
}

}  // namespace dsdn::cli
