#pragma once
// celestia-node JSON-RPC 2.0 without the transport: request framing for the calls the client
// makes, parsing of their replies, and the classification of every documented failure
// (../shared/specs/celestia/API.md, EXAMPLES.md). Pure functions: no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsdn/core/result.hpp"
#include "dsdn/da/celestia_config.hpp"
#include "dsdn/da/da_backend.hpp"
#include "dsdn/da/namespace.hpp"
#include "dsdn/da/share_commitment.hpp"

namespace dsdn::da::celestia {

/// The methods the client calls.
inline constexpr const char* method_submit = "blob.Submit";
inline constexpr const char* method_get_all = "blob.GetAll";
inline constexpr const char* method_get = "blob.Get";
inline constexpr const char* method_network_head = "header.NetworkHead";
inline constexpr const char* method_local_head = "header.LocalHead";

// ---- Failures -------------------------------------------------------------------------------

/// What a failed call means for the caller (see classify() for the table).
enum class error_class : uint8_t {
  not_found = 1,     // "blob: not found": nothing there (an empty height for GetAll)
  future_height,     // "given height is from the future": past the network head
  not_ready,         // "syncing in progress", "incomplete blob": the node cannot serve it yet
  pruned,            // "below Tail": the node no longer serves that height
  auth,              // HTTP 401/403, "missing permission": the token is wrong or too weak
  node_config,       // no state access, unknown signer account, not a node at that URL
  funds,             // "insufficient funds": writes fail until the account is topped up
  fee,               // fee too low, estimate above max_gas_price: estimates move, retry
  sequence,          // account sequence race: retry
  rejected,          // rejected or evicted by the mempool: retry
  pending,           // outcome unknown (tx timeout, deadline, tx hash not found, in mempool)
  execution_failed,  // committed but DeliverTx failed
  invalid_request,   // -32700/-32600/-32601/-32602, panics, input the node refuses
  too_large,         // HTTP 413, "request bigger than maximum", "too large"
  busy,              // HTTP 503 / 429 (and other statuses without a JSON-RPC reply): not served
  server_error,      // HTTP 5xx without a JSON-RPC reply, internal JSON-RPC errors
  malformed,         // not JSON-RPC, or a result of the wrong shape
  unreachable,       // resolve / connect / TLS failure: the request was never sent
  timed_out,         // the deadline passed (possibly after the node got the request)
  transport,         // the connection failed after the request was (maybe) sent
  other,             // an application error the table does not know
};
/// "not_found", "future_height", ...
const char* to_string(error_class c);

/// Worth retrying with backoff (the same request may succeed later).
bool is_retryable(error_class c);
/// A blob.Submit that failed this way may still be included: search before resubmitting.
bool is_ambiguous(error_class c);
/// The da_backend error a class surfaces as.
da_errc to_da_errc(error_class c);

/// A failed call: its class, the HTTP status (0 without a response) and the JSON-RPC code.
/// The human-readable text (the node's message) travels as the failure's message.
struct rpc_fault {
  error_class cls = error_class::other;
  int http_status = 0;
  std::optional<int64_t> code;
};

template <class T>
using rpc_result = result<T, rpc_fault>;

/// Classifies a JSON-RPC error object (`code`, `message`) received with `http_status`.
error_class classify(int http_status, int64_t code, std::string_view message);
/// Classifies an HTTP status that came without a JSON-RPC reply.
error_class classify_http_status(int http_status);

/// The da_backend failure for a failed `method` call after `attempts` attempts: the class's
/// da_errc and a message with the method, class, HTTP status, code and the node's text.
failure<da_errc> to_failure(std::string_view method, const failure<rpc_fault>& f,
                            unsigned attempts = 1);

// ---- Requests -------------------------------------------------------------------------------

/// TxConfig as JSON: only the fields that differ from the node's defaults, so `{}` by default.
std::string tx_config_json(const celestia_tx_config& tx);

/// `blob.Submit [[Blob...], TxConfig]`: one share_version 0 Blob per element of `blobs` in
/// `ns`, each with its commitment (same order as `blobs`) and `index: -1`.
std::string submit_request(uint64_t id, const celestia_namespace& ns,
                           const std::vector<blob_bytes>& blobs,
                           const std::vector<commitment_bytes>& commitments,
                           const celestia_tx_config& tx);
/// `blob.GetAll [height, [ns]]`.
std::string get_all_request(uint64_t id, uint64_t height, const celestia_namespace& ns);
/// `blob.Get [height, ns, commitment]`.
std::string get_request(uint64_t id, uint64_t height, const celestia_namespace& ns,
                        const commitment_bytes& c);
/// `header.NetworkHead []`.
std::string network_head_request(uint64_t id);
/// `header.LocalHead []`.
std::string local_head_request(uint64_t id);

// ---- Replies --------------------------------------------------------------------------------

/// A Blob object as the node returns it. A blob whose fields do not decode is kept (so the
/// positions of the others do not move) with `defect` saying why; callers skip it.
struct rpc_blob {
  celestia_namespace ns;
  blob_bytes data;
  uint8_t share_version = 0;
  std::optional<commitment_bytes> commitment;
  std::optional<signer_bytes> signer;
  int64_t index = -1;  // first share in the EDS; -1 when absent (older nodes, doc fixtures)
  std::string defect;  // empty when the blob decoded
};

/// The inclusion height blob.Submit returned.
rpc_result<uint64_t> parse_submit_response(int http_status, std::string_view body);
/// GetAll's blobs in response order; `null`, a missing result and "blob: not found" (nodes
/// before v0.15) are all an empty height.
rpc_result<std::vector<rpc_blob>> parse_get_all_response(int http_status, std::string_view body);
/// blob.Get's blob; nothing for "blob: not found".
rpc_result<std::optional<rpc_blob>> parse_get_response(int http_status, std::string_view body);
/// `header.height` of an ExtendedHeader (a string per tmjson; a number is accepted too).
rpc_result<uint64_t> parse_header_response(int http_status, std::string_view body);

/// Puts GetAll's blobs in square order: by `index` when every blob has one (>= 0), else
/// the response order (which is square order too).
void order_blobs(std::vector<rpc_blob>& blobs);

/// The commitment of the blob's namespace, data, share version and signer.
commitment_result<commitment_bytes> compute_commitment(const rpc_blob& b);

/// Empty when the blob decoded and its commitment (if it carries one) matches its content;
/// otherwise why it must be skipped.
std::string check_blob(const rpc_blob& b);

}  // namespace dsdn::da::celestia
