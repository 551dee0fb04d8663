// `dsdn-coordinator serve`: validates the configuration, opens the data dir and the DA, starts
// the HTTP API (so /ready answers 503 while state is rebuilt), rebuilds state from DA, accepts
// writes, and on SIGINT/SIGTERM stops HTTP, flushes pending events and exits.

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "dsdn/actors/coordinator.hpp"
#include "dsdn/actors/logging.hpp"
#include "dsdn/cli/commands.hpp"
#include "dsdn/cli/serve_committee.hpp"
#include "dsdn/cli/serve_options.hpp"
#include "dsdn/cli/stop_signals.hpp"
#include "dsdn/http/server.hpp"

namespace dsdn::cli {

namespace {

std::string set_or_unset(const std::string& s) {
  return s.empty() ? "unset" : "set";
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v)
    out += (out.empty() ? "" : ",") + s;
  return out.empty() ? "-" : out;
}

void log_configuration(const cli_context& ctx, const serve_options& o, const serve_plan& plan,
                       unsigned scheduler_threads) {
  if (ctx.env.path.empty())
    log().info("env_file_none (no --env-file, DSDN_ENV_FILE, ./.env.mainnet or ./.env)");
  else
    log().info("env_file_loaded path={} source={} applied={} kept_from_environment={}",
               ctx.env.path, ctx.env.explicit_ ? "explicit" : "auto-detected", ctx.env.applied,
               ctx.env.kept);
  log().info(
      "serve_config da={} data_dir={} host={} port={} http_threads={} scheduler_threads={} "
      "api_token={} log_level={} log_format={} trusted_publishers={}",
      plan.da_kind, o.data_dir, o.host, o.port, o.http_threads, scheduler_threads,
      set_or_unset(o.api_token), o.log_level, o.log_format, o.trusted_publishers.size());
  log().info(
      "da_config network={} rpc_url={} namespace={} auth_token={} timeout_ms={} "
      "max_connections={} idle_timeout_ms={} pooling={} retry_count={} retry_delay_ms={}",
      o.da_network, o.da_rpc_url.empty() ? "-" : o.da_rpc_url,
      o.da_namespace.empty() ? "-" : o.da_namespace, set_or_unset(o.da_auth_token), o.da_timeout_ms,
      o.da_max_connections, o.da_idle_timeout_ms, o.da_enable_pooling, o.da_retry_count,
      o.da_retry_delay_ms);
  log().info(
      "fallback_config enabled={} type={} quorum_validators={} quorum_threshold={} "
      "quorum_signature_timeout_ms={} emergency_da_url={} emergency_auth_token={} "
      "reconcile_batch_size={} "
      "reconcile_max_retries={} reconcile_retry_delay_ms={} reconcile_parallel={}",
      o.enable_fallback, plan.fallback_type, join(o.quorum_validators), o.quorum_threshold,
      o.quorum_signature_timeout_ms, o.emergency_da_url.empty() ? "-" : o.emergency_da_url,
      set_or_unset(o.emergency_da_auth_token), o.reconcile_batch_size, o.reconcile_max_retries,
      o.reconcile_retry_delay_ms, o.reconcile_parallel);
  log().info(
      "health_config interval_ms={} probe_timeout_ms={} failure_threshold={} "
      "recovery_threshold={} warning_latency_ms={} outbox_max_entries={} outbox_max_bytes={}",
      o.health_interval_ms, o.health_probe_timeout_ms, o.health_failure_threshold,
      o.health_recovery_threshold, o.health_warning_latency_ms, o.outbox_max_entries,
      o.outbox_max_bytes);
  // Which layers this run has: the line operators look for (URLs only where they apply).
  log().info(
      "da_layers_configured primary={}{} secondary={} emergency={}{}", plan.da_kind,
      plan.da_kind == "celestia" ? " primary_url=" + o.da_rpc_url : std::string(),
      plan.secondary_kind, plan.emergency_kind,
      plan.emergency_kind != "none" ? " emergency_url=" + o.emergency_da_url : std::string());
  for (const auto& w : plan.warnings)
    log().warn("{}", w);
}

int run_serve(const cli_context& ctx, serve_options opt, const committee_options& copt) {
  if (opt.api_token.empty())
    opt.api_token = ctx.client.api_token;  // `--api-token X serve` (the global flag)
  if (!configure_logging(opt.log_level, opt.log_format)) {
    ctx.io.err << "Error: --log-level must be trace|debug|info|warn|error|critical|off and "
                  "--log-format text|json\n";
    return exit_usage;
  }
  auto plan = plan_serve(opt);
  if (!plan) {
    ctx.io.err << "Configuration error: " << plan.error().message << "\n";
    const auto code = plan.error().code;
    return code == serve_config_errc::trusted_publishers || code == serve_config_errc::quorum
               ? exit_usage
               : exit_failure;
  }
  auto committee = load_committee_plan(copt);
  if (!committee) {
    ctx.io.err << "Configuration error: " << committee.error().message << "\n";
    return committee.error().code;
  }
  if (committee.value())
    apply_committee(*committee.value(), plan->coordinator);
  unsigned scheduler_threads = opt.scheduler_threads
                                   ? opt.scheduler_threads
                                   : std::max(2u, std::thread::hardware_concurrency());
  log_configuration(ctx, opt, plan.value(), scheduler_threads);

  stop_signals signals;  // before the actor system and the server start their threads

  caf::actor_system_config caf_cfg;
  configure_actor_system(caf_cfg);
  if (committee.value())
    configure_committee_system(*committee.value(), caf_cfg);
  caf_cfg.set("scheduler.max-threads", static_cast<size_t>(scheduler_threads));
  caf::actor_system sys{caf_cfg};

  auto opened = coordinator::open(sys, plan->coordinator);
  if (!opened) {
    log().critical("start_failed error=\"{}\"", opened.error().message);
    return exit_failure;
  }
  auto node = std::move(opened).value();
  std::unique_ptr<committee_runtime> peers;
  if (committee.value()) {
    auto rt = committee_runtime::start(sys, *committee.value(), *node);
    if (!rt) {
      log().critical("committee_start_failed error=\"{}\"", rt.error().message);
      node->stop();
      return exit_failure;
    }
    peers = std::move(rt).value();
  }

  http::server_config http_cfg;
  http_cfg.host = opt.host;
  http_cfg.port = static_cast<uint16_t>(opt.port);
  http_cfg.threads = opt.http_threads;
  http_cfg.api_token = opt.api_token;
  if (peers)
    http_cfg.committee = caf::actor_cast<caf::actor>(peers->manager());
  auto started = http::http_server::start(sys, *node, http_cfg);
  if (!started) {
    log().critical("http_start_failed host={} port={} error=\"{}\"", opt.host, opt.port,
                   started.error().message);
    node->stop();
    return exit_failure;
  }
  // The server owns its io_context and must be gone before the actor system (declared above).
  auto server = std::move(started).value();
  log().info("serve_listening url={} (/ready answers 503 until the rebuild is done)",
             listen_url(opt.host, server->port()));

  // The rebuild may wait a long time for an unreachable primary: a stop signal meanwhile
  // cancels it, and the coordinator stops as after a normal run.
  std::atomic<bool> rebuild_over{false};
  const char* early_signal = nullptr;
  std::thread watcher([&] {
    while (!rebuild_over.load()) {
      if (auto* sig = signals.wait_for(std::chrono::milliseconds(100))) {
        early_signal = sig;
        node->cancel_rebuild();
        return;
      }
    }
  });
  auto rebuilt = node->rebuild_and_accept();
  rebuild_over = true;
  watcher.join();
  if (!rebuilt && !early_signal) {
    log().critical("start_failed error=\"{}\"", rebuilt.error().message);
    server->stop();
    server.reset();
    node->stop();
    return exit_failure;
  }

  // The server has no failure signal to wait for: its io threads log a throwing handler and
  // keep serving, and a failed bind was reported by start(). So only signals end the loop.
  log().info("shutdown_requested signal={}", early_signal ? early_signal : signals.wait());
  server->stop();
  server.reset();
  peers.reset();
  node->stop();
  node.reset();
  log().info("shutdown_complete");
  return exit_ok;
}

}  // namespace

void add_serve_command(CLI::App& app, command_runner& run, context_ptr ctx) {
  auto opt = std::make_shared<serve_options>();
  auto* cmd = app.add_subcommand(
      "serve", "Run a coordinator: HTTP API on --host:--port, state rebuilt from DA");
  cmd->fallthrough();
  add_serve_options(*cmd, *opt);
  auto committee = std::make_shared<committee_options>();
  add_committee_options(*cmd, *committee);
  cmd->callback([opt, committee, ctx, &run] {
    run = [opt, committee, ctx] { return run_serve(*ctx, *opt, *committee); };
  });
}

}  // namespace dsdn::cli
