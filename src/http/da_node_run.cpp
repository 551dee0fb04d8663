// run_da_node: the body of `dsdn-coordinator da-node serve` (signal handling as src/cli/serve.cpp).

#include <pthread.h>

#include <csignal>

#include "dsdn/actors/logging.hpp"
#include "dsdn/http/da_node.hpp"

namespace dsdn::http {

namespace {

std::string url_host(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

int run_da_node(const da_node_options& options) {
  // Block the stop signals before any thread exists, so every thread inherits the mask and
  // only sigwait below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // A job started in the background of a non-interactive shell inherits SIGINT ignored, and an
  // ignored signal is discarded instead of waiting for sigwait: restore the default action
  // (which never runs, the signals being blocked).
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);

  da_node_config cfg;
  cfg.host = options.host;
  cfg.port = options.port;
  cfg.data_dir = options.data_dir;
  cfg.block_time_ms = options.block_time_ms;
  cfg.auth_token = options.auth_token;
  cfg.threads = options.threads;
  auto started = da_node_server::start(cfg);
  if (!started) {
    log().critical("da_node_start_failed host={} port={} data_dir={} error=\"{}\"", options.host,
                   options.port, options.data_dir, started.error().message);
    return 1;
  }
  auto server = std::move(started).value();
  log().info("da_node_serving url=http://{}:{} validator_key={}", url_host(options.host),
             server->port(), server->validator_key_hex());

  int sig = 0;
  sigwait(&stop_signals, &sig);
  log().info("da_node_shutdown_requested signal={}", sig == SIGINT ? "SIGINT" : "SIGTERM");
  server->stop();
  server.reset();
  log().info("da_node_shutdown_complete");
  return 0;
}

}  // namespace dsdn::http
