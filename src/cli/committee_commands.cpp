// `committee status` and `committee sign --message-hex H` against a running committee member.

#include <CLI/CLI.hpp>

#include "dsdn/cli/api.hpp"
#include "dsdn/cli/commands.hpp"

namespace dsdn::cli {

void add_committee_commands(CLI::App& app, command_runner& run, context_ptr ctx) {
  auto* committee = app.add_subcommand("committee", "Threshold-signing committee");
  committee->require_subcommand(1);
  committee->fallthrough();

  auto* status = committee->add_subcommand(
      "status", "Members, links, RTT and state agreement (GET /committee/status)");
  status->fallthrough();
  status->callback([ctx, &run] {
    run = [ctx] {
      return call_and_print(ctx->client, {"GET", "/committee/status", std::nullopt}, ctx->io);
    };
  });

  auto hex = std::make_shared<std::string>();
  auto* sign = committee->add_subcommand(
      "sign", "Sign an operator message with the committee (POST /committee/sign)");
  sign->fallthrough();
  sign->add_option("--message-hex", *hex, "The message, hex (signed as an operator-message)")
      ->required();
  sign->callback([ctx, hex, &run] {
    run = [ctx, hex] {
      return call_and_print(
          ctx->client, {"POST", "/committee/sign", nlohmann::json{{"message_hex", *hex}}}, ctx->io);
    };
  });
}

}  // namespace dsdn::cli
