// `object register|get|placement` and `replica mark-missing|mark-healed`.

#include <CLI/CLI.hpp>

#include "dsdn/cli/api.hpp"
#include "dsdn/cli/commands.hpp"

namespace dsdn::cli {

namespace {

struct object_flags {
  std::string hash;
  uint64_t size = 0;
  uint64_t rf = 3;
};

struct replica_flags {
  std::string hash;
  std::string node_id;
};

void add_replica_command(CLI::App& replica, const std::string& name, const std::string& path,
                         const std::string& description, command_runner& run,
                         const context_ptr& ctx) {
  auto flags = std::make_shared<replica_flags>();
  auto* cmd = replica.add_subcommand(name, description);
  cmd->fallthrough();
  cmd->add_option("--hash", flags->hash, "Object hash (hex)")->required();
  cmd->add_option("--node-id", flags->node_id, "Node id")->required();
  cmd->callback([ctx, flags, path, &run] {
    run = [ctx, flags, path] {
      nlohmann::json body = {{"hash", flags->hash}, {"node_id", flags->node_id}};
      return call_and_print(ctx->client, {"POST", path, body}, ctx->io);
    };
  });
}

}  // namespace

void add_object_commands(CLI::App& app, command_runner& run, context_ptr ctx) {
  auto* object = app.add_subcommand("object", "Register objects and find their placement");
  object->require_subcommand(1);
  object->fallthrough();
  auto flags = std::make_shared<object_flags>();

  auto* cmd = object->add_subcommand("register", "Register an object (no-op when it exists)");
  cmd->fallthrough();
  cmd->add_option("--hash", flags->hash, "Object hash (hex, 1..128 characters)")->required();
  cmd->add_option("--size", flags->size, "Size in bytes (>= 1)")
      ->check(unsigned_integer())
      ->required();
  cmd->callback([ctx, flags, &run] {
    run = [ctx, flags] {
      nlohmann::json body = {{"hash", flags->hash}, {"size", flags->size}};
      return call_and_print(ctx->client, {"POST", "/object/register", body}, ctx->io);
    };
  });

  cmd = object->add_subcommand("get", "Show an object and its replicas");
  cmd->fallthrough();
  cmd->add_option("hash", flags->hash, "Object hash")->required();
  cmd->callback([ctx, flags, &run] {
    run = [ctx, flags] {
      return call_and_print(ctx->client,
                            {"GET", "/object/" + path_segment(flags->hash), std::nullopt}, ctx->io);
    };
  });

  cmd = object->add_subcommand("placement", "The nodes an object's replicas belong on");
  cmd->fallthrough();
  cmd->add_option("hash", flags->hash, "Object hash")->required();
  cmd->add_option("--rf", flags->rf, "Replication factor (1..64)")
      ->check(unsigned_integer())
      ->capture_default_str();
  cmd->callback([ctx, flags, &run] {
    run = [ctx, flags] {
      auto target = "/placement/" + path_segment(flags->hash) + "?rf=" + std::to_string(flags->rf);
      return call_and_print(ctx->client, {"GET", target, std::nullopt}, ctx->io);
    };
  });

  auto* replica = app.add_subcommand("replica", "Record replicas lost or restored");
  replica->require_subcommand(1);
  replica->fallthrough();
  add_replica_command(*replica, "mark-missing", "/replica/mark_missing",
                      "Record that a node lost its replica of an object", run, ctx);
  add_replica_command(*replica, "mark-healed", "/replica/mark_healed",
                      "Record that a node holds a replica of an object again", run, ctx);
}

}  // namespace dsdn::cli
