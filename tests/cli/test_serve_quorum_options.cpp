// `serve --enable-fallback --fallback-da-type quorum`: the QuorumDA flags build the secondary
// layer (no I/O), and inconsistent ones are usage errors (exit 2) that say what is wrong.

#include <sstream>
#include <string>
#include <vector>

#include <doctest/doctest.h>

#include "cli/env_guard.hpp"
#include "dsdn/cli/commands.hpp"
#include "dsdn/cli/serve_options.hpp"

using namespace dsdn::cli;

namespace {

const std::vector<std::string> quorum_env = {"DSDN_ENV_FILE",
                                             "DSDN_DATA_DIR",
                                             "USE_MOCK_DA",
                                             "ENABLE_FALLBACK",
                                             "FALLBACK_DA_TYPE",
                                             "QUORUM_VALIDATORS",
                                             "QUORUM_THRESHOLD",
                                             "QUORUM_SIGNATURE_TIMEOUT_MS",
                                             "DSDN_QUORUM_VALIDATOR_KEYS",
                                             "DSDN_QUORUM_AUTH_TOKEN",
                                             "DA_RPC_URL"};

const std::string key_a(64, 'a');
const std::string key_b(64, 'b');
const std::string key_c(64, 'c');

/// serve_options with QuorumDA as the fallback layer over `urls` and `keys`.
serve_options quorum_options(std::vector<std::string> urls, std::vector<std::string> keys) {
  serve_options o;
  o.mock_da = true;
  o.enable_fallback = true;
  o.fallback_da_type = "quorum";
  o.quorum_validators = std::move(urls);
  o.quorum_validator_keys = std::move(keys);
  o.data_dir = "/proc/dsdn-clitest-no-such-dir/data";
  return o;
}

/// The whole CLI; a data dir that cannot exist stops a case that got past validation.
int run_status(const std::vector<std::string>& args, std::string& err) {
  if (!getenv("DSDN_DATA_DIR"))
    setenv("DSDN_DATA_DIR", "/proc/dsdn-clitest-no-such-dir/data", 1);
  std::ostringstream out, e;
  std::vector<std::string> full{"dsdn-coordinator"};
  full.insert(full.end(), args.begin(), args.end());
  int status = run_cli(full, out, e);
  err = e.str();
  return status;
}

}  // namespace

TEST_CASE("serve quorum: the flags build a QuorumDA secondary") {
  clitest::env_guard guard(quorum_env);
  auto o = quorum_options({"http://127.0.0.1:1", "http://127.0.0.1:2", "https://v3.example/rpc"},
                          {key_a, key_b, key_c});
  o.quorum_threshold = 50;
  auto p = plan_serve(o);
  REQUIRE_MESSAGE(p.ok(), p.error().message);
  REQUIRE(p->coordinator.secondary);
  CHECK(std::string(p->coordinator.secondary->kind()) == "quorum");
  CHECK(p->secondary_kind == "quorum");
  CHECK(p->da_kind == "memory");
  CHECK_FALSE(p->coordinator.emergency);
}

TEST_CASE("serve quorum: with --emergency-da-url the emergency DA follows the QuorumDA") {
  clitest::env_guard guard(quorum_env);
  auto o = quorum_options({"http://127.0.0.1:1", "http://127.0.0.1:2"}, {key_a, key_b});
  o.emergency_da_url = "http://127.0.0.1:26659";
  o.da_namespace = "00" + std::string(36, '0') + "0000000000000000e4e4";
  auto p = plan_serve(o);
  REQUIRE_MESSAGE(p.ok(), p.error().message);
  REQUIRE(p->coordinator.secondary);
  CHECK(p->secondary_kind == "quorum");
  REQUIRE(p->coordinator.emergency);
  CHECK(p->emergency_kind == "celestia");
  // Its probes use a client of their own (a stuck submit never delays them).
  REQUIRE(p->coordinator.emergency_probe);
  CHECK(p->coordinator.emergency_probe != p->coordinator.emergency);
  // Both layers are used: nothing is ignored.
  CHECK(p->warnings.empty());
}

TEST_CASE("serve quorum: inconsistent flags are usage errors with the reason") {
  clitest::env_guard guard(quorum_env);
  struct bad {
    serve_options o;
    std::string message;
  };
  auto no_urls = quorum_options({}, {});
  auto fewer_keys = quorum_options({"http://127.0.0.1:1", "http://127.0.0.1:2"}, {key_a});
  auto short_key = quorum_options({"http://127.0.0.1:1"}, {std::string(63, 'a')});
  auto not_hex = quorum_options({"http://127.0.0.1:1"}, {std::string(64, 'x')});
  auto bad_url = quorum_options({"ftp://127.0.0.1:1"}, {key_a});
  auto same_key = quorum_options({"http://127.0.0.1:1", "http://127.0.0.1:2"}, {key_a, key_a});
  auto no_timeout = quorum_options({"http://127.0.0.1:1"}, {key_a});
  no_timeout.quorum_signature_timeout_ms = 0;
  for (auto& b : {bad{no_urls, "--fallback-da-type quorum needs --quorum-validators"},
                  bad{fewer_keys, "--quorum-validator-keys: 1 keys for 2 --quorum-validators"},
                  bad{short_key, "key 1 '" + std::string(63, 'a') + "' is not a 64-hex"},
                  bad{not_hex, "is not a 64-hex-character Ed25519 key"},
                  bad{bad_url, "--quorum-validators: 'ftp://127.0.0.1:1': "},
                  bad{same_key, "of an earlier validator"},
                  bad{no_timeout, "--quorum-signature-timeout-ms must be at least 1"}}) {
    auto p = plan_serve(b.o);
    REQUIRE_FALSE(p.ok());
    CHECK(p.error().code == serve_config_errc::quorum);
    CHECK_MESSAGE(p.error().message.find(b.message) != std::string::npos, p.error().message);
  }
}

TEST_CASE("serve quorum: the CLI exits 2 on bad quorum flags, keys may come from the env") {
  clitest::env_guard guard(quorum_env);
  std::string err;
  const std::vector<std::string> base = {"serve",
                                         "--mock-da",
                                         "--enable-fallback",
                                         "--fallback-da-type",
                                         "quorum",
                                         "--quorum-validators",
                                         "http://127.0.0.1:1,http://127.0.0.1:2"};
  auto args = base;
  args.insert(args.end(), {"--quorum-validator-keys", key_a});
  CHECK(run_status(args, err) == 2);
  CHECK(err.find("Configuration error: --quorum-validator-keys: 1 keys for 2") == 0);

  args = base;
  args.insert(args.end(), {"--quorum-threshold", "0"});
  CHECK(run_status(args, err) == 2);
  CHECK(err.find("--quorum-threshold") != std::string::npos);

  // Valid flags (keys from the environment) get past the checks: the run then stops at the
  // data dir that cannot exist (exit 1), not at the configuration.
  setenv("DSDN_QUORUM_VALIDATOR_KEYS", (key_a + "," + key_b).c_str(), 1);
  CHECK(run_status(base, err) == 1);
  CHECK(err.find("Configuration error") == std::string::npos);
}
