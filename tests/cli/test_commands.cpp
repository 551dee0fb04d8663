// The management commands through run_cli against a fake coordinator: the request each sends,
// how answers and failures are printed, exit statuses, global options and their precedence.

#include <sstream>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "cli/env_guard.hpp"
#include "cli/fake_server.hpp"
#include "dsdn/cli/commands.hpp"

using namespace dsdn::cli;
using nlohmann::json;

namespace {

const std::vector<std::string> client_env = {"DSDN_ENV_FILE", "DSDN_COORDINATOR_URL",
                                             "DSDN_API_TOKEN", "DSDN_TIMEOUT_MS",
                                             "DSDN_NODE_CORES"};

struct outcome {
  int status;
  std::string out;
  std::string err;
};

outcome run(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  std::vector<std::string> full{"dsdn-coordinator"};
  full.insert(full.end(), args.begin(), args.end());
  int status = run_cli(full, out, err);
  return {status, out.str(), err.str()};
}

/// Answers {"ok":true} to everything.
clitest::canned ok_answer(const clitest::seen_request&) {
  clitest::canned c;
  c.body = R"({"ok":true})";
  return c;
}

json body_of(const clitest::seen_request& r) {
  return json::parse(r.body);
}

}  // namespace

TEST_CASE("no subcommand prints the help and exits 1; --help and --version exit 0") {
  clitest::env_guard guard(client_env);
  auto r = run({});
  CHECK(r.status == 1);
  CHECK(r.out.find("Subcommands:") != std::string::npos);
  CHECK(r.out.find("serve") != std::string::npos);
  CHECK(r.err.find("no command given") != std::string::npos);

  r = run({"--help"});
  CHECK(r.status == 0);
  CHECK(r.out.find("--coordinator-url") != std::string::npos);
  r = run({"-V"});
  CHECK(r.status == 0);
  CHECK(r.out == "dsdn-coordinator 0.1.0\n");
  CHECK(run({"--version"}).status == 0);
  for (auto args : std::vector<std::vector<std::string>>{{"node", "register", "--help"},
                                                         {"serve", "--help"},
                                                         {"schedule", "--help"},
                                                         {"fallback", "--help"}}) {
    CAPTURE(args);
    r = run(args);
    CHECK(r.status == 0);
    CHECK(r.out.find("Usage:") != std::string::npos);
  }
  CHECK(run({"serve", "--help"}).out.find("--quorum-threshold") != std::string::npos);
  CHECK(run({"serve", "--help"}).out.find("--env-file") != std::string::npos);
}

TEST_CASE("usage errors exit 2") {
  clitest::env_guard guard(client_env);
  for (auto args : std::vector<std::vector<std::string>>{
           {"frobnicate"},
           {"node"},
           {"node", "register", "--id", "n1", "--zone", "z"},
           {"node", "register", "--id", "n1", "--zone", "z", "--addr", "a:1", "--capacity-gb",
            "lots"},
           {"object", "register", "--hash", "ab"},
           {"object", "get"},
           {"object", "placement", "ab", "--rf", "x"},
           {"replica", "mark-healed", "--hash", "ab"},
           {"fallback"},
           {"fallback", "explode"},
           {"system"},
           {"scheduler"},
           {"node", "list", "--timeout-ms", "0"},
           {"node", "list", "--coordinator-url", "ftp://x"},
           {"node", "list", "--coordinator-url", "127.0.0.1:45831"},
           {"node", "stats", "n1", "--gpu-free", "1"},
           {"schedule", "--cpu", "4", "--cpu-req", "0.5"},
           {"schedule", "--mem", "-1"},
           {"schedule", "--cpu", "1", "--node-cores", "0"}}) {
    CAPTURE(args);
    auto r = run(args);
    CHECK(r.status == 2);
    CHECK_FALSE(r.err.empty());
  }
}

TEST_CASE("every command sends the request of HTTP.md") {
  clitest::env_guard guard(client_env);
  clitest::fake_server server(ok_answer);
  auto url = server.url();
  struct expect {
    std::vector<std::string> args;
    const char* method;
    const char* target;
    const char* body;  // JSON, or nullptr for none
  };
  for (auto& e : std::vector<expect>{
           {{"node", "register", "--id", "node-1", "--zone", "us-east", "--addr", "10.0.0.1:50051"},
            "POST",
            "/register",
            R"({"id":"node-1","zone":"us-east","addr":"10.0.0.1:50051","capacity_gb":100})"},
           {{"node", "register", "--id", "n", "--zone", "z", "--addr", "a:1", "--capacity-gb",
             "500"},
            "POST",
            "/register",
            R"({"id":"n","zone":"z","addr":"a:1","capacity_gb":500})"},
           {{"node", "list"}, "GET", "/nodes", nullptr},
           {{"node", "get", "node-1"}, "GET", "/node/node-1", nullptr},
           {{"node", "get", "a/b"}, "GET", "/node/a%2Fb", nullptr},
           {{"node", "stats", "node-1"}, "GET", "/node/node-1/stats", nullptr},
           {{"node", "stats", "node-1", "--cpu-free", "0.5", "--ram-free-mb", "2048"},
            "POST",
            "/node/node-1/stats",
            R"({"cpu_free":0.5,"ram_free_mb":2048.0})"},
           {{"node", "stats", "node-1", "--cpu-free", "0.5", "--ram-free-mb", "1", "--gpu-free",
             "2", "--latency-ms", "7", "--io-pressure", "0.1"},
            "POST",
            "/node/node-1/stats",
            R"({"cpu_free":0.5,"ram_free_mb":1.0,"gpu_free":2.0,"latency_ms":7.0,
                "io_pressure":0.1})"},
           {{"object", "register", "--hash", "abc123def456", "--size", "1048576"},
            "POST",
            "/object/register",
            R"({"hash":"abc123def456","size":1048576})"},
           {{"object", "get", "abc123def456"}, "GET", "/object/abc123def456", nullptr},
           {{"object", "placement", "abc123"}, "GET", "/placement/abc123?rf=3", nullptr},
           {{"object", "placement", "abc123", "--rf", "5"},
            "GET",
            "/placement/abc123?rf=5",
            nullptr},
           {{"replica", "mark-missing", "--hash", "abc", "--node-id", "node-1"},
            "POST",
            "/replica/mark_missing",
            R"({"hash":"abc","node_id":"node-1"})"},
           {{"replica", "mark-healed", "--hash", "abc", "--node-id", "node-3"},
            "POST",
            "/replica/mark_healed",
            R"({"hash":"abc","node_id":"node-3"})"},
           {{"schedule"}, "POST", "/schedule", "{}"},
           {{"schedule", "--cpu-req", "0.5", "--ram-req-mb", "512", "--gpu-req", "1",
             "--max-latency-ms", "20"},
            "POST",
            "/schedule",
            R"({"cpu_req":0.5,"ram_req_mb":512.0,"gpu_req":1.0,"max_latency_ms":20.0})"},
           {{"schedule", "--id", "job-42", "--cpu", "4", "--mem", "8", "--disk", "100"},
            "POST",
            "/schedule",
            R"({"cpu_req":0.25,"ram_req_mb":8192.0})"},
           {{"scheduler", "config"}, "GET", "/scheduler/config", nullptr},
           {{"scheduler", "config", "--w-ram", "0.5", "--w-io", "2"},
            "POST",
            "/scheduler/config",
            R"({"w_ram":0.5,"w_io":2.0})"},
           {{"health"}, "GET", "/health", nullptr},
           {{"fallback", "status"}, "GET", "/fallback/status", nullptr},
           {{"fallback", "pending"}, "GET", "/fallback/pending", nullptr},
           {{"fallback", "reconcile"}, "POST", "/fallback/reconcile", "{}"},
           {{"fallback", "consistency"}, "GET", "/fallback/consistency", nullptr},
           {{"system", "info"}, "GET", "/system/info", nullptr},
       }) {
    auto args = e.args;
    args.insert(args.begin(), {"--coordinator-url", url});
    CAPTURE(args);
    auto r = run(args);
    CHECK(r.status == 0);
    auto printed = json::parse(r.out);
    printed.erase("id");  // `schedule --id` echoes its label
    CHECK(printed == json{{"ok", true}});
    CHECK(r.out.find("{\n  \"") == 0);
    auto seen = server.last();
    CHECK(seen.method == e.method);
    CHECK(seen.target == e.target);
    if (e.body) {
      CHECK(body_of(seen) == json::parse(e.body));
      CHECK(seen.content_type == "application/json");
    } else {
      CHECK(seen.body.empty());
    }
  }
}

TEST_CASE("schedule: the README form prints its mapping on stderr and echoes --id") {
  clitest::env_guard guard(client_env);
  clitest::fake_server server([](const clitest::seen_request&) {
    clitest::canned c;
    c.body = R"({"node_id":"node-1"})";
    return c;
  });
  auto r = run({"schedule", "--id", "job-42", "--cpu", "4", "--mem", "8", "--disk", "100",
                "--coordinator-url", server.url()});
  CHECK(r.status == 0);
  CHECK(json::parse(r.out) == json{{"id", "job-42"}, {"node_id", "node-1"}});
  CHECK(r.err.find("--cpu 4 cores -> cpu_req 0.25") != std::string::npos);
  CHECK(r.err.find("--mem 8 GB -> ram_req_mb 8192") != std::string::npos);
  CHECK(r.err.find("--disk 100 GB is not a scheduling input") != std::string::npos);

  setenv("DSDN_NODE_CORES", "8", 1);
  r = run({"schedule", "--cpu", "4", "--coordinator-url", server.url()});
  CHECK(body_of(server.last()) == json{{"cpu_req", 0.5}});
  r = run({"schedule", "--cpu", "4", "--node-cores", "2", "--coordinator-url", server.url()});
  CHECK(body_of(server.last()) == json{{"cpu_req", 1.0}});  // capped at a whole node
}

TEST_CASE("answers: 2xx pretty JSON on stdout; other statuses on stderr with exit 1") {
  clitest::env_guard guard(client_env);
  clitest::fake_server server([](const clitest::seen_request& r) {
    clitest::canned c;
    if (r.target == "/object/missing") {
      c.status = 404;
      c.body = R"({"error":"not found","field":"hash"})";
    } else if (r.target == "/register") {
      c.status = 202;
      c.body = R"({"ok":true,"status":"pending_primary"})";
    } else if (r.target == "/nodes") {
      c.status = 500;
      c.content_type = "text/plain";
      c.body = "internal trouble";
    } else if (r.target == "/health") {
      c.status = 405;
      c.body = "";
    } else {
      c.body = R"({"b":[1,2],"a":{"x":null}})";
    }
    return c;
  });
  auto url = server.url();
  auto r = run({"--coordinator-url", url, "object", "get", "missing"});
  CHECK(r.status == 1);
  CHECK(r.out.empty());
  CHECK(r.err ==
        "Error: HTTP 404 Not Found — {\n  \"error\": \"not found\",\n  \"field\": \"hash\"\n}\n");

  r = run(
      {"--coordinator-url", url, "node", "register", "--id", "a", "--zone", "z", "--addr", "h:1"});
  CHECK(r.status == 0);
  CHECK(json::parse(r.out)["status"] == "pending_primary");

  r = run({"--coordinator-url", url, "node", "list"});
  CHECK(r.status == 1);
  CHECK(r.err == "Error: HTTP 500 Internal Server Error — internal trouble\n");

  r = run({"--coordinator-url", url, "health"});
  CHECK(r.status == 1);
  CHECK(r.err == "Error: HTTP 405 Method Not Allowed — (empty body)\n");

  r = run({"--coordinator-url", url, "system", "info"});
  CHECK(r.status == 0);
  // Pretty-printed with 2 spaces, in the server's key order.
  CHECK(r.out == "{\n  \"b\": [\n    1,\n    2\n  ],\n  \"a\": {\n    \"x\": null\n  }\n}\n");
}

TEST_CASE("ready: `ready` exit 0, or `not ready: <reason>` exit 1") {
  clitest::env_guard guard(client_env);
  int status = 200;
  std::string body;
  clitest::fake_server server([&](const clitest::seen_request&) {
    clitest::canned c;
    c.status = status;
    c.body = body;
    return c;
  });
  auto url = server.url();
  auto r = run({"ready", "--coordinator-url", url});
  CHECK(r.status == 0);
  CHECK(r.out == "ready\n");

  status = 503;
  body = R"({"error":"rebuilding state from DA"})";
  r = run({"ready", "--coordinator-url", url});
  CHECK(r.status == 1);
  CHECK(r.out == "not ready: rebuilding state from DA (HTTP 503 Service Unavailable)\n");

  body = "";
  r = run({"ready", "--coordinator-url", url});
  CHECK(r.status == 1);
  CHECK(r.out == "not ready: HTTP 503 Service Unavailable\n");

  clitest::silent_listener dead_soon;
  auto dead = "http://127.0.0.1:" + std::to_string(dead_soon.port());
  r = run({"ready", "--coordinator-url", dead, "--timeout-ms", "300"});
  CHECK(r.status == 1);
  CHECK(r.out.find("not ready: Connection failed: ") == 0);
  CHECK(r.out.find("(is the coordinator running at " + dead + "?)") != std::string::npos);
}

TEST_CASE("transport failures: Connection failed ... (is the coordinator running at URL?)") {
  clitest::env_guard guard(client_env);
  uint16_t port = 0;
  {
    clitest::silent_listener l;
    port = l.port();
  }
  auto url = "http://127.0.0.1:" + std::to_string(port);
  auto r = run({"node", "list", "--coordinator-url", url + "/"});
  CHECK(r.status == 1);
  CHECK(r.err.find("Error: Connection failed: cannot connect to 127.0.0.1:") == 0);
  CHECK(r.err.find("(is the coordinator running at " + url + "?)") != std::string::npos);

  clitest::silent_listener silent;
  auto start = std::chrono::steady_clock::now();
  r = run({"--timeout-ms", "300", "health", "--coordinator-url",
           "http://127.0.0.1:" + std::to_string(silent.port())});
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  CHECK(r.status == 1);
  CHECK(r.err.find("within 300 ms") != std::string::npos);
}

TEST_CASE("globals: before or after the subcommand; base path; token; flag > env > file") {
  clitest::env_guard guard(client_env);
  clitest::fake_server server(ok_answer);
  uint16_t dead_port = 0;
  {
    clitest::silent_listener l;
    dead_port = l.port();
  }
  auto live = server.url();
  auto dead = "http://127.0.0.1:" + std::to_string(dead_port);

  CHECK(run({"--coordinator-url", live, "node", "list"}).status == 0);
  CHECK(run({"node", "--coordinator-url", live, "list"}).status == 0);
  CHECK(run({"node", "list", "--coordinator-url", live + "///"}).status == 0);
  CHECK(server.last().target == "/nodes");
  CHECK(run({"node", "list", "--coordinator-url", live + "/base/"}).status == 0);
  CHECK(server.last().target == "/base/nodes");

  CHECK(run({"node", "list", "--coordinator-url", live, "--api-token", "t0k"}).status == 0);
  CHECK(server.last().authorization == "Bearer t0k");
  setenv("DSDN_API_TOKEN", "from-env", 1);
  CHECK(run({"node", "list", "--coordinator-url", live}).status == 0);
  CHECK(server.last().authorization == "Bearer from-env");
  unsetenv("DSDN_API_TOKEN");

  // env beats default; flag beats env.
  setenv("DSDN_COORDINATOR_URL", live.c_str(), 1);
  CHECK(run({"node", "list"}).status == 0);
  CHECK(run({"node", "list", "--coordinator-url", dead}).status == 1);
  setenv("DSDN_COORDINATOR_URL", dead.c_str(), 1);
  CHECK(run({"node", "list", "--coordinator-url", live}).status == 0);

  // file < env < flag
  clitest::temp_dir dir;
  auto file = dir.write("c.env", "DSDN_COORDINATOR_URL=" + live + "\nDSDN_TIMEOUT_MS=5000\n");
  CHECK(run({"--env-file", file, "node", "list"}).status == 1);  // env (dead) wins
  unsetenv("DSDN_COORDINATOR_URL");
  CHECK(run({"--env-file", file, "node", "list"}).status == 0);  // the file's URL
  unsetenv("DSDN_COORDINATOR_URL");
  unsetenv("DSDN_TIMEOUT_MS");
  CHECK(run({"node", "list", "--env-file=" + file, "--coordinator-url", dead}).status == 1);
  unsetenv("DSDN_COORDINATOR_URL");
  unsetenv("DSDN_TIMEOUT_MS");

  auto bad = dir.write("bad.env", "oops\n");
  auto r = run({"--env-file", bad, "node", "list"});
  CHECK(r.status == 2);
  CHECK(r.err.find(bad + ":1: expected KEY=VALUE") != std::string::npos);
  r = run({"--env-file", dir.path() + "/none.env", "node", "list"});
  CHECK(r.status == 2);
  CHECK(r.err.find("none.env") != std::string::npos);
}
