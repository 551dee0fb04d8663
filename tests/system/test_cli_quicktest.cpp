// System test: the real binary. `serve` (in-memory DA, embedded DA, the config/*.env files)
// and every command sequence of ../shared/specs/original/QUICKTEST.md through the real CLI,
// outputs and exit codes checked; then 1000 concurrent `node register` processes.

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "cli/cli_process.hpp"
#include "system/process.hpp"

using namespace std::chrono_literals;
using nlohmann::json;

namespace {

/// The repository root, from this file's path (tests/system/test_cli_quicktest.cpp).
std::string make_temp_dir() {
  char tmpl[] = "/tmp/dsdn-cli-systest-XXXXXX";
  return mkdtemp(tmpl);
}

/// A running `serve` with its URL (taken from its `serve_listening url=` log line).
struct server {
  std::unique_ptr<systest::child_process> proc;
  std::string url;
  std::string dir;  // scratch dir for the CLI processes

  server(std::vector<std::string> args, const std::string& scratch, const std::string& name)
      : dir(scratch) {
    args.insert(args.begin(), DSDN_COORDINATOR_BIN);
    proc = std::make_unique<systest::child_process>(args, scratch + "/" + name + ".log");
    REQUIRE(proc->started());
    REQUIRE_MESSAGE(proc->wait_for_output("serve_listening url=", 60s), proc->output());
    url = systest::log_field(proc->output(), "serve_listening", "url");
    REQUIRE(url.rfind("http://", 0) == 0);
    // `ready` is the readiness probe operators use: poll it until the rebuild is done.
    clirun::cli_result r;
    for (int i = 0; i < 300; ++i) {
      r = clirun::run_cli(dir, {"ready", "--coordinator-url", url});
      if (r.status == 0)
        break;
      CHECK(r.out.rfind("not ready: ", 0) == 0);
      std::this_thread::sleep_for(100ms);
    }
    REQUIRE_MESSAGE(r.status == 0, proc->output());
    CHECK(r.out == "ready\n");
  }
  ~server() {
    proc->signal(SIGTERM);
    auto code = proc->wait(60s);
    CHECK(code.has_value());
    if (code)
      CHECK(*code == 0);
  }

  /// Runs a command exactly as written, pointed at this server by DSDN_COORDINATOR_URL.
  clirun::cli_result cli(const std::vector<std::string>& args) const {
    return clirun::run_cli(dir, args, {{"DSDN_COORDINATOR_URL", url}});
  }
};

bool has_node(const json& list, const std::string& id) {
  for (auto& n : list)
    if (n.value("id", "") == id)
      return true;
  return false;
}

const json* find_node(const json& list, const std::string& id) {
  for (auto& n : list)
    if (n.value("id", "") == id)
      return &n;
  return nullptr;
}

/// The QUICKTEST.md sequences in order, each checked.
void run_quicktest(const server& s) {
  // --- Quick Test
  auto r = s.cli(
      {"node", "register", "--id", "node-1", "--zone", "us-east", "--addr", "10.0.0.1:50051"});
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(r.body()["ok"] == true);
  r = s.cli({"node", "list"});
  REQUIRE(r.status == 0);
  REQUIRE(r.body().is_array());
  REQUIRE(has_node(r.body(), "node-1"));
  CHECK((*find_node(r.body(), "node-1"))["zone"] == "us-east");
  CHECK((*find_node(r.body(), "node-1"))["capacity_gb"] == 100);
  CHECK(r.out.find("\n  {\n    \"") != std::string::npos);  // pretty-printed, 2 spaces
  r = s.cli({"object", "register", "--hash", "abc123def456", "--size", "1048576"});
  CHECK(r.status == 0);
  r = s.cli({"object", "get", "abc123def456"});
  REQUIRE(r.status == 0);
  CHECK(r.body()["hash"] == "abc123def456");
  CHECK(r.body()["size"] == 1048576);
  CHECK(r.body()["replicas"].is_array());
  r = s.cli({"health"});
  REQUIRE(r.status == 0);
  CHECK(r.body()["status"] == "healthy");
  CHECK(r.body()["da_available"] == true);
  r = s.cli({"ready"});
  CHECK(r.status == 0);
  CHECK(r.out == "ready\n");

  // --- Manual Testing
  r = s.cli(
      {"node", "register", "--id", "node-1", "--zone", "us-east", "--addr", "10.0.0.1:50051"});
  CHECK(r.status == 0);
  r = s.cli(
      {"node", "register", "--id", "node-2", "--zone", "ap-southeast", "--addr", "10.0.1.1:50051"});
  CHECK(r.status == 0);
  r = s.cli({"node", "list"});
  REQUIRE(r.status == 0);
  CHECK(r.body().size() == 2);
  CHECK(has_node(r.body(), "node-1"));
  CHECK(has_node(r.body(), "node-2"));
  r = s.cli({"object", "register", "--hash", "abc123", "--size", "1048576"});
  CHECK(r.status == 0);
  r = s.cli({"object", "placement", "abc123", "--rf", "2"});
  REQUIRE(r.status == 0);
  auto placed = r.body();
  REQUIRE(placed.is_array());
  CHECK(placed.size() == 2);
  CHECK(std::set<std::string>(placed.begin(), placed.end()) ==
        std::set<std::string>{"node-1", "node-2"});
  r = s.cli({"health"});
  CHECK(r.status == 0);
  r = s.cli({"fallback", "status"});
  REQUIRE(r.status == 0);
  for (const char* key : {"current_status", "fallback_active", "fallback_reason",
                          "pending_reconcile_count", "last_fallback_at"})
    CHECK_MESSAGE(r.body().contains(key), key);
  CHECK(r.body()["current_status"] == "primary_healthy");
  CHECK(r.body()["fallback_active"] == false);

  // --- Other documented examples
  r = s.cli({"node", "register", "--id", "node-1", "--zone", "us-east", "--addr", "10.0.0.1:50051",
             "--capacity-gb", "500"});
  CHECK(r.status == 0);
  r = s.cli({"node", "get", "node-1"});
  REQUIRE(r.status == 0);
  CHECK(r.body()["capacity_gb"] == 500);
  r = s.cli({"object", "placement", "abc123def456", "--rf", "5"});
  REQUIRE(r.status == 0);
  placed = r.body();
  CHECK(placed.size() == 2);  // rf 5, but only 2 nodes: all of them, each once
  CHECK(std::set<std::string>(placed.begin(), placed.end()).size() == placed.size());
  r = s.cli({"replica", "mark-missing", "--hash", "abc123def456", "--node-id", "node-1"});
  CHECK(r.status == 0);
  // node-3 was never registered: 404 (see README "Management commands").
  r = s.cli({"replica", "mark-healed", "--hash", "abc123def456", "--node-id", "node-3"});
  CHECK(r.status == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("Error: HTTP 404 Not Found — ") == 0);
  CHECK(r.err.find("node-3") != std::string::npos);
  r = s.cli({"replica", "mark-healed", "--hash", "abc123def456", "--node-id", "node-2"});
  CHECK(r.status == 0);
  r = s.cli({"object", "get", "abc123def456"});
  CHECK(r.body()["replicas"] == json::array({"node-2"}));

  // schedule: 4 cores of a 16-core node, 8 GB; no node has reported stats yet, so none
  // qualifies; once node-1 reports enough free CPU and RAM it is chosen.
  std::vector<std::string> schedule{"schedule", "--id", "job-42", "--cpu", "4",
                                    "--mem",    "8",    "--disk", "100"};
  r = s.cli(schedule);
  CHECK(r.status == 1);
  CHECK(r.err.find("cpu_req 0.25") != std::string::npos);
  CHECK(r.err.find("Error: HTTP 404 Not Found") != std::string::npos);
  CHECK(r.err.find("no suitable node") != std::string::npos);
  r = s.cli({"node", "stats", "node-1", "--cpu-free", "0.5", "--ram-free-mb", "16384"});
  CHECK(r.status == 0);
  r = s.cli(schedule);
  REQUIRE_MESSAGE(r.status == 0, r.err);
  CHECK(r.body()["node_id"] == "node-1");
  CHECK(r.body()["id"] == "job-42");
  r = s.cli({"schedule", "--cpu-req", "0.9"});
  CHECK(r.status == 1);  // node-1 has only half its CPU free

  r = s.cli({"fallback", "pending"});
  REQUIRE(r.status == 0);
  CHECK(r.body().is_array());
  r = s.cli({"fallback", "reconcile"});
  REQUIRE(r.status == 0);
  CHECK(r.body()["success"] == true);
  r = s.cli({"fallback", "consistency"});
  REQUIRE(r.status == 0);
  CHECK(r.body()["is_consistent"] == true);
  CHECK(r.body().contains("verified_at"));

  // The URL variants, against this server's URL.
  r = clirun::run_cli(s.dir, {"--coordinator-url", s.url, "node", "list"});
  CHECK(r.status == 0);
  CHECK(r.body().size() == 2);
  r = clirun::run_cli(s.dir, {"node", "list"}, {{"DSDN_COORDINATOR_URL", s.url}});
  CHECK(r.status == 0);
  CHECK(r.body().size() == 2);
  r = clirun::run_cli(s.dir, {"node", "list", "--coordinator-url", s.url + "/"},
                      {{"DSDN_COORDINATOR_URL", "http://127.0.0.1:1"}});
  CHECK(r.status == 0);  // the flag beats the environment; trailing '/' trimmed
  r = clirun::run_cli(s.dir, {"node", "list"}, {{"DSDN_COORDINATOR_URL", "http://127.0.0.1:1"}});
  CHECK(r.status == 1);
  CHECK(r.err.find("Error: Connection failed: ") == 0);
  CHECK(r.err.find("(is the coordinator running at http://127.0.0.1:1?)") != std::string::npos);

  // The extra commands.
  r = s.cli({"system", "info"});
  REQUIRE(r.status == 0);
  CHECK(r.body()["node_count"] == 2);
  r = s.cli({"scheduler", "config", "--w-ram", "0.5"});
  CHECK(r.status == 0);
  r = s.cli({"scheduler", "config"});
  REQUIRE(r.status == 0);
  CHECK(r.body()["w_ram"] == 0.5);
  CHECK(r.body()["w_cpu"] == 1.0);  // the others are kept
  r = s.cli({"object", "get", "0000"});
  CHECK(r.status == 1);
  CHECK(r.err.find("Error: HTTP 404 Not Found") == 0);
}

}  // namespace

TEST_CASE("QUICKTEST.md through the real CLI against serve --mock-da --port <free port>") {
  auto dir = make_temp_dir();
  {
    auto port = std::to_string(clirun::free_port());
    server s({"serve", "--mock-da", "--port", port, "--data-dir", dir + "/data"}, dir, "mock");
    CHECK(s.url == "http://127.0.0.1:" + port);
    CHECK(s.proc->output().find("da=memory") != std::string::npos);
    run_quicktest(s);

    // The port is taken: a second serve (own data dir) fails to start, exit 1.
    systest::child_process second(
        {DSDN_COORDINATOR_BIN, "serve", "--mock-da", "--port", port, "--data-dir", dir + "/data2"},
        dir + "/second.log");
    auto code = second.wait(30s);
    REQUIRE(code);
    CHECK(*code == 1);
    CHECK(second.output().find("http_start_failed") != std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("QUICKTEST.md against plain serve (embedded DA); the state survives a restart") {
  auto dir = make_temp_dir();
  {
    server s({"serve", "--data-dir", dir + "/data", "--port", "0"}, dir, "embedded");
    CHECK(s.proc->output().find("da=sqlite") != std::string::npos);
    run_quicktest(s);
  }
  {
    server s({"serve", "--data-dir", dir + "/data", "--port", "0"}, dir, "embedded-again");
    auto r = s.cli({"node", "list"});
    REQUIRE(r.status == 0);
    CHECK(r.body().size() == 2);
    r = s.cli({"object", "get", "abc123def456"});
    CHECK(r.body()["replicas"] == json::array({"node-2"}));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("serve --env-file with config/mock.env and config/embedded.env becomes ready") {
  auto dir = make_temp_dir();
  auto config = systest::repo_root() + "/config";
  {
    // Flags beat the file: a free port and a scratch data dir instead of the file's.
    // Also: a host name to listen on, and an API token.
    server s({"serve", "--env-file", config + "/mock.env", "--port", "0", "--data-dir",
              dir + "/mock-data", "--host", "localhost", "--api-token", "s3cret"},
             dir, "mock-env");
    auto out = s.proc->output();
    CHECK(out.find("env_file_loaded path=" + config + "/mock.env source=explicit") !=
          std::string::npos);
    CHECK(out.find("serve_config da=memory") != std::string::npos);  // USE_MOCK_DA=true
    CHECK(s.url.rfind("http://localhost:", 0) == 0);
    std::vector<std::string> reg{"node", "register", "--id", "n1", "--zone", "z", "--addr", "h:1"};
    auto r = s.cli(reg);
    CHECK(r.status == 1);
    CHECK(r.err.find("Error: HTTP 401 Unauthorized") == 0);
    r = clirun::run_cli(dir, reg, {{"DSDN_COORDINATOR_URL", s.url}, {"DSDN_API_TOKEN", "s3cret"}});
    CHECK(r.status == 0);
    auto with_flag = reg;
    with_flag.insert(with_flag.begin(), {"--api-token", "s3cret"});
    CHECK(s.cli(with_flag).status == 0);
    r = s.cli({"node", "list"});  // reads need no token
    CHECK(r.status == 0);
    CHECK(r.body().size() == 1);
  }
  {
    server s({"serve", "--env-file=" + config + "/embedded.env", "--port", "0", "--data-dir",
              dir + "/embedded-data"},
             dir, "embedded-env");
    auto out = s.proc->output();
    CHECK(out.find("env_file_loaded path=" + config + "/embedded.env") != std::string::npos);
    CHECK(out.find("serve_config da=sqlite") != std::string::npos);
  }
  {
    // QUICKTEST's `serve --env-file .env.mocha --mock-da`: Celestia settings logged, ignored.
    server s({"serve", "--env-file", config + "/mocha.env", "--mock-da", "--port", "0",
              "--data-dir", dir + "/mocha-data"},
             dir, "mocha-mock");
    auto out = s.proc->output();
    CHECK(out.find("da_config network=mocha rpc_url=http://127.0.0.1:26658") != std::string::npos);
    CHECK(out.find("da_rpc_url_ignored") != std::string::npos);
  }
  // Without --mock-da the Celestia files point at a light node that is not running here: the
  // rebuild waits for it until --rebuild-timeout-ms, then the start fails clearly.
  for (const char* name : {"mocha.env", "mainnet.env"}) {
    CAPTURE(name);
    systest::child_process p({DSDN_COORDINATOR_BIN, "serve", "--env-file", config + "/" + name,
                              "--data-dir", dir + "/refused", "--rebuild-timeout-ms", "3000"},
                             dir + "/refused.log");
    auto code = p.wait(120s);
    REQUIRE(code);
    CHECK(*code == 1);
    CHECK(p.output().find("start_failed") != std::string::npos);
    CHECK(p.output().find("cannot connect") != std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("1000 concurrent `node register` processes all succeed; node list shows 1000") {
  auto dir = make_temp_dir();
  {
    server s({"serve", "--data-dir", dir + "/data", "--port", "0"}, dir, "bulk");
    constexpr int total = 1000;
    constexpr size_t max_running = 50;  // 2-core box
    std::map<pid_t, int> running;
    std::vector<int> status(total, -1);
    int next = 0;
    // waitpid on our own children only (never -1: the server is a child too).
    auto reap = [&] {
      for (auto it = running.begin(); it != running.end();) {
        int st = 0;
        if (waitpid(it->first, &st, WNOHANG) == it->first) {
          status[it->second] = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
          it = running.erase(it);
        } else {
          ++it;
        }
      }
    };
    while (next < total || !running.empty()) {
      while (next < total && running.size() < max_running) {
        auto i = std::to_string(next);
        auto out = dir + "/bulk-" + i;
        auto c = clirun::spawn_cli(
            {"node", "register", "--id", "bulk-" + i, "--zone", "zone-" + std::to_string(next % 10),
             "--addr",
             "10.1." + std::to_string(next / 250) + "." + std::to_string(next % 250) + ":7000"},
            {{"DSDN_COORDINATOR_URL", s.url}}, dir, out + ".out", out + ".err");
        REQUIRE(c.pid > 0);
        running[c.pid] = next++;
      }
      reap();
      if (running.size() >= max_running || next == total)
        std::this_thread::sleep_for(1ms);
    }
    int failed = 0;
    for (int i = 0; i < total; ++i) {
      if (status[i] != 0) {
        if (++failed <= 5)
          FAIL_CHECK("bulk-" << i << " exit " << status[i] << ": "
                             << clirun::read_file(dir + "/bulk-" + std::to_string(i) + ".err"));
      }
    }
    CHECK(failed == 0);
    auto r = s.cli({"node", "list"});
    REQUIRE(r.status == 0);
    auto list = r.body();
    REQUIRE(list.is_array());
    CHECK(list.size() == total);
    std::set<std::string> ids;
    for (auto& n : list)
      ids.insert(n.value("id", ""));
    CHECK(ids.size() == total);
    CHECK(ids.count("bulk-0") == 1);
    CHECK(ids.count("bulk-999") == 1);
    r = s.cli({"system", "info"});
    CHECK(r.body()["node_count"] == total);
  }
  std::filesystem::remove_all(dir);
}
