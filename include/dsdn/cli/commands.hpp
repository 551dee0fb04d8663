#pragma once
// Subcommands of dsdn-coordinator. Each registers its flags on the CLI11 app and returns the
// function that runs it (exit code).

#include <functional>

namespace CLI {
class App;
}

namespace dsdn::cli {

using command_runner = std::function<int()>;

/// `serve`: runs a coordinator until SIGINT/SIGTERM.
void add_serve_command(CLI::App& app, command_runner& run);

}  // namespace dsdn::cli
