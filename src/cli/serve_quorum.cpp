// plan_quorum: the QuorumDA secondary layer of `serve` (include/dsdn/cli/serve_options.hpp).

#include <algorithm>
#include <chrono>

#include "dsdn/cli/serve_options.hpp"
#include "dsdn/http/client.hpp"
#include "dsdn/http/quorum_da.hpp"

namespace dsdn::cli {

namespace {

std::vector<std::string> non_empty(const std::vector<std::string>& v) {
  std::vector<std::string> out;
  std::copy_if(v.begin(), v.end(), std::back_inserter(out),
               [](const std::string& s) { return !s.empty(); });
  return out;
}

}  // namespace

result<bool, serve_config_errc> plan_quorum(const serve_options& o, serve_plan& plan) {
  auto usage = [](std::string why) {
    return failure<serve_config_errc>{serve_config_errc::quorum, std::move(why)};
  };
  da::quorum_da_config cfg;
  cfg.validator_urls = non_empty(o.quorum_validators);
  const auto keys = non_empty(o.quorum_validator_keys);
  if (cfg.validator_urls.empty())
    return usage(
        "--fallback-da-type quorum needs --quorum-validators URL,URL,... (or "
        "QUORUM_VALIDATORS): the JSON-RPC URLs of `dsdn-coordinator da-node serve` validators");
  if (keys.size() != cfg.validator_urls.size())
    return usage("--quorum-validator-keys: " + std::to_string(keys.size()) + " keys for " +
                 std::to_string(cfg.validator_urls.size()) +
                 " --quorum-validators (one Ed25519 key per validator, in the same order)");
  for (size_t i = 0; i < keys.size(); ++i) {
    core::public_key k{};
    if (!core::from_hex(keys[i], k.data(), k.size()))
      return usage("--quorum-validator-keys: key " + std::to_string(i + 1) + " '" + keys[i] +
                   "' is not a 64-hex-character Ed25519 key");
    cfg.validator_keys.push_back(k);
  }
  for (const auto& u : cfg.validator_urls)
    if (auto parsed = http::parse_url(u); !parsed)
      return usage("--quorum-validators: '" + u + "': " + parsed.error().message);
  if (o.quorum_signature_timeout_ms == 0)
    return usage("--quorum-signature-timeout-ms must be at least 1");
  cfg.threshold_pct = o.quorum_threshold;
  cfg.signature_timeout = std::chrono::milliseconds(o.quorum_signature_timeout_ms);
  cfg.health_timeout =
      std::chrono::milliseconds(std::min(o.quorum_signature_timeout_ms, o.health_probe_timeout_ms));
  cfg.auth_token = o.quorum_auth_token;
  cfg.index_path = plan.coordinator.data_dir + "/quorum_index.sqlite";
  auto opened = da::open_quorum_da(std::move(cfg));
  if (!opened)
    return usage(opened.error().message);
  plan.coordinator.secondary = std::move(opened).value();
  plan.secondary_kind = plan.coordinator.secondary->kind();
  return true;
}

}  // namespace dsdn::cli
