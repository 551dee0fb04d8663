// `serve` flags: precedence flag > env > env file > default, boolean words, range checks, the
// configuration checks with the exit statuses run_cli gives them (nothing here starts a
// coordinator: every case is refused before that), and the DA layers and tunables plan_serve
// derives.

#include <algorithm>
#include <sstream>

#include <doctest/doctest.h>
#include <CLI/CLI.hpp>

#include "cli/env_guard.hpp"
#include "dsdn/cli/commands.hpp"
#include "dsdn/cli/env_file.hpp"
#include "dsdn/cli/serve_options.hpp"

using namespace dsdn::cli;

namespace {

const std::vector<std::string> serve_env = {"DSDN_ENV_FILE",
                                            "COORDINATOR_PORT",
                                            "COORDINATOR_HOST",
                                            "DA_NETWORK",
                                            "DSDN_HTTP_THREADS",
                                            "USE_MOCK_DA",
                                            "ENABLE_FALLBACK",
                                            "RECONCILE_PARALLEL",
                                            "DA_ENABLE_POOLING",
                                            "QUORUM_THRESHOLD",
                                            "RECONCILE_BATCH_SIZE",
                                            "DSDN_DATA_DIR",
                                            "DA_RPC_URL",
                                            "DSDN_LOG_LEVEL",
                                            "QUORUM_VALIDATORS",
                                            "DSDN_API_TOKEN",
                                            "DA_NAMESPACE",
                                            "FALLBACK_DA_TYPE",
                                            "EMERGENCY_DA_URL",
                                            "DA_AUTH_TOKEN",
                                            "DSDN_HEALTH_INTERVAL_MS",
                                            "DSDN_HEALTH_PROBE_TIMEOUT_MS",
                                            "DSDN_HEALTH_FAILURE_THRESHOLD",
                                            "DSDN_HEALTH_RECOVERY_THRESHOLD",
                                            "DSDN_HEALTH_WARNING_LATENCY_MS",
                                            "DSDN_OUTBOX_MAX_ENTRIES",
                                            "DSDN_OUTBOX_MAX_BYTES",
                                            "DSDN_EMERGENCY_DA_AUTH_TOKEN",
                                            "RECONCILE_MAX_RETRIES",
                                            "RECONCILE_RETRY_DELAY_MS"};

/// A namespace valid for blobs: version 0, 18 zero bytes, a 10-byte sub-ID.
const std::string good_ns = "00" + std::string(36, '0') + "0102030405060708090a";

/// Parses `args` (without the program name) as serve flags; CLI11 errors propagate.
serve_options parse(std::vector<std::string> args) {
  CLI::App app;
  serve_options o;
  add_serve_options(app, o);
  std::reverse(args.begin(), args.end());
  app.parse(args);
  return o;
}

struct outcome {
  int status;
  std::string out;
  std::string err;
};

/// Runs the whole CLI. A data dir that cannot exist makes sure that a case that (wrongly) got
/// past validation fails at coordinator::open instead of serving forever.
outcome run(const std::vector<std::string>& args) {
  if (!getenv("DSDN_DATA_DIR"))
    setenv("DSDN_DATA_DIR", "/proc/dsdn-clitest-no-such-dir/data", 1);
  std::ostringstream out, err;
  std::vector<std::string> full{"dsdn-coordinator"};
  full.insert(full.end(), args.begin(), args.end());
  int status = run_cli(full, out, err);
  return {status, out.str(), err.str()};
}

}  // namespace

TEST_CASE("serve defaults match the original (plus ours)") {
  clitest::env_guard guard(serve_env);
  auto o = parse({});
  CHECK(o.host == "127.0.0.1");
  CHECK(o.port == 45831);
  CHECK(o.da_network == "mainnet");
  CHECK(o.da_timeout_ms == 60000);  // the default (the original had 30000)
  CHECK(o.da_max_connections == 5);
  CHECK(o.da_idle_timeout_ms == 60000);
  CHECK(o.da_enable_pooling);
  CHECK(o.da_retry_count == 3);
  CHECK(o.da_retry_delay_ms == 1000);
  CHECK_FALSE(o.mock_da);
  CHECK_FALSE(o.enable_fallback);
  CHECK(o.fallback_da_type == "none");
  CHECK(o.quorum_threshold == 67);
  CHECK(o.quorum_signature_timeout_ms == 5000);
  CHECK(o.reconcile_batch_size == 10);
  CHECK(o.reconcile_max_retries == 3);
  CHECK(o.reconcile_retry_delay_ms == 1000);
  CHECK_FALSE(o.reconcile_parallel);
  CHECK(o.data_dir == "./data");
  CHECK(o.http_threads == 2);
  CHECK(o.log_level == "info");
  CHECK(o.log_format == "text");
  CHECK(o.health_interval_ms == 5000);
  CHECK(o.health_probe_timeout_ms == 10000);
  CHECK(o.health_failure_threshold == 3);
  CHECK(o.health_recovery_threshold == 2);
  CHECK(o.health_warning_latency_ms == 2000);
  CHECK(o.outbox_max_entries == 100000);
  CHECK(o.outbox_max_bytes == uint64_t{1} << 30);
  CHECK(o.emergency_da_auth_token.empty());
}

TEST_CASE("precedence: flag > environment > env file > default") {
  clitest::env_guard guard(serve_env);
  clitest::temp_dir dir;
  auto file = dir.write("p.env",
                        "COORDINATOR_PORT=1111\nDA_NETWORK=from-file\nDSDN_HTTP_THREADS=3\n"
                        "QUORUM_VALIDATORS=a,b\n");
  setenv("COORDINATOR_PORT", "2222", 1);
  setenv("DA_NETWORK", "from-env", 1);
  std::vector<std::string> argv{"prog", "serve", "--env-file", file};
  REQUIRE(load_env(argv, dir.path()).ok());

  auto o = parse({"--port", "3333", "--env-file", file});
  CHECK(o.port == 3333);              // flag beats env and file
  CHECK(o.da_network == "from-env");  // env beats file
  CHECK(o.http_threads == 3);         // file beats default
  CHECK(o.quorum_validators == std::vector<std::string>{"a", "b"});
  CHECK(o.host == "127.0.0.1");  // default
  CHECK(o.env_file == file);

  o = parse({});
  CHECK(o.port == 2222);
}

TEST_CASE("boolean flags: bare, =true|false|1|0, and the same words from the environment") {
  clitest::env_guard guard(serve_env);
  struct flag {
    const char* name;
    const char* env;
    bool serve_options::*field;
  };
  for (auto f :
       {flag{"--mock-da", "USE_MOCK_DA", &serve_options::mock_da},
        flag{"--enable-fallback", "ENABLE_FALLBACK", &serve_options::enable_fallback},
        flag{"--reconcile-parallel", "RECONCILE_PARALLEL", &serve_options::reconcile_parallel},
        flag{"--da-enable-pooling", "DA_ENABLE_POOLING", &serve_options::da_enable_pooling}}) {
    CAPTURE(f.name);
    std::string n = f.name;
    CHECK(parse({n}).*f.field == true);
    CHECK(parse({n + "=true"}).*f.field == true);
    CHECK(parse({n + "=TRUE"}).*f.field == true);
    CHECK(parse({n + "=1"}).*f.field == true);
    CHECK(parse({n + "=false"}).*f.field == false);
    CHECK(parse({n + "=0"}).*f.field == false);
    for (const char* word : {"true", "1"}) {
      setenv(f.env, word, 1);
      CHECK(parse({}).*f.field == true);
    }
    for (const char* word : {"false", "0", "False"}) {
      setenv(f.env, word, 1);
      CHECK(parse({}).*f.field == false);
    }
    setenv(f.env, "1", 1);
    CHECK(parse({n + "=false"}).*f.field == false);  // the flag beats the environment
    for (const char* word : {"yes", "on", "2", "maybe"}) {
      setenv(f.env, word, 1);
      auto r = run({"serve"});
      CHECK(r.status == 2);
      CHECK(r.err.find(n + ": '" + word + "' is not a boolean") != std::string::npos);
    }
    unsetenv(f.env);
    auto r = run({"serve", n + "=yes"});
    CHECK(r.status == 2);
    CHECK(r.err.find(n) != std::string::npos);
    // A value separated by a space is not the flag's value (as in the original).
    CHECK(run({"serve", n, "true"}).status == 2);
  }
}

TEST_CASE("usage errors exit 2 and name the flag") {
  clitest::env_guard guard(serve_env);
  struct bad {
    std::vector<std::string> args;
    const char* mentions;
  };
  for (auto& b :
       {bad{{"serve", "--quorum-threshold", "0"}, "--quorum-threshold"},
        bad{{"serve", "--quorum-threshold", "101"}, "--quorum-threshold"},
        bad{{"serve", "--reconcile-batch-size", "0"}, "--reconcile-batch-size"},
        bad{{"serve", "--port", "65536"}, "--port"},
        bad{{"serve", "--port", "http"}, "--port"},
        bad{{"serve", "--http-threads", "0"}, "--http-threads"},
        bad{{"serve", "--da-timeout-ms", "-5"}, "--da-timeout-ms"},
        bad{{"serve", "--da-timeout-ms", "99999999999999999999999"}, "too large"},
        bad{{"serve", "--reconcile-max-retries", "5000000000"}, "--reconcile-max-retries"},
        bad{{"serve", "--port", "1.5"}, "--port"},
        bad{{"serve", "--da-retry-count", "256"}, "--da-retry-count"},
        bad{{"serve", "--log-level", "loud"}, "--log-level"},
        bad{{"serve", "--log-format", "xml"}, "--log-format"},
        bad{{"serve", "--no-such-flag"}, "--no-such-flag"},
        bad{{"serve", "--trusted-publishers", "zz"}, "--trusted-publishers"},
        bad{{"serve", "--health-interval-ms", "0"}, "--health-interval-ms"},
        bad{{"serve", "--health-probe-timeout-ms", "0"}, "--health-probe-timeout-ms"},
        bad{{"serve", "--health-failure-threshold", "0"}, "--health-failure-threshold"},
        bad{{"serve", "--health-recovery-threshold", "0"}, "--health-recovery-threshold"},
        bad{{"serve", "--health-warning-latency-ms", "x"}, "--health-warning-latency-ms"},
        bad{{"serve", "--outbox-max-entries", "0"}, "--outbox-max-entries"},
        bad{{"serve", "--outbox-max-bytes", "0"}, "--outbox-max-bytes"},
        bad{{"serve", "--reconcile-retry-delay-ms", "86400001"}, "--reconcile-retry-delay-ms"}}) {
    CAPTURE(b.args);
    auto r = run(b.args);
    CHECK(r.status == 2);
    CHECK(r.err.find(b.mentions) != std::string::npos);
  }
  setenv("QUORUM_THRESHOLD", "0", 1);
  auto r = run({"serve"});
  CHECK(r.status == 2);
  CHECK(r.err.find("--quorum-threshold") != std::string::npos);
  unsetenv("QUORUM_THRESHOLD");
  setenv("RECONCILE_BATCH_SIZE", "abc", 1);
  CHECK(run({"serve"}).status == 2);
  setenv("RECONCILE_BATCH_SIZE", "0", 1);
  r = run({"serve"});
  CHECK(r.status == 2);
  CHECK(r.err.find("--reconcile-batch-size: '0' is below the minimum 1") != std::string::npos);
}

TEST_CASE("configuration errors exit 1 with the reason") {
  clitest::env_guard guard(serve_env);
  struct bad {
    std::vector<std::string> args;
    const char* message;
  };
  for (auto& b :
       {bad{{"serve", "--fallback-da-type", "raft"},
            "Invalid --fallback-da-type 'raft'. Expected: none, quorum, emergency"},
        bad{{"serve", "--fallback-da-type", ""}, "Invalid --fallback-da-type ''"},
        bad{{"serve", "--da-namespace", "xyz"}, "Invalid --da-namespace hex"},
        bad{{"serve", "--da-namespace", "0x00"}, "Invalid --da-namespace length: got 1 bytes"},
        bad{{"serve", "--da-rpc-url", "http://localhost:26658"}, "Missing --da-namespace"},
        bad{{"serve", "--da-rpc-url", "http://localhost:26658", "--da-namespace", good_ns},
            "Production validation failed: auth_token is required for mainnet"},
        bad{{"serve", "--da-rpc-url", "http://localhost:26658", "--da-namespace", good_ns,
             "--da-network", "testnet"},
            "Invalid --da-network 'testnet'. Expected: mainnet, mocha, local"},
        bad{{"serve", "--da-rpc-url", "ftp://x", "--da-namespace", good_ns, "--da-network",
             "local"},
            "--da-rpc-url: "},
        bad{{"serve", "--da-rpc-url", "http://x", "--da-namespace", std::string(58, '0'),
             "--da-network", "mocha"},
            "Invalid --da-namespace: "},
        bad{{"serve", "--enable-fallback"}, "--enable-fallback needs --fallback-da-type"},
        bad{{"serve", "--mock-da", "--enable-fallback", "--fallback-da-type", "emergency"},
            "--fallback-da-type emergency needs --emergency-da-url"},
        bad{{"serve", "--mock-da", "--enable-fallback", "--fallback-da-type", "emergency",
             "--emergency-da-url", "http://127.0.0.1:1"},
            "Missing --da-namespace"}}) {
    CAPTURE(b.args);
    auto r = run(b.args);
    CHECK(r.status == 1);
    CHECK(r.err.find("Configuration error: ") == 0);
    CHECK(r.err.find(b.message) != std::string::npos);
  }
  setenv("DA_RPC_URL", "http://localhost:26658", 1);
  CHECK(run({"serve"}).status == 1);
  setenv("DA_NAMESPACE", good_ns.c_str(), 1);
  setenv("DA_AUTH_TOKEN", "t", 1);
  setenv("ENABLE_FALLBACK", "true", 1);
  setenv("FALLBACK_DA_TYPE", "emergency", 1);
  auto r = run({"serve"});  // everything but the emergency URL, from the environment
  CHECK(r.status == 1);
  CHECK(r.err.find("needs --emergency-da-url") != std::string::npos);
}

TEST_CASE("health, outbox and reconcile flags reach the coordinator config (flag or env)") {
  clitest::env_guard guard(serve_env);
  setenv("DSDN_HEALTH_INTERVAL_MS", "250", 1);
  setenv("DSDN_HEALTH_PROBE_TIMEOUT_MS", "400", 1);
  setenv("DSDN_HEALTH_FAILURE_THRESHOLD", "5", 1);
  setenv("DSDN_HEALTH_RECOVERY_THRESHOLD", "4", 1);
  setenv("DSDN_HEALTH_WARNING_LATENCY_MS", "900", 1);
  setenv("DSDN_OUTBOX_MAX_ENTRIES", "77", 1);
  setenv("DSDN_OUTBOX_MAX_BYTES", "123456", 1);
  setenv("RECONCILE_MAX_RETRIES", "9", 1);
  setenv("RECONCILE_RETRY_DELAY_MS", "120000", 1);  // above the engine's default 60 s cap
  setenv("RECONCILE_PARALLEL", "1", 1);
  auto o = parse({"--reconcile-batch-size", "42", "--health-failure-threshold", "6"});
  CHECK(o.health_failure_threshold == 6);  // the flag beats the environment
  auto p = plan_serve(o);
  REQUIRE_MESSAGE(p.ok(), p.error().message);
  const auto& c = p->coordinator;
  using std::chrono::milliseconds;
  CHECK(c.health.interval == milliseconds(250));
  CHECK(c.health.probe_timeout == milliseconds(400));
  CHECK(c.health.thresholds.failure_threshold == 6);
  CHECK(c.health.thresholds.recovery_threshold == 4);
  CHECK(c.health.thresholds.warning_latency_ms == 900);
  CHECK(c.outbox_limits.max_entries == 77);
  CHECK(c.outbox_limits.max_bytes == 123456);
  CHECK(c.reconcile.batch_size == 42);
  CHECK(c.reconcile.max_retries == 9);
  CHECK(c.reconcile.retry_delay == milliseconds(120000));
  CHECK(c.reconcile.retry_delay_max >= c.reconcile.retry_delay);
  CHECK(c.reconcile.parallel > 1);
  CHECK(parse({"--reconcile-parallel=false"}).reconcile_parallel == false);
  CHECK(plan_serve(parse({"--reconcile-parallel=false"}))->coordinator.reconcile.parallel == 1);
}

TEST_CASE("plan_serve: Celestia primary and emergency DA node layers") {
  serve_options o;
  o.da_rpc_url = "http://127.0.0.1:26658";
  o.da_namespace = "0x" + good_ns;
  o.da_network = "local";  // no token needed
  auto p = plan_serve(o);
  REQUIRE_MESSAGE(p.ok(), p.error().message);
  CHECK(p->da_kind == "celestia");
  REQUIRE(p->coordinator.backend);
  CHECK(std::string(p->coordinator.backend->kind()) == "celestia");
  CHECK_FALSE(p->coordinator.emergency);
  CHECK_FALSE(p->coordinator.secondary);
  CHECK(p->emergency_kind == "none");
  CHECK(p->warnings.empty());

  o.da_network = "MAINNET";
  CHECK(plan_serve(o).error().code == serve_config_errc::celestia);
  o.da_auth_token = "jwt";
  CHECK(plan_serve(o).ok());  // the mainnet rule is met

  // The emergency layer: a da-node in the same namespace, beside the embedded primary.
  serve_options e;
  e.enable_fallback = true;
  e.fallback_da_type = "EMERGENCY";
  e.emergency_da_url = "http://127.0.0.1:26659";
  e.da_namespace = good_ns;
  p = plan_serve(e);
  REQUIRE_MESSAGE(p.ok(), p.error().message);
  CHECK(p->da_kind == "sqlite");
  CHECK_FALSE(p->coordinator.backend);
  REQUIRE(p->coordinator.emergency);
  CHECK(p->emergency_kind == "celestia");
  CHECK(p->warnings.empty());
  e.emergency_da_url = "not a url";
  CHECK(plan_serve(e).error().message.find("--emergency-da-url: ") == 0);

  // An emergency URL without the fallback switched on is inert, and said so.
  serve_options w;
  w.emergency_da_url = "http://127.0.0.1:26659";
  p = plan_serve(w);
  REQUIRE(p.ok());
  CHECK_FALSE(p->coordinator.emergency);
  REQUIRE(p->warnings.size() == 1);
  CHECK(p->warnings[0].find("emergency_da_url_ignored") == 0);
}

TEST_CASE("plan_serve: DA choice, namespaces, fallback type, warnings") {
  serve_options o;
  auto p = plan_serve(o);
  REQUIRE(p.ok());
  CHECK(p->da_kind == "sqlite");
  CHECK(p->coordinator.data_dir == "./data");
  CHECK_FALSE(p->coordinator.mock_da);
  CHECK(p->warnings.empty());

  o.mock_da = true;
  o.da_rpc_url = "http://localhost:26658";  // ignored with --mock-da, said so
  o.fallback_da_type = "QUORUM";            // case-insensitive; inert without --enable-fallback
  o.da_namespace = "0x" + std::string(58, 'a');
  o.trusted_publishers = {std::string(64, '1'), ""};
  p = plan_serve(o);
  REQUIRE_MESSAGE(p.ok(), p.error().message);
  CHECK(p->da_kind == "memory");
  CHECK(p->coordinator.mock_da);
  CHECK(p->fallback_type == "quorum");
  CHECK(p->coordinator.trusted_publishers.size() == 1);
  REQUIRE(p->warnings.size() == 2);
  CHECK(p->warnings[0].find("da_rpc_url_ignored") == 0);
  CHECK(p->warnings[1].find("fallback_type_ignored type=quorum") == 0);

  o.da_namespace = std::string(57, 'a');
  CHECK(plan_serve(o).error().message.find("odd number of digits") != std::string::npos);
  o.da_namespace = std::string(56, 'a');
  CHECK(plan_serve(o).error().message ==
        "Invalid --da-namespace length: got 28 bytes, expected 29 (58 hex chars)");
  o.da_namespace = std::string(58, 'g');
  CHECK(plan_serve(o).error().code == serve_config_errc::da_namespace);
}
