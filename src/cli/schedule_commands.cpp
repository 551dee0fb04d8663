// `schedule` and `scheduler config`.

#include <optional>

#include <CLI/CLI.hpp>

#include "dsdn/cli/api.hpp"
#include "dsdn/cli/commands.hpp"
#include "dsdn/cli/schedule.hpp"

namespace dsdn::cli {

namespace {

struct weight_flags {
  std::optional<double> w_cpu;
  std::optional<double> w_ram;
  std::optional<double> w_gpu;
  std::optional<double> w_latency;
  std::optional<double> w_io;
};

int run_schedule(const cli_context& ctx, const schedule_flags& f) {
  auto plan = plan_schedule(f);
  if (!plan) {
    ctx.io.err << "Error: " << plan.error().message << "\n";
    return exit_usage;
  }
  if (!plan->note.empty())
    ctx.io.err << plan->note;
  response_decorator echo_id;
  if (!f.id.empty())
    echo_id = [id = f.id](nlohmann::ordered_json& j) {
      if (j.is_object())
        j["id"] = id;
    };
  return call_and_print(ctx.client, {"POST", "/schedule", plan->body}, ctx.io, echo_id);
}

int run_weights(const cli_context& ctx, const weight_flags& f) {
  nlohmann::json body = nlohmann::json::object();
  for (auto [v, key] : {std::pair{f.w_cpu, "w_cpu"},
                        {f.w_ram, "w_ram"},
                        {f.w_gpu, "w_gpu"},
                        {f.w_latency, "w_latency"},
                        {f.w_io, "w_io"}})
    if (v)
      body[key] = *v;
  if (body.empty())
    return call_and_print(ctx.client, {"GET", "/scheduler/config", std::nullopt}, ctx.io);
  return call_and_print(ctx.client, {"POST", "/scheduler/config", body}, ctx.io);
}

}  // namespace

void add_schedule_commands(CLI::App& app, command_runner& run, context_ptr ctx) {
  auto f = std::make_shared<schedule_flags>();
  auto* cmd = app.add_subcommand("schedule", "Pick the best node for a workload");
  cmd->footer(
      "README form: --cpu N cores -> cpu_req = min(N / --node-cores, 1); --mem G GB -> "
      "ram_req_mb = G * 1024; --disk is accepted and ignored (storage is placement's concern); "
      "--id is echoed as \"id\". Direct form: --cpu-req --ram-req-mb --gpu-req "
      "--max-latency-ms. Constraints are checked against the stats nodes reported with "
      "`node stats`; a node that never reported has nothing free.");
  cmd->fallthrough();
  cmd->add_option("--id", f->id, "Workload label (echoed as \"id\" in the output)");
  cmd->add_option("--cpu", f->cpu_cores, "CPU cores needed (README form)");
  cmd->add_option("--mem", f->mem_gb, "Memory needed in GB (README form)");
  cmd->add_option("--disk", f->disk_gb, "Disk in GB (README form; accepted and ignored)");
  cmd->add_option("--node-cores", f->node_cores, "Cores of the reference node used by --cpu")
      ->envname("DSDN_NODE_CORES")
      ->capture_default_str();
  cmd->add_option("--cpu-req", f->cpu_req, "Free CPU fraction required (0..1)");
  cmd->add_option("--ram-req-mb", f->ram_req_mb, "Free RAM required in MiB");
  cmd->add_option("--gpu-req", f->gpu_req, "Free GPU units required");
  cmd->add_option("--max-latency-ms", f->max_latency_ms, "Highest acceptable latency in ms");
  cmd->callback([ctx, f, &run] { run = [ctx, f] { return run_schedule(*ctx, *f); }; });

  auto* scheduler = app.add_subcommand("scheduler", "Scheduler settings");
  scheduler->require_subcommand(1);
  scheduler->fallthrough();
  auto w = std::make_shared<weight_flags>();
  cmd = scheduler->add_subcommand(
      "config", "Show the scoring weights, or update the ones given (others are kept)");
  cmd->fallthrough();
  cmd->add_option("--w-cpu", w->w_cpu, "Weight of free CPU");
  cmd->add_option("--w-ram", w->w_ram, "Weight of free RAM (per MiB)");
  cmd->add_option("--w-gpu", w->w_gpu, "Weight of free GPU");
  cmd->add_option("--w-latency", w->w_latency, "Weight of 1/latency");
  cmd->add_option("--w-io", w->w_io, "Weight of I/O pressure (subtracted)");
  cmd->callback([ctx, w, &run] { run = [ctx, w] { return run_weights(*ctx, *w); }; });
}

}  // namespace dsdn::cli
