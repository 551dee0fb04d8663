// plan_da_layers: which DA backends `serve` runs with (include/dsdn/cli/serve_options.hpp).
//
//   primary    --mock-da: memory | --da-rpc-url: Celestia (or a da-node) | else: embedded sqlite
//   secondary  --enable-fallback --fallback-da-type quorum: QuorumDA (serve_quorum.cpp)
//   emergency  --enable-fallback --emergency-da-url (with --fallback-da-type emergency, or quorum
//              as the layer after the QuorumDA): a da-node, spoken to with the Celestia client,
//              in the primary's namespace. --fallback-da-type emergency requires the URL.
//
// The backends are only constructed here (no I/O): a layer that is down shows up in the health
// monitor once the coordinator runs.
//
// A Celestia-protocol layer gets one client per use, each behind its own DA actor (a client
// blocks for a whole retry chain): writes, reads (primary only) and health probes. A submit
// stuck retrying a dead node thus delays no probe, and the monitor marks the node down within
// its failure threshold of probe intervals. With a fallback layer the primary's write client
// retries after at most one probe interval: the router fails a write over after its deadline
// anyway, and a short chain frees the write actor for the reconciliation engine sooner.

#include <algorithm>
#include <chrono>

#include "dsdn/cli/serve_options.hpp"
#include "dsdn/http/celestia_da.hpp"

namespace dsdn::cli {

namespace {

using plan_result = result<bool, serve_config_errc>;

/// The client settings shared by every Celestia-protocol layer.
da::celestia_config client_config(const serve_options& o, const da::celestia_namespace& ns) {
  da::celestia_config cfg;
  cfg.ns = ns;
  cfg.timeout = std::chrono::milliseconds(o.da_timeout_ms);
  cfg.retry_count = o.da_retry_count;
  cfg.retry_delay = std::chrono::milliseconds(o.da_retry_delay_ms);
  cfg.retry_delay_cap = std::max(cfg.retry_delay_cap, cfg.retry_delay);
  cfg.health_timeout = std::chrono::milliseconds(o.health_probe_timeout_ms);
  return cfg;
}

/// Builds one Celestia-protocol backend; `flag` names the URL's flag in the error.
result<std::shared_ptr<da::da_backend>, serve_config_errc> open_layer(da::celestia_config cfg,
                                                                      const std::string& flag) {
  auto opened = da::open_celestia_da(std::move(cfg));
  if (!opened)
    return {serve_config_errc::celestia, flag + ": " + opened.error().message};
  return std::shared_ptr<da::da_backend>(std::move(opened).value());
}

/// The namespace every Celestia-protocol layer writes to: --da-namespace, which must then be
/// set and valid for blobs (the original's wording for a missing one).
result<da::celestia_namespace, serve_config_errc> layer_namespace(const serve_options& o) {
  if (o.da_namespace.empty())
    return {serve_config_errc::da_namespace,
            "Missing --da-namespace (or DA_NAMESPACE env): required with --da-rpc-url or an "
            "emergency DA. Use --mock-da or omit --da-rpc-url for the embedded DA."};
  auto ns = da::parse_blob_namespace(o.da_namespace);
  if (!ns)
    return {serve_config_errc::da_namespace, "Invalid --da-namespace: " + ns.error().message +
                                                 " (blobs need a version 0, "
                                                 "non-reserved namespace)"};
  return ns.value();
}

plan_result plan_primary(const serve_options& o, const da::celestia_namespace& ns,
                         serve_plan& plan) {
  auto network = da::parse_celestia_network(o.da_network);
  if (!network)
    return {serve_config_errc::celestia,
            "Invalid --da-network '" + o.da_network + "'. Expected: mainnet, mocha, local"};
  if (*network == da::celestia_network::mainnet && o.da_auth_token.empty())
    return {serve_config_errc::celestia, std::string("Production validation failed: ") +
                                             da::celestia_mainnet_token_error +
                                             " (--da-auth-token or DA_AUTH_TOKEN)"};
  auto cfg = client_config(o, ns);
  cfg.rpc_url = o.da_rpc_url;
  cfg.auth_token = o.da_auth_token;
  cfg.network = *network;
  auto reads = open_layer(cfg, "--da-rpc-url");
  auto probes = open_layer(cfg, "--da-rpc-url");
  if (o.enable_fallback)
    cfg.retry_delay = std::min(cfg.retry_delay, std::chrono::milliseconds(o.health_interval_ms));
  auto writes = open_layer(std::move(cfg), "--da-rpc-url");
  for (auto* b : {&writes, &reads, &probes})
    if (!*b)
      return b->error();
  plan.coordinator.backend = std::move(writes).value();
  plan.coordinator.read_backend = std::move(reads).value();
  plan.coordinator.probe_backend = std::move(probes).value();
  plan.da_kind = plan.coordinator.backend->kind();
  return true;
}

plan_result plan_emergency(const serve_options& o, const da::celestia_namespace& ns,
                           serve_plan& plan) {
  auto cfg = client_config(o, ns);
  cfg.rpc_url = o.emergency_da_url;
  cfg.auth_token = o.emergency_da_auth_token;
  cfg.network = da::celestia_network::local;  // a da-node: no mainnet token rule
  auto probes = open_layer(cfg, "--emergency-da-url");
  auto backend = open_layer(std::move(cfg), "--emergency-da-url");
  for (auto* b : {&backend, &probes})
    if (!*b)
      return b->error();
  plan.coordinator.emergency = std::move(backend).value();
  plan.coordinator.emergency_probe = std::move(probes).value();
  plan.emergency_kind = plan.coordinator.emergency->kind();
  return true;
}

}  // namespace

plan_result plan_da_layers(const serve_options& o, serve_plan& plan) {
  const bool celestia_primary = !o.da_rpc_url.empty() && !o.mock_da;
  const bool fallback = o.enable_fallback;
  if (fallback && plan.fallback_type == "none")
    return {serve_config_errc::fallback,
            "--enable-fallback needs --fallback-da-type quorum or emergency (or FALLBACK_DA_TYPE)"};
  if (fallback && plan.fallback_type == "quorum") {
    auto quorum = plan_quorum(o, plan);
    if (!quorum)
      return quorum;
  }
  // The emergency layer is the last resort behind the secondary when one is configured, or
  // the only fallback layer with --fallback-da-type emergency.
  const bool emergency = fallback && !o.emergency_da_url.empty();
  if (fallback && plan.fallback_type == "emergency" && o.emergency_da_url.empty())
    return {serve_config_errc::fallback,
            "--fallback-da-type emergency needs --emergency-da-url (or EMERGENCY_DA_URL): the "
            "URL of a `dsdn-coordinator da-node serve`"};

  plan.da_kind = o.mock_da ? "memory" : "sqlite";
  if (!celestia_primary && !emergency)
    return true;
  auto ns = layer_namespace(o);
  if (!ns)
    return ns.error();
  if (celestia_primary) {
    auto ok = plan_primary(o, ns.value(), plan);
    if (!ok)
      return ok;
  }
  if (emergency)
    return plan_emergency(o, ns.value(), plan);
  return true;
}

}  // namespace dsdn::cli
