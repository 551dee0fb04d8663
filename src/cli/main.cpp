// dsdn-coordinator: one binary; `serve` runs a coordinator, the other subcommands manage one.

#include <CLI/CLI.hpp>

#include "dsdn/cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"dsdn-coordinator: orchestrates a decentralized storage and compute network",
               "dsdn-coordinator"};
  app.set_version_flag("-V,--version", "dsdn-coordinator 0.1.0");
  app.require_subcommand(1);
  dsdn::cli::command_runner run;
  dsdn::cli::add_serve_command(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return run ? run() : 0;
}
