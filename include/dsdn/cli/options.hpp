#pragma once
// Conventions shared by every subcommand: exit codes, where output goes, the global client
// options, and boolean flags that accept `--flag`, `--flag=true|false|1|0` and the same words in
// their environment variable.

#include <cstdint>
#include <ostream>
#include <string>

namespace CLI {
class App;
class Option;
class Validator;
}  // namespace CLI

namespace dsdn::cli {

/// Exit statuses: 0 success, 1 failure (request failed, configuration refused), 2 usage error.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1;
inline constexpr int exit_usage = 2;

/// Where a command writes: stdout/stderr in the binary, string streams in tests.
struct cli_io {
  std::ostream& out;
  std::ostream& err;
};

/// The global options of the management commands.
struct client_options {
  std::string coordinator_url = "http://127.0.0.1:45831";  // DSDN_COORDINATOR_URL
  std::string api_token;                                   // DSDN_API_TOKEN
  uint64_t timeout_ms = 60000;                             // DSDN_TIMEOUT_MS
};

/// Parses a boolean word: true/false/1/0 (case-insensitive). False when it is none of them.
bool parse_bool_word(const std::string& text, bool& value);

/// Adds a boolean flag: `--name` sets true, `--name=<bool word>` sets that value, and `env`
/// (when non-empty) is read with the same words. Anything else is a usage error naming the
/// flag.
CLI::Option* add_bool_flag(CLI::App& app, const std::string& name, bool& target,
                           const std::string& description, const std::string& env);

/// Accepts only a plain non-negative decimal integer. CLI11 would otherwise turn "-5" into a
/// huge unsigned value; attach it to every unsigned option.
const CLI::Validator& unsigned_integer();

/// Accepts an integer >= `min` (use after unsigned_integer()).
CLI::Validator at_least(uint64_t min);

/// `http://host:port`, with an IPv6 literal host in brackets: the URL a server prints for the
/// address it listens on.
std::string listen_url(const std::string& host, uint16_t port);

/// `url` without trailing '/' characters.
std::string trim_trailing_slashes(std::string url);

}  // namespace dsdn::cli
