#pragma once
// Configuration of the Celestia DA client (a celestia-node light or bridge node over
// JSON-RPC; ../shared/specs/celestia/API.md) and its validation. No I/O.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "dsdn/core/result.hpp"
#include "dsdn/da/da_backend.hpp"
#include "dsdn/da/namespace.hpp"

namespace dsdn::da {

/// The Celestia network the node belongs to. Only mainnet changes behaviour (it needs a token).
enum class celestia_network : uint8_t { mainnet, mocha, local };
/// "mainnet", "mocha", "local".
const char* to_string(celestia_network n);
/// The inverse of to_string (case-insensitive); nothing for any other text.
std::optional<celestia_network> parse_celestia_network(std::string_view text);

/// celestia-node's `state.TxConfig`, the second `blob.Submit` parameter (API.md section 3.1).
/// Every default is omitted from the JSON, so the default sends `{}` (never `null`).
struct celestia_tx_config {
  /// utia per gas; sent with `is_gas_price_set: true`. Unset: the node estimates.
  std::optional<double> gas_price;
  /// Upper bound for the estimated price; 0 = the node's default (sent only when positive).
  double max_gas_price = 0;
  /// Gas limit; 0 = the node estimates.
  uint64_t gas = 0;
  /// 1 low, 2 medium, 3 high; 0 = the node's default (medium).
  int tx_priority = 0;
  /// Key in the node's keyring; empty = the node's default key.
  std::string key_name;
  /// bech32 `celestia1...` signer; takes precedence over key_name.
  std::string signer_address;
  /// bech32 address of a feegrant payer.
  std::string fee_granter_address;
};

/// Everything the Celestia client needs. Defaults are the coordinator's flag defaults.
struct celestia_config {
  /// `http[s]://host[:port][/path]` of the node's JSON-RPC endpoint.
  std::string rpc_url = "http://localhost:26658";
  /// The node's JWT (sent as `Authorization: Bearer`); required on mainnet.
  std::string auth_token;
  /// Where our blobs live; must be valid for blobs (version 0, not reserved).
  celestia_namespace ns;
  celestia_network network = celestia_network::local;
  /// Per request (`--da-timeout-ms`). blob.Submit blocks until inclusion, often 15-30 s.
  std::chrono::milliseconds timeout{60000};
  /// Retries after the first attempt, for retryable failures only.
  unsigned retry_count = 3;
  /// Delay before the first retry; doubles per retry up to retry_delay_cap.
  std::chrono::milliseconds retry_delay{1000};
  std::chrono::milliseconds retry_delay_cap{30000};
  /// Heights below the head searched for the commitments of a submit whose outcome is
  /// unknown (timed out, connection lost) before it is resubmitted.
  uint64_t search_depth = 20;
  /// Timeout of the probe behind healthy() (capped at `timeout`).
  std::chrono::milliseconds health_timeout{5000};
  /// Heights below this hold nothing of ours: reads start here (a namespace's first use),
  /// so a reader starting at height 1 does not scan the whole chain.
  uint64_t start_height = 1;
  /// Client-side cap on the data of one submit (one PayForBlobs tx; about 8 MiB since
  /// CIP-38, 2 MiB before).
  size_t max_submit_bytes = 8 * 1024 * 1024;
  /// After a submit, read the height back and check our commitments are there.
  bool verify_submit = true;
  celestia_tx_config tx;
};

/// The text of the mainnet auth-token rule (the original coordinator's wording).
inline constexpr const char* celestia_mainnet_token_error =
    "auth_token is required for mainnet (needed for light node RPC auth)";

/// Checks `cfg` before any I/O: an http(s) URL, the mainnet auth-token rule, a namespace
/// valid for blobs, positive timeouts, a sane TxConfig. Returns the first problem as
/// `bad_request`, or nothing.
std::optional<failure<da_errc>> validate(const celestia_config& cfg);

}  // namespace dsdn::da
