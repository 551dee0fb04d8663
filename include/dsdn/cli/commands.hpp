#pragma once
// Subcommands of dsdn-coordinator. Each `add_*` registers its flags on the CLI11 app and, when
// its subcommand is chosen, sets `run` to the function that executes it (returning the exit
// code). run_cli() ties them together.

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "dsdn/cli/env_file.hpp"
#include "dsdn/cli/options.hpp"

namespace CLI {
class App;
}

namespace dsdn::cli {

using command_runner = std::function<int()>;

/// What every subcommand may use: the global options (bound to flags), the env file that was
/// loaded before parsing, and the output streams.
struct cli_context {
  explicit cli_context(cli_io streams) : io(streams) {}
  client_options client;
  env_load_report env;
  cli_io io;
};

using context_ptr = std::shared_ptr<cli_context>;

/// `serve`: runs a coordinator until SIGINT/SIGTERM.
void add_serve_command(CLI::App& app, command_runner& run, context_ptr ctx);
/// `node register|list|get|stats`
void add_node_commands(CLI::App& app, command_runner& run, context_ptr ctx);
/// `object register|get|placement`, `replica mark-missing|mark-healed`
void add_object_commands(CLI::App& app, command_runner& run, context_ptr ctx);
/// `schedule`, `scheduler config`
void add_schedule_commands(CLI::App& app, command_runner& run, context_ptr ctx);
/// `health`, `ready`, `fallback status|pending|reconcile|consistency`, `system info`
void add_status_commands(CLI::App& app, command_runner& run, context_ptr ctx);
/// `da-node serve`: runs a standalone DA node until SIGINT/SIGTERM.
void add_da_node_command(CLI::App& app, command_runner& run, context_ptr ctx);
/// `keygen`: trusted-dealer committee key files
void add_keygen_command(CLI::App& app, command_runner& run, context_ptr ctx);
/// `committee status|sign`
void add_committee_commands(CLI::App& app, command_runner& run, context_ptr ctx);

/// The whole program: loads the env file, parses `args` (args[0] is the program name) and
/// runs the chosen subcommand. Returns the exit status (0 ok, 1 failure, 2 usage error; no
/// subcommand prints the help and returns 1).
int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace dsdn::cli
