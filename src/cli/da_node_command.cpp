// `dsdn-coordinator da-node serve`: a standalone DA node (include/dsdn/http/da_node.hpp) until
// SIGINT/SIGTERM. Scripts read one line on stdout once it listens:
//   da_node_started url=http://<host>:<bound port> validator_key=<64 hex>
// Everything else (progress, errors) goes to the log on stderr.

#include <CLI/CLI.hpp>

#include "dsdn/actors/logging.hpp"
#include "dsdn/cli/commands.hpp"
#include "dsdn/cli/da_node_options.hpp"
#include "dsdn/cli/stop_signals.hpp"

namespace dsdn::cli {

namespace {

int run_da_node_serve(const cli_context& ctx, const da_node_command_options& opt) {
  if (!configure_logging(opt.log_level, opt.log_format)) {
    ctx.io.err << "Error: --log-level must be trace|debug|info|warn|error|critical|off and "
                  "--log-format text|json\n";
    return exit_usage;
  }
  stop_signals signals;  // before the server starts its threads

  auto cfg = to_config(opt);
  auto started = http::da_node_server::start(cfg);
  if (!started) {
    log().critical("da_node_start_failed host={} port={} data_dir={} error=\"{}\"", cfg.host,
                   cfg.port, cfg.data_dir, started.error().message);
    ctx.io.err << "Error: da-node could not start: " << started.error().message << "\n";
    return exit_failure;
  }
  auto server = std::move(started).value();
  auto url = listen_url(cfg.host, server->port());
  // The server logged its address and settings; this line is for scripts.
  ctx.io.out << "da_node_started url=" << url << " validator_key=" << server->validator_key_hex()
             << std::endl;  // flushed: a script may be waiting for it

  log().info("da_node_shutdown_requested signal={}", signals.wait());
  server->stop();
  server.reset();
  log().info("da_node_shutdown_complete");
  return exit_ok;
}

}  // namespace

http::da_node_config to_config(const da_node_command_options& opt) {
  http::da_node_config cfg;
  cfg.host = opt.host;
  cfg.port = static_cast<uint16_t>(opt.port);
  cfg.data_dir = opt.data_dir;
  cfg.block_time_ms = opt.block_time_ms;
  cfg.auth_token = opt.auth_token;
  cfg.threads = opt.threads;
  return cfg;
}

void add_da_node_options(CLI::App& cmd, da_node_command_options& opt) {
  cmd.add_option("--host", opt.host, "Address or host name to listen on")
      ->envname("DSDN_DA_NODE_HOST")
      ->capture_default_str();
  cmd.add_option("--port", opt.port, "Port to listen on (0 = any free port, printed)")
      ->envname("DSDN_DA_NODE_PORT")
      ->check(unsigned_integer())
      ->check(CLI::Range(0u, 65535u))
      ->capture_default_str();
  cmd.add_option("--data-dir", opt.data_dir, "Blocks (SQLite) and the validator key")
      ->envname("DSDN_DA_NODE_DATA_DIR")
      ->capture_default_str();
  cmd.add_option("--block-time-ms", opt.block_time_ms, "One block per interval, empty or not")
      ->envname("DSDN_DA_NODE_BLOCK_TIME_MS")
      ->check(unsigned_integer())
      ->check(CLI::Range(uint64_t{1}, uint64_t{3600000}))
      ->capture_default_str();
  cmd.add_option("--auth-token", opt.auth_token,
                 "Require Authorization: Bearer <token> (without it: public methods only)")
      ->envname("DSDN_DA_NODE_AUTH_TOKEN");
  cmd.add_option("--threads", opt.threads, "HTTP I/O threads")
      ->envname("DSDN_DA_NODE_THREADS")
      ->check(unsigned_integer())
      ->check(CLI::Range(1u, 256u))
      ->capture_default_str();
  cmd.add_option("--log-level", opt.log_level, "trace, debug, info, warn, error, critical, off")
      ->envname("DSDN_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  cmd.add_option("--log-format", opt.log_format, "text or json")
      ->envname("DSDN_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
}

void add_da_node_command(CLI::App& app, command_runner& run, context_ptr ctx) {
  auto opt = std::make_shared<da_node_command_options>();
  auto* group = app.add_subcommand("da-node", "A standalone DA node (Celestia JSON-RPC subset)");
  group->require_subcommand(1);
  group->fallthrough();
  auto* serve =
      group->add_subcommand("serve",
                            "Run a DA node on --host:--port until SIGINT/SIGTERM; prints "
                            "`da_node_started url=... validator_key=...` on stdout once listening");
  serve->fallthrough();
  add_da_node_options(*serve, *opt);
  serve->callback([opt, ctx, &run] { run = [opt, ctx] { return run_da_node_serve(*ctx, *opt); }; });
}

}  // namespace dsdn::cli
