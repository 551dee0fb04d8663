#pragma once
// `serve` flags: every flag and env var of the original coordinator (same names) plus ours
// (env `DSDN_<FLAG>`). Precedence: flag > environment > env file > default. The table is in
// README.md "Running `serve`".

#include <chrono>
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
  template <class Duration>
  static constexpr uint64_t ms(Duration d) {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
  }

  // Celestia DA (original names): --da-rpc-url selects a Celestia node (or a `da-node`) as
  // the primary DA. Pooling and idle timeout are parsed and logged only.
  std::string da_rpc_url;
  std::string da_namespace;
  std::string da_auth_token;
  std::string da_network = "mainnet";
  uint64_t da_timeout_ms = 60000;
  unsigned da_max_connections = 5;
  uint64_t da_idle_timeout_ms = 60000;
  bool da_enable_pooling = true;
  unsigned da_retry_count = 3;
  uint64_t da_retry_delay_ms = 1000;
  bool mock_da = false;
  // HTTP listener.
  std::string host = "127.0.0.1";
  unsigned port = 45831;
  // Fallback DA and reconciliation (original names).
  bool enable_fallback = false;
  std::string fallback_da_type = "none";
  std::vector<std::string> quorum_validators;
  unsigned quorum_threshold = 67;
  uint64_t quorum_signature_timeout_ms = 5000;
  // QuorumDA (ours): the validators' Ed25519 keys (64 hex, same order as --quorum-validators)
  // and their bearer token.
  std::vector<std::string> quorum_validator_keys;
  std::string quorum_auth_token;
  std::string emergency_da_url;
  uint64_t reconcile_batch_size = 10;
  unsigned reconcile_max_retries = 3;
  uint64_t reconcile_retry_delay_ms = 1000;
  bool reconcile_parallel = false;
  // Fallback tuning (ours; the original hard-coded these).
  std::string emergency_da_auth_token;
  uint64_t health_interval_ms = ms(defaults::health_interval);
  uint64_t health_probe_timeout_ms = ms(defaults::health_probe_timeout);
  unsigned health_failure_threshold = defaults::health_failure_threshold;
  unsigned health_recovery_threshold = defaults::health_recovery_threshold;
  uint64_t health_warning_latency_ms = defaults::health_warning_latency_ms;
  uint64_t da_failover_deadline_ms = 0;  // 0 = derived (da_router_config::failover_deadline)
  uint64_t rebuild_timeout_ms = ms(defaults::rebuild_timeout);
  uint64_t outbox_max_entries = defaults::outbox_max_entries;
  uint64_t outbox_max_bytes = defaults::outbox_max_bytes;
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
  celestia,   // the Celestia settings (network, auth token, URL, namespace)
  fallback,   // --enable-fallback without what its type needs
  not_built,  // a DA layer this build does not have yet
  quorum,     // the QuorumDA flags are inconsistent (a usage error, exit 2)
};

/// What `serve` will run with, derived from valid options.
struct serve_plan {
  coordinator_config coordinator;  // backends built (no I/O yet) and tunables set
  std::string da_kind;             // primary: "memory", "sqlite" or "celestia"
  std::string secondary_kind = "none";
  std::string emergency_kind = "none";
  std::string fallback_type;          // lower-cased
  std::vector<std::string> warnings;  // logged at startup
};

/// Cross-flag and content checks that CLI11 cannot express (the original's messages where it
/// had them), then the DA layers: --da-rpc-url builds the Celestia primary; --enable-fallback
/// with --emergency-da-url builds a Celestia-protocol client for it (a `da-node`, same
/// namespace): the only fallback layer with --fallback-da-type emergency, the last resort
/// after the QuorumDA with quorum. Building a backend does no I/O.
result<serve_plan, serve_config_errc> plan_serve(const serve_options& opt);

/// The DA part of plan_serve: the primary (Celestia when --da-rpc-url is set and --mock-da is
/// not) and the fallback layers, into plan.coordinator and the *_kind fields.
result<bool, serve_config_errc> plan_da_layers(const serve_options& opt, serve_plan& plan);

/// The QuorumDA secondary of --enable-fallback --fallback-da-type quorum into
/// plan.coordinator.secondary: validators and keys of equal count, keys of 64 hex, URLs that
/// parse, the threshold; the height index in <data dir>/quorum_index.sqlite. No I/O.
result<bool, serve_config_errc> plan_quorum(const serve_options& opt, serve_plan& plan);

}  // namespace dsdn::cli
