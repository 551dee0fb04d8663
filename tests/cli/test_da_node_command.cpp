// `da-node serve` flags: defaults, precedence flag > env > env file > default, range checks
// (usage errors, exit 2) and the mapping to the server's config. Starting the node is covered
// by tests/system/test_da_node_primary.cpp (a real process and real signals).

#include <algorithm>
#include <sstream>

#include <doctest/doctest.h>
#include <CLI/CLI.hpp>

#include "cli/env_guard.hpp"
#include "dsdn/cli/commands.hpp"
#include "dsdn/cli/da_node_options.hpp"
#include "dsdn/cli/env_file.hpp"

using namespace dsdn::cli;

namespace {

const std::vector<std::string> da_node_env = {"DSDN_ENV_FILE",
                                              "DSDN_DA_NODE_HOST",
                                              "DSDN_DA_NODE_PORT",
                                              "DSDN_DA_NODE_DATA_DIR",
                                              "DSDN_DA_NODE_BLOCK_TIME_MS",
                                              "DSDN_DA_NODE_AUTH_TOKEN",
                                              "DSDN_DA_NODE_THREADS",
                                              "DSDN_LOG_LEVEL",
                                              "DSDN_LOG_FORMAT"};

/// Parses `args` (the flags after `da-node serve`); CLI11 errors propagate.
da_node_command_options parse(std::vector<std::string> args) {
  CLI::App app;
  da_node_command_options o;
  add_da_node_options(app, o);
  std::reverse(args.begin(), args.end());
  app.parse(args);
  return o;
}

struct outcome {
  int status;
  std::string err;
};

/// The whole CLI; only ever called with arguments that are refused before a node starts.
outcome run(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  std::vector<std::string> full{"dsdn-coordinator"};
  full.insert(full.end(), args.begin(), args.end());
  int status = run_cli(full, out, err);
  CHECK(out.str().find("da_node_started") == std::string::npos);
  return {status, err.str()};
}

}  // namespace

TEST_CASE("da-node serve defaults") {
  clitest::env_guard guard(da_node_env);
  auto o = parse({});
  CHECK(o.host == "127.0.0.1");
  CHECK(o.port == 26658);
  CHECK(o.data_dir == "./da-node-data");
  CHECK(o.block_time_ms == 1000);
  CHECK(o.auth_token.empty());
  CHECK(o.threads == 2);
  CHECK(o.log_level == "info");
  CHECK(o.log_format == "text");
}

TEST_CASE("da-node serve: flag > environment > env file > default, mapped to the config") {
  clitest::env_guard guard(da_node_env);
  clitest::temp_dir dir;
  auto file = dir.write("n.env",
                        "DSDN_DA_NODE_PORT=1111\nDSDN_DA_NODE_DATA_DIR=/from/file\n"
                        "DSDN_DA_NODE_BLOCK_TIME_MS=250\nDSDN_DA_NODE_THREADS=3\n");
  setenv("DSDN_DA_NODE_PORT", "2222", 1);
  setenv("DSDN_DA_NODE_DATA_DIR", "/from/env", 1);
  setenv("DSDN_DA_NODE_AUTH_TOKEN", "secret", 1);
  std::vector<std::string> argv{"prog", "da-node", "serve", "--env-file", file};
  REQUIRE(load_env(argv, dir.path()).ok());

  auto o = parse({"--port", "0", "--host", "::1"});
  CHECK(o.port == 0);                // flag beats env and file
  CHECK(o.data_dir == "/from/env");  // env beats file
  CHECK(o.block_time_ms == 250);     // file beats default
  CHECK(o.threads == 3);
  CHECK(o.auth_token == "secret");
  CHECK(o.host == "::1");

  auto cfg = to_config(o);
  CHECK(cfg.host == "::1");
  CHECK(cfg.port == 0);
  CHECK(cfg.data_dir == "/from/env");
  CHECK(cfg.block_time_ms == 250);
  CHECK(cfg.auth_token == "secret");
  CHECK(cfg.threads == 3);

  CHECK(to_config(parse({"--port", "65535"})).port == 65535);
  CHECK(parse({}).port == 2222);
}

TEST_CASE("da-node serve: bad flags and environment values are usage errors naming the flag") {
  clitest::env_guard guard(da_node_env);
  struct bad {
    std::vector<std::string> args;
    const char* mentions;
  };
  for (auto& b :
       {bad{{"--port", "65536"}, "--port"}, bad{{"--port", "-1"}, "--port"},
        bad{{"--port", "http"}, "--port"}, bad{{"--block-time-ms", "0"}, "--block-time-ms"},
        bad{{"--block-time-ms", "3600001"}, "--block-time-ms"},
        bad{{"--threads", "0"}, "--threads"}, bad{{"--threads", "257"}, "--threads"},
        bad{{"--log-level", "loud"}, "--log-level"}, bad{{"--log-format", "xml"}, "--log-format"},
        bad{{"--no-such-flag"}, "--no-such-flag"}, bad{{"--port"}, "--port"}}) {
    CAPTURE(b.args);
    std::vector<std::string> args{"da-node", "serve"};
    args.insert(args.end(), b.args.begin(), b.args.end());
    auto r = run(args);
    CHECK(r.status == exit_usage);
    CHECK(r.err.find(b.mentions) != std::string::npos);
  }
  for (auto [env, value] :
       {std::pair{"DSDN_DA_NODE_PORT", "abc"}, std::pair{"DSDN_DA_NODE_BLOCK_TIME_MS", "0"},
        std::pair{"DSDN_DA_NODE_THREADS", "-2"}}) {
    CAPTURE(env);
    setenv(env, value, 1);
    CHECK(run({"da-node", "serve"}).status == exit_usage);
    unsetenv(env);
  }
  // `da-node` alone, or an unknown action, is a usage error too.
  CHECK(run({"da-node"}).status == exit_usage);
  CHECK(run({"da-node", "start"}).status == exit_usage);
}
