// Classification of celestia-node failures. celestia-node registers no JSON-RPC error codes
// (application errors are always code 1), so application errors are told apart by the
// message substrings documented in API.md section 3 and EXAMPLES.md; protocol errors by
// their go-jsonrpc code; replies without a JSON-RPC body by their HTTP status.

#include <algorithm>
#include <cctype>
#include <string>

#include "dsdn/da/celestia_rpc.hpp"

namespace dsdn::da::celestia {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool has(const std::string& text, std::string_view needle) {
  return text.find(needle) != std::string::npos;
}

/// One row of the application error table: the first row with a matching substring wins, so
/// specific rows come before general ones (a "broadcast tx error" wraps other texts).
struct message_rule {
  const char* substring;  // lower case
  error_class cls;
};

constexpr message_rule message_rules[] = {
    {"missing permission", error_class::auth},
    // "incomplete blob ... blob: not found": some shares are missing, not an empty height.
    {"incomplete blob", error_class::not_ready},
    {"blob: not found", error_class::not_found},
    {"from the future", error_class::future_height},
    {"is not yet available", error_class::future_height},
    {"syncing in progress", error_class::not_ready},
    {"below tail", error_class::pruned},
    {"height is equal to 0", error_class::invalid_request},
    {"running without state access", error_class::node_config},
    {"account for signer", error_class::node_config},
    {"insufficient funds", error_class::funds},
    {"insufficient estimated gas price", error_class::fee},
    {"insufficient gas price", error_class::fee},
    {"insufficient fee", error_class::fee},
    {"exceeds max gas price", error_class::fee},
    {"incorrect account sequence", error_class::sequence},
    {"account sequence mismatch", error_class::sequence},
    {"tx already in mempool", error_class::pending},
    {"timed out waiting for tx", error_class::pending},
    {"context deadline exceeded", error_class::pending},
    {"context canceled", error_class::pending},
    {"transaction with hash", error_class::pending},  // "... <H> not found": status unknown
    {"was evicted", error_class::rejected},
    {"eviction poll timeout", error_class::rejected},
    {"was rejected by the node", error_class::rejected},
    {"tx execution failed", error_class::execution_failed},
    {"data can not be empty", error_class::invalid_request},
    {"no blobs provided", error_class::invalid_request},
    {"not allowed namespace", error_class::invalid_request},
    {"invalid user namespace", error_class::invalid_request},
    {"does not support signer", error_class::invalid_request},
    {"bigger than maximum", error_class::too_large},
    {"too large", error_class::too_large},
    {"exceeds the maximum", error_class::too_large},
    {"broadcast tx error", error_class::rejected},
};

}  // namespace

const char* to_string(error_class c) {
  switch (c) {
    case error_class::not_found:
      return "not_found";
    case error_class::future_height:
      return "future_height";
    case error_class::not_ready:
      return "not_ready";
    case error_class::pruned:
      return "pruned";
    case error_class::auth:
      return "auth";
    case error_class::node_config:
      return "node_config";
    case error_class::funds:
      return "funds";
    case error_class::fee:
      return "fee";
    case error_class::sequence:
      return "sequence";
    case error_class::rejected:
      return "rejected";
    case error_class::pending:
      return "pending";
    case error_class::execution_failed:
      return "execution_failed";
    case error_class::invalid_request:
      return "invalid_request";
    case error_class::too_large:
      return "too_large";
    case error_class::busy:
      return "busy";
    case error_class::server_error:
      return "server_error";
    case error_class::malformed:
      return "malformed";
    case error_class::unreachable:
      return "unreachable";
    case error_class::timed_out:
      return "timed_out";
    case error_class::transport:
      return "transport";
    case error_class::other:
      return "other";
  }
  return "unknown";
}

bool is_retryable(error_class c) {
  switch (c) {
    case error_class::not_ready:
    case error_class::fee:
    case error_class::sequence:
    case error_class::rejected:
    case error_class::pending:
    case error_class::busy:
    case error_class::server_error:
    case error_class::unreachable:
    case error_class::timed_out:
    case error_class::transport:
      return true;
    default:
      return false;
  }
}

bool is_ambiguous(error_class c) {
  switch (c) {
    case error_class::pending:
    case error_class::timed_out:
    case error_class::transport:
    case error_class::server_error:  // a proxy's 502/504 may hide a submit that went through
    case error_class::malformed:     // the node answered something: it may have included it
      return true;
    default:
      return false;
  }
}

da_errc to_da_errc(error_class c) {
  switch (c) {
    case error_class::pending:
    case error_class::timed_out:
      return da_errc::timeout;
    case error_class::invalid_request:
    case error_class::execution_failed:
    case error_class::not_found:
      return da_errc::bad_request;
    case error_class::too_large:
      return da_errc::too_large;
    case error_class::malformed:
      return da_errc::corrupt;
    default:
      // auth, node_config, funds, ...: this layer cannot take the request now (fail over).
      return da_errc::unavailable;
  }
}

error_class classify(int http_status, int64_t code, std::string_view message) {
  const std::string text = lower(message);
  if (code == -32700) {
    // Param decoding failures, and the v0.31 body limit which go-jsonrpc reports the same way.
    return has(text, "bigger than maximum") ? error_class::too_large : error_class::invalid_request;
  }
  if (code == -32600 || code == -32601 || code == -32602) {
    return error_class::invalid_request;
  }
  if (code == 0) {
    return error_class::invalid_request;  // a recovered panic: the request tripped a node bug
  }
  for (const auto& rule : message_rules) {
    if (has(text, rule.substring)) {
      return rule.cls;
    }
  }
  if (code < 0) {
    return error_class::server_error;  // -32603 internal error, -32000.. server errors
  }
  if (http_status == 401 || http_status == 403) {
    return error_class::auth;
  }
  return error_class::other;
}

error_class classify_http_status(int http_status) {
  switch (http_status) {
    case 401:
    case 403:
      return error_class::auth;
    case 400:
      return error_class::invalid_request;
    case 404:
    case 405:
      return error_class::node_config;  // the URL does not lead to a JSON-RPC endpoint
    case 413:
      return error_class::too_large;
    case 429:
    case 503:
      return error_class::busy;
    default:
      break;
  }
  if (http_status >= 500 && http_status <= 599) {
    return error_class::server_error;
  }
  if (http_status >= 200 && http_status <= 299) {
    return error_class::malformed;
  }
  return error_class::other;
}

failure<da_errc> to_failure(std::string_view method, const failure<rpc_fault>& f,
                            unsigned attempts) {
  std::string text = "celestia " + std::string(method) + " failed [" + to_string(f.code.cls);
  if (f.code.http_status != 0) {
    text += ", HTTP " + std::to_string(f.code.http_status);
  }
  if (f.code.code) {
    text += ", code " + std::to_string(*f.code.code);
  }
  text += "]: " + f.message;
  if (attempts > 1) {
    text += " (after " + std::to_string(attempts) + " attempts)";
  }
  return failure<da_errc>{to_da_errc(f.code.cls), std::move(text)};
}

}  // namespace dsdn::da::celestia
