// `health`, `ready`, `fallback status|pending|reconcile|consistency`, `system info`.

#include <CLI/CLI.hpp>

#include "dsdn/cli/api.hpp"
#include "dsdn/cli/commands.hpp"

namespace dsdn::cli {

namespace {

void add_simple(CLI::App& parent, const std::string& name, const std::string& description,
                api_request req, command_runner& run, const context_ptr& ctx) {
  auto* cmd = parent.add_subcommand(name, description);
  cmd->fallthrough();
  cmd->callback(
      [ctx, req, &run] { run = [ctx, req] { return call_and_print(ctx->client, req, ctx->io); }; });
}

}  // namespace

void add_status_commands(CLI::App& app, command_runner& run, context_ptr ctx) {
  add_simple(app, "health", "Coordinator and DA health", {"GET", "/health", std::nullopt}, run,
             ctx);

  auto* ready =
      app.add_subcommand("ready", "Print `ready` (exit 0) or `not ready: <reason>` (exit 1)");
  ready->fallthrough();
  ready->callback([ctx, &run] { run = [ctx] { return check_ready(ctx->client, ctx->io); }; });

  auto* fallback = app.add_subcommand("fallback", "DA fallback state and reconciliation");
  fallback->require_subcommand(1);
  fallback->fallthrough();
  add_simple(*fallback, "status", "Which DA layer is in use and why",
             {"GET", "/fallback/status", std::nullopt}, run, ctx);
  add_simple(*fallback, "pending", "Blobs waiting to be replayed to the primary DA",
             {"GET", "/fallback/pending", std::nullopt}, run, ctx);
  add_simple(*fallback, "reconcile", "Replay one batch of pending blobs to the primary DA",
             {"POST", "/fallback/reconcile", nlohmann::json::object()}, run, ctx);
  add_simple(*fallback, "consistency", "Check the fallback bookkeeping for inconsistencies",
             {"GET", "/fallback/consistency", std::nullopt}, run, ctx);

  auto* system = app.add_subcommand("system", "Coordinator information");
  system->require_subcommand(1);
  system->fallthrough();
  add_simple(*system, "info", "Version, node count, DA status, state checksum, height",
             {"GET", "/system/info", std::nullopt}, run, ctx);
}

}  // namespace dsdn::cli
