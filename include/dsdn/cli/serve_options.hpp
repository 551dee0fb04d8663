#pragma once
// `serve` flags: every flag and env var of the original coordinator (same names) plus ours
// (env `DSDN_<FLAG>`). Precedence: flag > environment > env file > default. The table is in
// README.md "Running `serve`".

#include <cstdint>
#include <string>
#include <vector>

#include "dsdn/actors/coordinator.hpp"
#include "dsdn/core/result.hpp"

namespace CLI {
class App;
}

namespace dsdn::cli {

/// Every `serve` flag, as parsed.
struct serve_options {
  // Celestia DA (original names). The Celestia layer is not built yet: parsed, validated,
  // logged; --da-rpc-url without --mock-da is refused.
  std::string da_rpc_url;
  std::string da_namespace;
  std::string da_auth_token;
  std::string da_network = "mainnet";
  uint64_t da_timeout_ms = 30000;
  unsigned da_max_connections = 5;
  uint64_t da_idle_timeout_ms = 60000;
  bool da_enable_pooling = true;
  unsigned da_retry_count = 3;
  uint64_t da_retry_delay_ms = 1000;
  bool mock_da = false;
  // HTTP listener.
  std::string host = "127.0.0.1";
  unsigned port = 45831;
  // Fallback DA and reconciliation (original names; the layers come with a later issue).
  bool enable_fallback = false;
  std::string fallback_da_type = "none";
  std::vector<std::string> quorum_validators;
  unsigned quorum_threshold = 67;
  uint64_t quorum_signature_timeout_ms = 5000;
  std::string emergency_da_url;
  uint64_t reconcile_batch_size = 10;
  unsigned reconcile_max_retries = 3;
  uint64_t reconcile_retry_delay_ms = 1000;
  bool reconcile_parallel = false;
  // Ours.
  std::string env_file;
  std::string data_dir = "./data";
  unsigned http_threads = 2;
  std::string api_token;
  std::string log_level = "info";
  std::string log_format = "text";
  std::vector<std::string> trusted_publishers;
  unsigned scheduler_threads = 0;
};

/// Registers every serve flag on `cmd`, bound to `opt`. Type and range errors (numbers,
/// booleans, --quorum-threshold 1..100, --reconcile-batch-size >= 1, ...) are CLI11 usage
/// errors.
void add_serve_options(CLI::App& cmd, serve_options& opt);

/// A configuration the flags parse into but that cannot run (exit 1).
enum class serve_config_errc : uint8_t {
  fallback_type = 1,
  da_namespace,
  trusted_publishers,
  not_built,  // a DA layer this build does not have yet
};

/// What `serve` will run with, derived from valid options.
struct serve_plan {
  coordinator_config coordinator;
  std::string da_kind;                // "memory" or "sqlite"
  std::string fallback_type;          // lower-cased
  std::vector<std::string> warnings;  // logged at startup
};

/// Cross-flag and content checks that CLI11 cannot express (the original's messages where it
/// had them), and the refusal of DA layers that are not built yet.
result<serve_plan, serve_config_errc> plan_serve(const serve_options& opt);

}  // namespace dsdn::cli
