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

#include "cli/cli_process.hpp"
#include "system/process.hpp"

using namespace std::chrono_literals;

namespace {

/// A namespace valid for blobs (version 0, 18 zero bytes, a 10-byte sub-ID).
const std::string test_namespace = "00" + std::string(36, '0') + "00000000000000d5d4e0";

std::string make_temp_dir() {
  char tmpl[] = "/tmp/dsdn-danode-systest-XXXXXX";
  return mkdtemp(tmpl);
}

/// A running `da-node serve` and what it printed on stdout.
struct da_node {
  std::unique_ptr<systest::child_process> proc;
  std::string url;
  std::string validator_key;

  da_node(const std::string& dir, const std::vector<std::string>& extra) {
    std::vector<std::string> args{
        DSDN_COORDINATOR_BIN, "da-node",        "serve",           "--port", "0",
        "--data-dir",         dir + "/da-node", "--block-time-ms", "50"};
    args.insert(args.end(), extra.begin(), extra.end());
    proc = std::make_unique<systest::child_process>(args, dir + "/da-node.log");
    REQUIRE(proc->started());
    REQUIRE_MESSAGE(proc->wait_for_output("da_node_started url=", 30s), proc->output());
    url = systest::log_field(proc->output(), "da_node_started", "url");
    validator_key = systest::log_field(proc->output(), "da_node_started", "validator_key");
  }
};

/// A running `serve` using `da_url` as its primary DA, ready for writes.
struct coordinator_process {
  std::unique_ptr<systest::child_process> proc;
  std::string url;
  std::string dir;

  /// `extra` is appended to the command line; by default the node's network is `local`.
  coordinator_process(const std::string& scratch, const std::string& da_url,
                      const std::string& log_name,
                      const std::vector<std::string>& extra = {"--da-network", "local"})
      : dir(scratch) {
    std::vector<std::string> args{DSDN_COORDINATOR_BIN,
                                  "serve",
                                  "--port",
                                  "0",
                                  "--data-dir",
                                  scratch + "/coordinator",
                                  "--da-rpc-url",
                                  da_url,
                                  "--da-namespace",
                                  test_namespace,
                                  "--health-interval-ms",
                                  "200"};
    args.insert(args.end(), extra.begin(), extra.end());
    proc = std::make_unique<systest::child_process>(args, scratch + "/" + log_name);
    REQUIRE(proc->started());
    REQUIRE_MESSAGE(proc->wait_for_output("serve_listening url=", 60s), proc->output());
    url = systest::log_field(proc->output(), "serve_listening", "url");
    clirun::cli_result r;
    for (int i = 0; i < 600 && r.status != 0; ++i) {
      r = cli({"ready"});
      if (r.status != 0)
        std::this_thread::sleep_for(50ms);
    }
    REQUIRE_MESSAGE(r.status == 0, proc->output());
  }

  clirun::cli_result cli(const std::vector<std::string>& args) const {
    return clirun::run_cli(dir, args, {{"DSDN_COORDINATOR_URL", url}});
  }

  nlohmann::json info() const {
    auto r = cli({"system", "info"});
    REQUIRE_MESSAGE(r.status == 0, r.err);
    return r.body();
  }
};

}  // namespace

TEST_CASE("a coordinator on a da-node primary rebuilds the same state after kill -9") {
  auto dir = make_temp_dir();
  da_node node(dir, {});
  REQUIRE(node.url.rfind("http://127.0.0.1:", 0) == 0);
  CHECK(node.url != "http://127.0.0.1:0");
  CHECK(node.validator_key.size() == 64);

  std::string checksum;
  uint64_t height = 0;
  {
    coordinator_process c(dir, node.url, "serve1.log");
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
    coordinator_process c(dir, node.url, "serve2.log");
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
    da_node node(dir, {"--auth-token", "s3cret", "--host", "localhost"});
    REQUIRE(node.url.rfind("http://localhost:", 0) == 0);
    key = node.validator_key;
    {
      // The coordinator reaches the token-protected node with --da-auth-token (on the
      // mainnet network, where the token is required).
      coordinator_process c(dir, node.url, "serve-auth.log",
                            {"--da-network", "mainnet", "--da-auth-token", "s3cret"});
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
    da_node node(dir, {});
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
