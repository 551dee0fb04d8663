// run_cli(): env file, global options, subcommands, parse, exit status.

#include <algorithm>

#include <CLI/CLI.hpp>

#include "dsdn/cli/commands.hpp"

namespace dsdn::cli {

namespace {

/// CLI11's exit codes (105 for a validation error, ...) mean nothing to scripts: help and
/// version are successes, every other parse error is a usage error.
int parse_error_status(const CLI::ParseError& e) {
  return e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success) ? exit_ok : exit_usage;
}

void add_global_options(CLI::App& app, cli_context& ctx) {
  app.add_option("--coordinator-url", ctx.client.coordinator_url,
                 "Coordinator to manage (http[s]://host[:port][/path])")
      ->envname("DSDN_COORDINATOR_URL")
      ->capture_default_str();
  app.add_option("--api-token", ctx.client.api_token,
                 "Bearer token sent with every request (needed for writes when the "
                 "coordinator has --api-token)")
      ->envname("DSDN_API_TOKEN");
  app.add_option("--timeout-ms", ctx.client.timeout_ms, "Total deadline per request")
      ->envname("DSDN_TIMEOUT_MS")
      ->check(unsigned_integer())
      ->check(CLI::Range(uint64_t{1}, uint64_t{24} * 3600 * 1000))
      ->capture_default_str();
  // Read before parsing (see env_file.hpp); declared so that it parses and shows in --help.
  app.add_option("--env-file",
                 "Env file loaded before parsing (default: $DSDN_ENV_FILE, "
                 "else ./.env.mainnet, else ./.env); flag > env > file")
      ->envname("DSDN_ENV_FILE");
}

}  // namespace

int run_cli(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  auto env = load_env(args);
  if (!env) {
    err << "Error: " << env.error().message << "\n";
    return exit_usage;
  }
  auto ctx = std::make_shared<cli_context>(cli_io{out, err});
  ctx->env = env.value();

  CLI::App app{"dsdn-coordinator: orchestrates a decentralized storage and compute network",
               "dsdn-coordinator"};
  app.set_version_flag("-V,--version", "dsdn-coordinator 0.1.0");
  app.require_subcommand(0, 1);
  app.fallthrough();
  add_global_options(app, *ctx);
  command_runner run;
  add_serve_command(app, run, ctx);
  add_node_commands(app, run, ctx);
  add_object_commands(app, run, ctx);
  add_schedule_commands(app, run, ctx);
  add_status_commands(app, run, ctx);
  add_da_node_command(app, run, ctx);
  add_keygen_command(app, run, ctx);
  add_committee_commands(app, run, ctx);

  std::vector<std::string> rest(args.size() > 1 ? args.begin() + 1 : args.end(), args.end());
  std::reverse(rest.begin(), rest.end());  // CLI11 takes the arguments in reverse order
  try {
    app.parse(rest);
  } catch (const CLI::ParseError& e) {
    app.exit(e, out, err);
    return parse_error_status(e);
  }
  if (!run) {
    out << app.help();
    err << "Error: no command given (see the list above)\n";
    return exit_failure;
  }
  return run();
}

}  // namespace dsdn::cli
