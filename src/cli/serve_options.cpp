// `serve` flags and their validation (see include/dsdn/cli/serve_options.hpp).

#include "dsdn/cli/serve_options.hpp"

#include <algorithm>
#include <cctype>

#include <CLI/CLI.hpp>

#include "dsdn/cli/options.hpp"
#include "dsdn/core/crypto.hpp"

namespace dsdn::cli {

namespace {

template <class T>
CLI::Range range(T lo, T hi) {
  return CLI::Range(lo, hi);
}

/// Upper bound of millisecond flags (one day): keeps durations far from overflow.
constexpr uint64_t max_ms = uint64_t{24} * 3600 * 1000;

void add_da_options(CLI::App& cmd, serve_options& o) {
  const std::string g = "Celestia DA (primary when --da-rpc-url is set)";
  cmd.add_option("--da-rpc-url", o.da_rpc_url,
                 "Celestia node (or `da-node`) JSON-RPC URL: the primary DA")
      ->envname("DA_RPC_URL")
      ->group(g);
  cmd.add_option("--da-namespace", o.da_namespace,
                 "Namespace: 58 hex chars, optional 0x (needed with a Celestia-protocol layer)")
      ->envname("DA_NAMESPACE")
      ->group(g);
  cmd.add_option("--da-auth-token", o.da_auth_token, "Light node auth token (mainnet)")
      ->envname("DA_AUTH_TOKEN")
      ->group(g);
  cmd.add_option("--da-network", o.da_network,
                 "mainnet, mocha or local (mainnet needs --da-auth-token)")
      ->envname("DA_NETWORK")
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--da-timeout-ms", o.da_timeout_ms, "Timeout of one JSON-RPC request")
      ->envname("DA_TIMEOUT_MS")
      ->check(unsigned_integer())
      ->check(range(uint64_t{1}, max_ms))
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--da-max-connections", o.da_max_connections, "Connection pool size")
      ->envname("DA_MAX_CONNECTIONS")
      ->check(unsigned_integer())
      ->check(range(0u, 65535u))
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--da-idle-timeout-ms", o.da_idle_timeout_ms, "Pooled connection idle timeout")
      ->envname("DA_IDLE_TIMEOUT_MS")
      ->check(unsigned_integer())
      ->capture_default_str()
      ->group(g);
  add_bool_flag(cmd, "--da-enable-pooling", o.da_enable_pooling, "Reuse RPC connections",
                "DA_ENABLE_POOLING")
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--da-retry-count", o.da_retry_count, "Retries per RPC (attempts = n + 1)")
      ->envname("DA_RETRY_COUNT")
      ->check(unsigned_integer())
      ->check(range(0u, 255u))
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--da-retry-delay-ms", o.da_retry_delay_ms, "First retry delay (doubles)")
      ->envname("DA_RETRY_DELAY_MS")
      ->check(unsigned_integer())
      ->check(range(uint64_t{0}, max_ms))
      ->capture_default_str()
      ->group(g);
}

void add_fallback_options(CLI::App& cmd, serve_options& o) {
  const std::string g = "Fallback DA and reconciliation";
  add_bool_flag(cmd, "--enable-fallback", o.enable_fallback, "Fail over to a secondary DA",
                "ENABLE_FALLBACK")
      ->group(g);
  cmd.add_option("--fallback-da-type", o.fallback_da_type, "none, quorum or emergency")
      ->envname("FALLBACK_DA_TYPE")
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--quorum-validators", o.quorum_validators,
                 "Quorum validators (comma-separated; the flag may repeat)")
      ->envname("QUORUM_VALIDATORS")
      ->delimiter(',')
      ->group(g);
  cmd.add_option("--quorum-threshold", o.quorum_threshold, "Quorum threshold in percent")
      ->envname("QUORUM_THRESHOLD")
      ->check(unsigned_integer())
      ->check(range(1u, 100u))
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--quorum-signature-timeout-ms", o.quorum_signature_timeout_ms,
                 "Time to collect validator signatures")
      ->envname("QUORUM_SIGNATURE_TIMEOUT_MS")
      ->check(unsigned_integer())
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--quorum-validator-keys", o.quorum_validator_keys,
                 "The validators' Ed25519 keys, 64 hex each, in --quorum-validators order "
                 "(comma-separated; a da-node logs its key at start)")
      ->envname("DSDN_QUORUM_VALIDATOR_KEYS")
      ->delimiter(',')
      ->group(g);
  cmd.add_option("--quorum-auth-token", o.quorum_auth_token,
                 "Bearer token of the quorum validators (their --auth-token)")
      ->envname("DSDN_QUORUM_AUTH_TOKEN")
      ->group(g);
  cmd.add_option("--emergency-da-url", o.emergency_da_url,
                 "Emergency DA: a `da-node` JSON-RPC URL (with --enable-fallback: the only "
                 "fallback layer with --fallback-da-type emergency, the last one after the "
                 "QuorumDA with quorum)")
      ->envname("EMERGENCY_DA_URL")
      ->group(g);
  cmd.add_option("--emergency-da-auth-token", o.emergency_da_auth_token,
                 "Bearer token of the emergency DA node (its --auth-token)")
      ->envname("DSDN_EMERGENCY_DA_AUTH_TOKEN")
      ->group(g);
  cmd.add_option("--reconcile-batch-size", o.reconcile_batch_size, "Blobs per reconcile batch")
      ->envname("RECONCILE_BATCH_SIZE")
      ->check(unsigned_integer())
      ->check(at_least(1))
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--reconcile-max-retries", o.reconcile_max_retries, "Retries per blob")
      ->envname("RECONCILE_MAX_RETRIES")
      ->check(unsigned_integer())
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--reconcile-retry-delay-ms", o.reconcile_retry_delay_ms,
                 "First delay between retries (doubles, at most 60 s or this value)")
      ->envname("RECONCILE_RETRY_DELAY_MS")
      ->check(unsigned_integer())
      ->check(range(uint64_t{0}, max_ms))
      ->capture_default_str()
      ->group(g);
  add_bool_flag(cmd, "--reconcile-parallel", o.reconcile_parallel,
                "Replay several publishers' blobs at once (each publisher stays in order)",
                "RECONCILE_PARALLEL")
      ->group(g);
}

void add_health_options(CLI::App& cmd, serve_options& o) {
  const std::string g = "DA health monitor and outbox";
  cmd.add_option("--health-interval-ms", o.health_interval_ms, "Probe every DA layer this often")
      ->envname("DSDN_HEALTH_INTERVAL_MS")
      ->check(unsigned_integer())
      ->check(range(uint64_t{1}, max_ms))
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--health-probe-timeout-ms", o.health_probe_timeout_ms,
                 "A probe slower than this failed")
      ->envname("DSDN_HEALTH_PROBE_TIMEOUT_MS")
      ->check(unsigned_integer())
      ->check(range(uint64_t{1}, max_ms))
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--health-failure-threshold", o.health_failure_threshold,
                 "Failed probes in a row that take a layer down")
      ->envname("DSDN_HEALTH_FAILURE_THRESHOLD")
      ->check(unsigned_integer())
      ->check(range(1u, 1000000u))
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--health-recovery-threshold", o.health_recovery_threshold,
                 "Successful probes in a row that bring a layer back up")
      ->envname("DSDN_HEALTH_RECOVERY_THRESHOLD")
      ->check(unsigned_integer())
      ->check(range(1u, 1000000u))
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--health-warning-latency-ms", o.health_warning_latency_ms,
                 "A primary probe slower than this: status Warning")
      ->envname("DSDN_HEALTH_WARNING_LATENCY_MS")
      ->check(unsigned_integer())
      ->check(range(uint64_t{0}, max_ms))
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--rebuild-timeout-ms", o.rebuild_timeout_ms,
                 "The startup replay from DA, including waiting for an unreachable primary, "
                 "fails (exit 1) after this")
      ->envname("DSDN_REBUILD_TIMEOUT_MS")
      ->check(unsigned_integer())
      ->check(range(uint64_t{1}, max_ms))
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--da-failover-deadline-ms", o.da_failover_deadline_ms,
                 "With a fallback layer: a write waiting this long on the primary goes to the "
                 "outbox and the next layer (0 = the health interval plus twice the slowest "
                 "recent primary write)")
      ->envname("DSDN_DA_FAILOVER_DEADLINE_MS")
      ->check(unsigned_integer())
      ->check(range(uint64_t{0}, max_ms))
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--outbox-max-entries", o.outbox_max_entries,
                 "Outbox cap in blobs: past it, writes get 503")
      ->envname("DSDN_OUTBOX_MAX_ENTRIES")
      ->check(unsigned_integer())
      ->check(at_least(1))
      ->capture_default_str()
      ->group(g);
  cmd.add_option("--outbox-max-bytes", o.outbox_max_bytes,
                 "Outbox cap in bytes of blob data: past it, writes get 503")
      ->envname("DSDN_OUTBOX_MAX_BYTES")
      ->check(unsigned_integer())
      ->check(at_least(1))
      ->capture_default_str()
      ->group(g);
}

void add_own_options(CLI::App& cmd, serve_options& o) {
  add_bool_flag(cmd, "--mock-da", o.mock_da, "Use the in-memory DA (state is lost at exit)",
                "USE_MOCK_DA");
  cmd.add_option("--host", o.host, "Address or host name to listen on")
      ->envname("COORDINATOR_HOST")
      ->capture_default_str();
  cmd.add_option("--port", o.port, "Port to listen on (0 = any free port)")
      ->envname("COORDINATOR_PORT")
      ->check(unsigned_integer())
      ->check(range(0u, 65535u))
      ->capture_default_str();
  cmd.add_option("--data-dir", o.data_dir, "Identity key, epoch and embedded DA")
      ->envname("DSDN_DATA_DIR")
      ->capture_default_str();
  cmd.add_option("--http-threads", o.http_threads, "HTTP I/O threads")
      ->envname("DSDN_HTTP_THREADS")
      ->check(unsigned_integer())
      ->check(range(1u, 256u))
      ->capture_default_str();
  cmd.add_option("--api-token", o.api_token, "Require Authorization: Bearer <token> for writes")
      ->envname("DSDN_API_TOKEN");
  cmd.add_option("--log-level", o.log_level, "trace, debug, info, warn, error, critical, off")
      ->envname("DSDN_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  cmd.add_option("--log-format", o.log_format, "text or json")
      ->envname("DSDN_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd.add_option("--trusted-publishers", o.trusted_publishers,
                 "Hex Ed25519 keys of other publishers whose blobs are applied (comma-separated)")
      ->envname("DSDN_TRUSTED_PUBLISHERS")
      ->delimiter(',');
  cmd.add_option("--scheduler-threads", o.scheduler_threads,
                 "CAF worker threads (0 = number of cores, at least 2)")
      ->envname("DSDN_SCHEDULER_THREADS")
      ->check(unsigned_integer())
      ->check(range(0u, 1024u))
      ->capture_default_str();
  cmd.add_option("--env-file", o.env_file,
                 "Env file loaded before parsing (default: $DSDN_ENV_FILE, else ./.env.mainnet, "
                 "else ./.env); flag > env > file")
      ->envname("DSDN_ENV_FILE");
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// The original's namespace rule: optional 0x, hex, exactly 29 bytes. Empty is allowed.
std::string check_namespace(std::string ns) {
  if (ns.empty())
    return {};
  if (ns.rfind("0x", 0) == 0 || ns.rfind("0X", 0) == 0)
    ns.erase(0, 2);
  for (size_t i = 0; i < ns.size(); ++i)
    if (!std::isxdigit(static_cast<unsigned char>(ns[i])))
      return "Invalid --da-namespace hex: invalid character '" + std::string(1, ns[i]) +
             "' at position " + std::to_string(i) + " (expected 58 hex chars / 29 bytes)";
  if (ns.size() % 2 != 0)
    return "Invalid --da-namespace hex: odd number of digits (expected 58 hex chars / 29 bytes)";
  if (ns.size() != 58)
    return "Invalid --da-namespace length: got " + std::to_string(ns.size() / 2) +
           " bytes, expected 29 (58 hex chars)";
  return {};
}

/// The health monitor, outbox cap and reconciliation flags into the coordinator's config.
void apply_tuning(const serve_options& o, coordinator_config& c) {
  using std::chrono::milliseconds;
  c.health.interval = milliseconds(o.health_interval_ms);
  c.health.probe_timeout = milliseconds(o.health_probe_timeout_ms);
  c.health.thresholds.failure_threshold = o.health_failure_threshold;
  c.health.thresholds.recovery_threshold = o.health_recovery_threshold;
  c.health.thresholds.warning_latency_ms = o.health_warning_latency_ms;
  c.router.failover_deadline = milliseconds(o.da_failover_deadline_ms);
  c.rebuild_timeout = milliseconds(o.rebuild_timeout_ms);
  c.outbox_limits.max_entries = static_cast<size_t>(o.outbox_max_entries);
  c.outbox_limits.max_bytes = o.outbox_max_bytes;
  c.reconcile.batch_size = o.reconcile_batch_size;
  c.reconcile.max_retries = o.reconcile_max_retries;
  c.reconcile.retry_delay = milliseconds(o.reconcile_retry_delay_ms);
  // A first delay above the default cap raises the cap (the engine requires delay <= cap).
  c.reconcile.retry_delay_max =
      std::max<caf::timespan>(c.reconcile.retry_delay_max, c.reconcile.retry_delay);
  c.reconcile.parallel = o.reconcile_parallel ? defaults::reconcile_parallel_on : 1;
}

}  // namespace

void add_serve_options(CLI::App& cmd, serve_options& opt) {
  add_own_options(cmd, opt);
  add_da_options(cmd, opt);
  add_fallback_options(cmd, opt);
  add_health_options(cmd, opt);
}

result<serve_plan, serve_config_errc> plan_serve(const serve_options& opt) {
  serve_plan plan;
  plan.fallback_type = lower(opt.fallback_da_type);
  if (plan.fallback_type != "none" && plan.fallback_type != "quorum" &&
      plan.fallback_type != "emergency")
    return {serve_config_errc::fallback_type, "Invalid --fallback-da-type '" +
                                                  opt.fallback_da_type +
                                                  "'. Expected: none, quorum, emergency"};
  if (auto err = check_namespace(opt.da_namespace); !err.empty())
    return {serve_config_errc::da_namespace, err};

  for (const auto& s : opt.trusted_publishers) {
    if (s.empty())
      continue;
    core::public_key k{};
    if (!core::from_hex(s, k.data(), k.size()))
      return {serve_config_errc::trusted_publishers,
              "--trusted-publishers: '" + s + "' is not a 64-hex-character Ed25519 key"};
    plan.coordinator.trusted_publishers.push_back(k);
  }

  if (!opt.da_rpc_url.empty() && opt.mock_da)
    plan.warnings.push_back("da_rpc_url_ignored reason=\"--mock-da is set\"");
  if (!opt.enable_fallback && plan.fallback_type != "none")
    plan.warnings.push_back("fallback_type_ignored type=" + plan.fallback_type +
                            " reason=\"--enable-fallback is not set\"");
  // With --enable-fallback the URL is used by both types (plan_da_layers); without, not at all.
  if (!opt.emergency_da_url.empty() && !opt.enable_fallback)
    plan.warnings.push_back("emergency_da_url_ignored reason=\"--enable-fallback is not set\"");

  plan.coordinator.data_dir = opt.data_dir;
  plan.coordinator.mock_da = opt.mock_da;
  apply_tuning(opt, plan.coordinator);
  if (auto bad = check(plan.coordinator.health))
    return {serve_config_errc::fallback, "health monitor: " + *bad};
  if (auto bad = check(plan.coordinator.reconcile))
    return {serve_config_errc::fallback, "reconciliation: " + *bad};
  auto layers = plan_da_layers(opt, plan);
  if (!layers)
    return layers.error();
  return plan;
}

}  // namespace dsdn::cli
