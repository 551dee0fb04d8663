#include "dsdn/da/celestia_config.hpp"

#include <cctype>
#include <cmath>
#include <string>

namespace dsdn::da {

namespace {

failure<da_errc> bad(std::string message) {
  return failure<da_errc>{da_errc::bad_request, "celestia config: " + std::move(message)};
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) {
    return false;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

bool has_control_chars(std::string_view s) {
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      return true;
    }
  }
  return false;
}

}  // namespace

const char* to_string(celestia_network n) {
  switch (n) {
    case celestia_network::mainnet:
      return "mainnet";
    case celestia_network::mocha:
      return "mocha";
    case celestia_network::local:
      return "local";
  }
  return "unknown";
}

std::optional<celestia_network> parse_celestia_network(std::string_view text) {
  for (auto n : {celestia_network::mainnet, celestia_network::mocha, celestia_network::local}) {
    if (iequals(text, to_string(n))) {
      return n;
    }
  }
  return std::nullopt;
}

std::optional<failure<da_errc>> validate(const celestia_config& cfg) {
  if (!starts_with_ci(cfg.rpc_url, "http://") && !starts_with_ci(cfg.rpc_url, "https://")) {
    return bad("rpc_url '" + cfg.rpc_url + "' must start with http:// or https://");
  }
  // The full URL grammar is the HTTP client's parse_url; the client applies it when built.
  if (cfg.network == celestia_network::mainnet && cfg.auth_token.empty()) {
    return bad(celestia_mainnet_token_error);
  }
  if (has_control_chars(cfg.auth_token) || cfg.auth_token.find(' ') != std::string::npos) {
    return bad("auth_token contains spaces or control characters");
  }
  if (auto e = validate_for_blob(cfg.ns)) {
    return bad("namespace " + cfg.ns.hex() + " cannot hold blobs: " + e->message);
  }
  if (cfg.timeout.count() <= 0) {
    return bad("timeout must be positive");
  }
  if (cfg.health_timeout.count() <= 0) {
    return bad("health_timeout must be positive");
  }
  if (cfg.retry_delay.count() < 0 || cfg.retry_delay_cap.count() < 0) {
    return bad("retry delays must not be negative");
  }
  if (cfg.search_depth == 0) {
    return bad("search_depth must be at least 1 (a timed-out submit is searched for)");
  }
  if (cfg.start_height == 0) {
    return bad("start_height must be at least 1 (Celestia heights start at 1)");
  }
  if (cfg.max_submit_bytes == 0) {
    return bad("max_submit_bytes must be positive");
  }
  const auto& tx = cfg.tx;
  if (tx.gas_price && (!std::isfinite(*tx.gas_price) || *tx.gas_price < 0)) {
    return bad("gas_price must be a finite number >= 0");
  }
  if (!std::isfinite(tx.max_gas_price) || tx.max_gas_price < 0) {
    return bad("max_gas_price must be a finite number >= 0");
  }
  if (tx.tx_priority < 0 || tx.tx_priority > 3) {
    return bad("tx_priority must be 1 (low), 2 (medium), 3 (high) or 0 (node default)");
  }
  return std::nullopt;
}

}  // namespace dsdn::da
