// The JSON-RPC envelope of the DA node (see da_node_rpc.hpp). Mirrors go-jsonrpc's
// handleReader/handle: trim, empty -> 400 -32600 "Invalid request"; '[' ... ']' -> batch (a
// batch that does not decode -> "Parse error", an empty one -> -32600, items one after another,
// HTTP 200 whatever the items answer); otherwise a single request ("unmarshaling request: ..."
// on a decode error). Per call: method lookup (-32601), param count (-32602), param decoding
// (-32700), then the permission check (code 1), then the method. In a single request, protocol
// errors (everything but code 1) are HTTP 500, and 400 for -32600.

#include "da_node_rpc.hpp"

#include <atomic>
#include <vector>

#include "da_node_context.hpp"

namespace dsdn::http::dn {

namespace {

/// One call's JSON-RPC response object; `protocol` marks errors go-jsonrpc sends via rpcError.
struct call_outcome {
  ojson response;
  bool protocol = false;
  bool invalid_request = false;
  bool notification = false;  // no id: nothing is sent back
};

using outcome_fn = std::function<void(call_outcome)>;

ojson response_of(const ojson& id, const rpc_answer& a) {
  ojson r = ojson::object();
  r["jsonrpc"] = "2.0";
  r["id"] = id;
  if (a.error)
    r["error"] = ojson{{"code", a.error->code}, {"message", a.error->message}};
  else
    r["result"] = a.result;
  return r;
}

const char* go_type_of(const ojson& j) {
  if (j.is_string())
    return "string";
  if (j.is_number())
    return "number";
  if (j.is_boolean())
    return "bool";
  if (j.is_array())
    return "array";
  return "object";
}

/// Why `req` is not a request go-jsonrpc could decode, or "" when it is one.
std::string request_shape_error(const ojson& req) {
  const std::string prefix = "json: cannot unmarshal ";
  if (!req.is_object())
    return prefix + go_type_of(req) + " into Go value of type jsonrpc.request";
  auto method = req.find("method");
  if (method != req.end() && !method->is_string() && !method->is_null())
    return prefix + go_type_of(*method) + " into Go struct field request.method of type string";
  auto params = req.find("params");
  if (params != req.end() && !params->is_array() && !params->is_null())
    return prefix + go_type_of(*params) + " into Go struct field request.params of type []param";
  return {};
}

/// Runs one decoded request (an object of the right shape) and reports its outcome.
void run_call(const std::shared_ptr<node_context>& ctx, const ojson& req, bool authorized,
              outcome_fn done) {
  const bool notification = !req.contains("id");
  ojson id = notification ? ojson(nullptr) : req["id"];
  if (!id.is_null() && !id.is_string() && !id.is_number()) {
    const char* type = id.is_object()  ? "map[string]interface {}"
                       : id.is_array() ? "[]interface {}"
                                       : "bool";
    call_outcome o{response_of(nullptr, rpc_answer::fail(rpc_parse_error,
                                                         std::string("failed to parse ID: invalid "
                                                                     "id type: ") +
                                                             type)),
                   true, false, false};
    return done(std::move(o));
  }
  const std::string name = req.contains("method") && req["method"].is_string()
                               ? req["method"].get<std::string>()
                               : std::string();
  auto protocol = [&](int code, std::string message) {
    call_outcome o{response_of(id, rpc_answer::fail(code, std::move(message))), true,
                   code == rpc_invalid_request, notification};
    done(std::move(o));
  };
  const method_spec* m = find_method(name);
  if (!m)
    return protocol(rpc_method_not_found, "method '" + name + "' not found");
  static const ojson no_params = ojson::array();
  const ojson& params =
      req.contains("params") && req["params"].is_array() ? req["params"] : no_params;
  if (params.size() != m->params)
    return protocol(rpc_invalid_params, "wrong param count (method '" + name +
                                            "'): " + std::to_string(params.size()) +
                                            " != " + std::to_string(m->params));
  auto action = m->decode(ctx, params);
  if (!action)
    return protocol(action.error().code, action.error().message);
  if (!authorized && m->need != perm::public_) {
    done(call_outcome{
        response_of(id, rpc_answer::fail(rpc_app_error, std::string("missing permission to "
                                                                    "invoke '") +
                                                            m->go_name + "' (need '" +
                                                            to_string(m->need) + "')")),
        false, false, notification});
    return;
  }
  action.value()([id, notification, done](rpc_answer a) {
    // A code 0 answer is the recovered-panic path, which go-jsonrpc sends via rpcError.
    const bool fatal = a.error && a.error->code == rpc_fatal;
    done(call_outcome{response_of(id, a), fatal, false, notification});
  });
}

/// Runs batch items one after another and answers with the array of their responses. Items
/// may complete on the calling thread or later on another one: a trampoline keeps the stack flat
/// and lets one thread at a time advance the batch.
struct batch_run : std::enable_shared_from_this<batch_run> {
  std::shared_ptr<node_context> ctx;
  ojson items;
  bool authorized = false;
  std::function<void(http_answer)> done;
  ojson responses = ojson::array();
  size_t next = 0;
  std::atomic<size_t> steps{0};

  /// Asks for the next item to start (or the answer, after the last).
  void step() {
    if (steps.fetch_add(1) > 0)
      return;  // the thread in the loop below takes this step
    do
      start_next();
    while (steps.fetch_sub(1) > 1);
  }

 private:
  void start_next() {
    if (next == items.size()) {
      done(http_answer{200, dump(responses)});
      return;
    }
    const ojson& item = items[next++];
    auto self = shared_from_this();
    run_call(ctx, item, authorized, [self](call_outcome o) {
      if (!o.notification)
        self->responses.push_back(std::move(o.response));
      self->step();
    });
  }
};

std::string trim(const std::string& s) {
  const char* ws = " \t\r\n";
  const size_t b = s.find_first_not_of(ws);
  if (b == std::string::npos)
    return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

}  // namespace

const char* to_string(perm p) {
  switch (p) {
    case perm::public_:
      return "public";
    case perm::read:
      return "read";
    case perm::write:
      return "write";
    case perm::admin:
      return "admin";
  }
  return "unknown";
}

std::string dump(const ojson& j) {
  return j.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

std::string error_body(int code, const std::string& message) {
  return dump(response_of(nullptr, rpc_answer::fail(code, message)));
}

void handle_rpc(const std::shared_ptr<node_context>& ctx, const std::string& body, bool authorized,
                std::function<void(http_answer)> done) {
  const std::string text = trim(body);
  if (text.empty())
    return done(http_answer{400, error_body(rpc_invalid_request, "Invalid request")});
  const bool batch = text.front() == '[' && text.back() == ']';
  // Parsed once; nlohmann's message (without its "[json.exception.parse_error.101] " tag)
  // becomes the reason of a single request's parse error.
  ojson doc;
  std::string why;
  try {
    doc = ojson::parse(text);
  } catch (const ojson::exception& e) {
    why = e.what();
    if (auto close = why.find("] "); close != std::string::npos)
      why.erase(0, close + 2);
    doc = ojson(ojson::value_t::discarded);
  }
  if (batch) {
    if (doc.is_discarded() || !doc.is_array())
      return done(http_answer{500, error_body(rpc_parse_error, "Parse error")});
    if (doc.empty())
      return done(http_answer{400, error_body(rpc_invalid_request, "Invalid request")});
    // go-jsonrpc decodes the whole batch first: one malformed item fails all of it.
    for (const auto& item : doc)
      if (!request_shape_error(item).empty())
        return done(http_answer{500, error_body(rpc_parse_error, "Parse error")});
    auto run = std::make_shared<batch_run>();
    run->ctx = ctx;
    run->items = std::move(doc);
    run->authorized = authorized;
    run->done = std::move(done);
    return run->step();
  }
  if (doc.is_discarded())
    return done(http_answer{500, error_body(rpc_parse_error, "unmarshaling request: " + why)});
  if (const std::string bad = request_shape_error(doc); !bad.empty())
    return done(http_answer{500, error_body(rpc_parse_error, "unmarshaling request: " + bad)});
  run_call(ctx, doc, authorized, [done](call_outcome o) {
    if (o.notification)
      return done(http_answer{200, {}});
    const unsigned status = o.invalid_request ? 400 : o.protocol ? 500 : 200;
    done(http_answer{status, dump(o.response)});
  });
}

}  // namespace dsdn::http::dn
