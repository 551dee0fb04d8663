#pragma once
// The DA node's JSON-RPC layer, without Beast: the request envelope (single and batch, as
// go-jsonrpc's handleReader reads it), the method table, permissions, and the error codes and
// HTTP statuses celestia-node answers with (API.md section 1, EXAMPLES.md section 6).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "dsdn/core/result.hpp"

namespace dsdn::http::dn {

struct node_context;

/// Keys keep their insertion order, so answers read like celestia-node's.
using ojson = nlohmann::ordered_json;

/// JSON-RPC error codes go-jsonrpc uses, and celestia-node's one application code.
inline constexpr int rpc_parse_error = -32700;
inline constexpr int rpc_invalid_request = -32600;
inline constexpr int rpc_method_not_found = -32601;
inline constexpr int rpc_invalid_params = -32602;
inline constexpr int rpc_fatal = 0;      ///< a recovered panic in the method
inline constexpr int rpc_app_error = 1;  ///< the method returned an error

/// A failed call: `code` and `message` of the JSON-RPC error object.
using rpc_failure = failure<int>;
/// A decoded parameter or a -32700 failure.
template <class T>
using param_result = result<T, int>;

/// What one call answers: a result or an error.
struct rpc_answer {
  ojson result;
  std::optional<rpc_failure> error;

  static rpc_answer ok(ojson r) { return rpc_answer{std::move(r), std::nullopt}; }
  static rpc_answer fail(int code, std::string message) {
    return rpc_answer{nullptr, rpc_failure{code, std::move(message)}};
  }
};

/// Receives a call's answer; may run on any thread, is called exactly once.
using answer_fn = std::function<void(rpc_answer)>;
/// A call whose params decoded: runs it (asynchronously) and answers through the callback.
using rpc_action = std::function<void(answer_fn)>;

/// celestia-node's permission levels.
enum class perm : uint8_t { public_, read, write, admin };
/// "public", "read", "write", "admin".
const char* to_string(perm p);

/// One JSON-RPC method.
struct method_spec {
  const char* name;     ///< "blob.Submit"
  const char* go_name;  ///< "Submit": the name permission errors carry
  perm need;
  size_t params;  ///< the exact positional parameter count
  /// Decodes `params` (an array of `params` elements) into the action, or a -32700 failure.
  std::function<result<rpc_action, int>(const std::shared_ptr<node_context>&, const ojson&)> decode;
};

/// The method called `name`, or nullptr.
const method_spec* find_method(std::string_view name);

/// The HTTP answer to one request body.
struct http_answer {
  unsigned status = 200;
  std::string body;  ///< empty: no body (only notifications)
};

/// Handles one request body. `authorized`: the request carried the valid token (or none is
/// configured), so every permission is granted; otherwise only `public`. Batch items run one
/// after another, like go-jsonrpc. Calls `done` exactly once, on any thread.
void handle_rpc(const std::shared_ptr<node_context>& ctx, const std::string& body, bool authorized,
                std::function<void(http_answer)> done);

/// Serializes without throwing (invalid UTF-8 becomes U+FFFD).
std::string dump(const ojson& j);

/// The error body of a request that could not be read (no id): used for the body limit.
std::string error_body(int code, const std::string& message);

}  // namespace dsdn::http::dn
