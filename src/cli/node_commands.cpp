// `node register|list|get|stats`.

#include <optional>

#include <CLI/CLI.hpp>

#include "dsdn/cli/api.hpp"
#include "dsdn/cli/commands.hpp"

namespace dsdn::cli {

namespace {

struct register_flags {
  std::string id;
  std::string zone;
  std::string addr;
  uint64_t capacity_gb = 100;
};

struct stats_flags {
  std::string id;
  std::optional<double> cpu_free;
  std::optional<double> ram_free_mb;
  std::optional<double> gpu_free;
  std::optional<double> latency_ms;
  std::optional<double> io_pressure;
};

int run_stats(const cli_context& ctx, const stats_flags& f) {
  auto target = "/node/" + path_segment(f.id) + "/stats";
  bool any = f.cpu_free || f.ram_free_mb || f.gpu_free || f.latency_ms || f.io_pressure;
  if (!any)
    return call_and_print(ctx.client, {"GET", target, std::nullopt}, ctx.io);
  if (!f.cpu_free || !f.ram_free_mb) {
    ctx.io.err << "Error: setting stats needs both --cpu-free and --ram-free-mb\n";
    return exit_usage;
  }
  nlohmann::json body = {{"cpu_free", *f.cpu_free}, {"ram_free_mb", *f.ram_free_mb}};
  if (f.gpu_free)
    body["gpu_free"] = *f.gpu_free;
  if (f.latency_ms)
    body["latency_ms"] = *f.latency_ms;
  if (f.io_pressure)
    body["io_pressure"] = *f.io_pressure;
  return call_and_print(ctx.client, {"POST", target, body}, ctx.io);
}

}  // namespace

void add_node_commands(CLI::App& app, command_runner& run, context_ptr ctx) {
  auto* node = app.add_subcommand("node", "Register and inspect storage nodes");
  node->require_subcommand(1);
  node->fallthrough();

  auto reg = std::make_shared<register_flags>();
  auto* cmd = node->add_subcommand("register", "Register (or re-register) a node");
  cmd->fallthrough();
  cmd->add_option("--id", reg->id, "Node id ([A-Za-z0-9._:-], 1..128)")->required();
  cmd->add_option("--zone", reg->zone, "Zone (failure domain) of the node")->required();
  cmd->add_option("--addr", reg->addr, "host:port the node serves on")->required();
  cmd->add_option("--capacity-gb", reg->capacity_gb, "Storage capacity in GB")
      ->check(unsigned_integer())
      ->capture_default_str();
  cmd->callback([ctx, reg, &run] {
    run = [ctx, reg] {
      nlohmann::json body = {{"id", reg->id},
                             {"zone", reg->zone},
                             {"addr", reg->addr},
                             {"capacity_gb", reg->capacity_gb}};
      return call_and_print(ctx->client, {"POST", "/register", body}, ctx->io);
    };
  });

  cmd = node->add_subcommand("list", "List registered nodes");
  cmd->fallthrough();
  cmd->callback([ctx, &run] {
    run = [ctx] { return call_and_print(ctx->client, {"GET", "/nodes", std::nullopt}, ctx->io); };
  });

  auto get_id = std::make_shared<std::string>();
  cmd = node->add_subcommand("get", "Show one node");
  cmd->fallthrough();
  cmd->add_option("id", *get_id, "Node id")->required();
  cmd->callback([ctx, get_id, &run] {
    run = [ctx, get_id] {
      return call_and_print(ctx->client, {"GET", "/node/" + path_segment(*get_id), std::nullopt},
                            ctx->io);
    };
  });

  auto stats = std::make_shared<stats_flags>();
  cmd = node->add_subcommand(
      "stats", "Show a node's runtime stats, or set them when any stat flag is given");
  cmd->fallthrough();
  cmd->add_option("id", stats->id, "Node id")->required();
  cmd->add_option("--cpu-free", stats->cpu_free, "Free CPU as a fraction 0..1 (required to set)");
  cmd->add_option("--ram-free-mb", stats->ram_free_mb, "Free RAM in MiB (required to set)");
  cmd->add_option("--gpu-free", stats->gpu_free, "Free GPU units (default 0)");
  cmd->add_option("--latency-ms", stats->latency_ms, "Latency in ms (default 10)");
  cmd->add_option("--io-pressure", stats->io_pressure, "I/O pressure 0..1 (default 0)");
  cmd->callback([ctx, stats, &run] { run = [ctx, stats] { return run_stats(*ctx, *stats); }; });
}

}  // namespace dsdn::cli
