// System test: `da-node serve` as a real process is the primary DA of a real `serve`
// (--da-rpc-url). State written through the CLI is rebuilt from the DA node alone after the
// coordinator is killed (SIGKILL) and started again; the DA node prints its URL and key on
// stdout, works with --port 0, and stops cleanly on SIGINT/SIGTERM.

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "system/da_processes.hpp"

using namespace std::chrono_literals;

using systest::coordinator_process;
using systest::make_temp_dir;

namespace {

/// A DA node under `dir`, logging to DIR/da-node.log.
systest::da_node start_da_node(const std::string& dir, const std::vector<std::string>& extra) {
  return systest::da_node(dir + "/da-node", dir + "/da-node.log", extra);
}

}  // namespace

TEST_CASE("a coordinator on a da-node primary rebuilds the same state after kill -9") {
  auto dir = make_temp_dir();
  auto node = start_da_node(dir, {});
  REQUIRE(node.url.rfind("http://127.0.0.1:", 0) == 0);
  CHECK(node.url != "http://127.0.0.1:0");
  CHECK(node.validator_key.size() == 64);

  std::string checksum;
  uint64_t height = 0;
  {
    coordinator_process c(dir, coordinator_process::primary_args(node.url), "serve1.log");
    CHECK(c.proc->output().find("da_layers_configured primary=celestia primary_url=" + node.url +
                                " secondary=none emergency=none") != std::string::npos);
    for (int i = 0; i < 5; ++i) {
      auto r = c.cli({"node", "register", "--id", "node-" + std::to_string(i), "--zone",
                      "zone-" + std::to_string(i % 2), "--addr",
                      "10.0.0." + std::to_string(i) + ":7000"});
      REQUIRE_MESSAGE(r.status == 0, r.err);
    }
    auto r = c.cli({"object", "register", "--hash", "abc123def456", "--size", "4096"});
    REQUIRE_MESSAGE(r.status == 0, r.err);
    auto info = c.info();
    checksum = info["state_checksum"].get<std::string>();
    height = info["applied_height"].get<uint64_t>();
    CHECK(height > 0);
    CHECK(info["da_status"] == "healthy");
    c.proc->signal(SIGKILL);  // no flush at exit: every acknowledged write is already in DA
    REQUIRE(c.proc->wait(30s));
  }

  {
    coordinator_process c(dir, coordinator_process::primary_args(node.url), "serve2.log");
    auto info = c.info();
    CHECK(info["state_checksum"] == checksum);
    CHECK(info["applied_height"].get<uint64_t>() == height);
    CHECK(systest::log_field(c.proc->output(), "coordinator_ready", "checksum") == checksum);
    auto nodes = c.cli({"node", "list"}).body();
    REQUIRE(nodes.is_array());
    CHECK(nodes.size() == 5);
    // New writes land after the restart (new epoch) and change the state.
    auto r = c.cli({"node", "register", "--id", "late", "--zone", "z", "--addr", "h:1"});
    REQUIRE_MESSAGE(r.status == 0, r.err);
    CHECK(c.info()["state_checksum"] != checksum);
    c.proc->signal(SIGTERM);
    auto code = c.proc->wait(60s);
    REQUIRE(code);
    CHECK(*code == 0);
  }

  node.proc->signal(SIGINT);
  auto code = node.proc->wait(30s);
  REQUIRE(code);
  CHECK(*code == 0);
  CHECK(node.proc->output().find("da_node_shutdown_complete") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("da-node serve: SIGTERM, the same key after a restart, auth, refusals") {
  auto dir = make_temp_dir();
  std::string key;
  {
    auto node = start_da_node(dir, {"--auth-token", "s3cret", "--host", "localhost"});
    REQUIRE(node.url.rfind("http://localhost:", 0) == 0);
    key = node.validator_key;
    {
      // The coordinator reaches the token-protected node with --da-auth-token (on the
      // mainnet network, where the token is required).
      coordinator_process c(dir,
                            {"--da-rpc-url", node.url, "--da-namespace", systest::test_namespace,
                             "--da-network", "mainnet", "--da-auth-token", "s3cret"},
                            "serve-auth.log");
      auto r = c.cli({"node", "register", "--id", "n", "--zone", "z", "--addr", "h:1"});
      CHECK_MESSAGE(r.status == 0, r.err);
      c.proc->signal(SIGTERM);
      REQUIRE(c.proc->wait(60s));
    }
    node.proc->signal(SIGTERM);
    auto code = node.proc->wait(30s);
    REQUIRE(code);
    CHECK(*code == 0);
  }
  {
    auto node = start_da_node(dir, {});
    CHECK(node.validator_key == key);  // the key lives in the data dir
    node.proc->signal(SIGTERM);
    REQUIRE(node.proc->wait(30s));
  }
  auto r = clirun::run_cli(dir, {"da-node", "serve", "--block-time-ms", "0"});
  CHECK(r.status == 2);
  CHECK(r.err.find("--block-time-ms") != std::string::npos);
  r = clirun::run_cli(
      dir, {"da-node", "serve", "--port", "0", "--data-dir", "/proc/dsdn-no-such-dir/da"});
  CHECK(r.status == 1);
  CHECK(r.out.find("da_node_started") == std::string::npos);
  CHECK(r.err.find("da-node could not start") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("serve waits for an unreachable primary and stops on SIGTERM meanwhile") {
  auto dir = make_temp_dir();
  auto dead_url = "http://127.0.0.1:" + std::to_string(systest::free_port());
  systest::child_process p(
      {DSDN_COORDINATOR_BIN, "serve", "--port", "0", "--data-dir", dir + "/coordinator",
       "--da-rpc-url", dead_url, "--da-namespace", systest::test_namespace, "--da-network", "local",
       "--da-retry-count", "0"},
      dir + "/serve-wait.log");
  REQUIRE(p.started());
  // Still waiting (not exited) after several head attempts; /ready would answer 503.
  REQUIRE_MESSAGE(p.wait_for_output("rebuild_head_failed attempt=3", 60s), p.output());
  CHECK_FALSE(p.wait(std::chrono::milliseconds(200)));  // still running
  p.signal(SIGTERM);
  auto code = p.wait(20s);
  REQUIRE_MESSAGE(code, p.output());
  CHECK(*code == 0);
  CHECK(p.output().find("shutdown_requested signal=SIGTERM") != std::string::npos);
  CHECK(p.output().find("start_failed") == std::string::npos);
  std::filesystem::remove_all(dir);
}
