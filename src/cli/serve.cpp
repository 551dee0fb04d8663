// `dsdn-coordinator serve`: opens the data dir, rebuilds state from DA, accepts writes, and on
// SIGINT/SIGTERM flushes pending events before exiting.

#include <csignal>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "dsdn/actors/coordinator.hpp"
#include "dsdn/actors/logging.hpp"
#include "dsdn/cli/commands.hpp"

namespace dsdn::cli {

namespace {

struct serve_options {
  std::string data_dir = "./data";
  bool mock_da = false;
  std::vector<std::string> trusted_publishers;
  std::string log_level = "info";
  std::string log_format = "text";
  unsigned scheduler_threads = 0;
};

/// Parses hex Ed25519 public keys; names the first bad entry.
bool parse_keys(const std::vector<std::string>& in, std::vector<core::public_key>& out,
                std::string& bad) {
  for (auto& s : in) {
    if (s.empty())
      continue;
    core::public_key k{};
    if (!core::from_hex(s, k.data(), k.size())) {
      bad = s;
      return false;
    }
    out.push_back(k);
  }
  return true;
}

int run_serve(const serve_options& opt) {
  if (!configure_logging(opt.log_level, opt.log_format)) {
    std::fprintf(stderr,
                 "error: --log-level must be trace|debug|info|warn|error|critical|off "
                 "and --log-format text|json\n");
    return 2;
  }
  coordinator_config cfg;
  cfg.data_dir = opt.data_dir;
  cfg.mock_da = opt.mock_da;
  std::string bad;
  if (!parse_keys(opt.trusted_publishers, cfg.trusted_publishers, bad)) {
    std::fprintf(stderr,
                 "error: --trusted-publishers: '%s' is not a 64-hex-character Ed25519 key\n",
                 bad.c_str());
    return 2;
  }

  // Block the stop signals before any thread exists, so every thread inherits the mask and
  // only sigwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  caf::actor_system_config caf_cfg;
  configure_actor_system(caf_cfg);
  auto threads = opt.scheduler_threads ? opt.scheduler_threads
                                       : std::max(2u, std::thread::hardware_concurrency());
  caf_cfg.set("scheduler.max-threads", static_cast<size_t>(threads));
  caf::actor_system sys{caf_cfg};

  auto started = coordinator::start(sys, cfg);
  if (!started) {
    log().critical("start_failed error=\"{}\"", started.error().message);
    return 1;
  }
  auto node = std::move(started).value();

  int sig = 0;
  sigwait(&stop_signals, &sig);
  log().info("shutdown_requested signal={}", sig == SIGINT ? "SIGINT" : "SIGTERM");
  node->stop();
  node.reset();
  log().info("shutdown_complete");
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, command_runner& run) {
  auto opt = std::make_shared<serve_options>();
  auto* cmd = app.add_subcommand("serve", "Run a coordinator");
  cmd->add_option("--data-dir", opt->data_dir,
                  "Directory for the identity key, epoch and embedded DA")
      ->envname("DSDN_DATA_DIR")
      ->capture_default_str();
  cmd->add_flag("--mock-da", opt->mock_da, "Use the in-memory DA (state is lost at exit)")
      ->envname("USE_MOCK_DA");
  cmd->add_option("--trusted-publishers", opt->trusted_publishers,
                  "Hex Ed25519 public keys of other publishers whose blobs are applied")
      ->envname("DSDN_TRUSTED_PUBLISHERS")
      ->delimiter(',');
  cmd->add_option("--log-level", opt->log_level, "trace|debug|info|warn|error|critical|off")
      ->envname("DSDN_LOG_LEVEL")
      ->capture_default_str();
  cmd->add_option("--log-format", opt->log_format, "text|json")
      ->envname("DSDN_LOG_FORMAT")
      ->capture_default_str();
  cmd->add_option("--scheduler-threads", opt->scheduler_threads,
                  "CAF scheduler threads (0 = number of cores, at least 2)")
      ->envname("DSDN_SCHEDULER_THREADS");
  cmd->callback([opt, &run] { run = [opt] { return run_serve(*opt); }; });
}

}  // namespace dsdn::cli
