#pragma once
// `.env` files: parsed before the command line so that a flag beats the environment, which
// beats the file (flag > env > file). Which file: `--env-file PATH` on the command line, else
// $DSDN_ENV_FILE, else ./.env.mainnet when it exists, else ./.env when it exists.
//
// Syntax, one entry per line:
//   KEY=value            unquoted: surrounding blanks trimmed; " #" starts a comment
//   export KEY=value     optional `export ` prefix (as in shell scripts)
//   KEY='literal'        single quotes: no escapes
//   KEY="a\nb \" \\"     double quotes: \n \t \r \" \\ escapes
//   # comment            comment lines and blank lines are skipped
// KEY is [A-Za-z_][A-Za-z0-9_]*. A later line for the same key wins within a file; a variable
// already set in the environment is never overridden. Values are literal (no ${VAR} expansion).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dsdn/core/result.hpp"

namespace dsdn::cli {

/// One KEY=VALUE entry and the line it came from.
struct env_entry {
  std::string key;
  std::string value;
  size_t line = 0;
};

/// Why an env file could not be used.
enum class env_errc : uint8_t { unreadable = 1, malformed };

/// Parses the text of an env file; `file_name` only appears in error messages
/// ("<file>:<line>: <what>"). Entries keep file order; duplicates are kept (last wins when
/// applied).
result<std::vector<env_entry>, env_errc> parse_env_text(const std::string& text,
                                                        const std::string& file_name);

/// Reads and parses `path`.
result<std::vector<env_entry>, env_errc> read_env_file(const std::string& path);

/// The value of `--env-file PATH` or `--env-file=PATH` in argv (scanning stops at `--`).
/// Returns an empty optional when absent; an empty string when the flag has no value.
std::optional<std::string> env_file_from_args(const std::vector<std::string>& args);

/// What load_env() did.
struct env_load_report {
  std::string path;        // empty: no file was used
  bool explicit_ = false;  // named by --env-file or DSDN_ENV_FILE (not auto-detected)
  size_t applied = 0;      // variables set from the file
  size_t kept = 0;         // variables left alone because the environment already had them
};

/// Chooses the env file (see the top of this header; `dir` is where .env.mainnet / .env are
/// looked for) and sets its variables that the environment does not already have. An
/// explicitly named file must exist; an auto-detected one is skipped when absent.
result<env_load_report, env_errc> load_env(const std::vector<std::string>& args,
                                           const std::string& dir = ".");

}  // namespace dsdn::cli
