// One DA node connection: the connection (connection.hpp) reads each request and writes its
// answer; here come the rules of go-jsonrpc's HTTP handler: 503 past max_connections, the
// bearer check (401 with an empty body), go-jsonrpc's answers to requests that could not be
// read, and the JSON-RPC body handled off the strand (request_timeout bounds waits).

#include "da_node_session.hpp"

#include <string>

#include <boost/asio/post.hpp>
#include <boost/beast/http/field.hpp>

#include "connection.hpp"
#include "da_node_context.hpp"
#include "da_node_rpc.hpp"
#include "router.hpp"

namespace dsdn::http::dn {

namespace {

namespace bhttp = boost::beast::http;
namespace net = boost::asio;

/// The `token` query parameter (go-jsonrpc also accepts `?token=<jwt>`), or "".
std::string query_token(const std::string& target) {
  const size_t q = target.find('?');
  if (q == std::string::npos)
    return {};
  const std::string query = target.substr(q + 1);
  for (size_t start = 0; start <= query.size();) {
    size_t end = query.find('&', start);
    if (end == std::string::npos)
      end = query.size();
    const std::string item = query.substr(start, end - start);
    if (item.rfind("token=", 0) == 0)
      return percent_decode(item.substr(6), true);
    start = end + 1;
  }
  return {};
}

connection_config limits_of(const da_node_config& cfg) {
  connection_config c;
  c.body_limit = cfg.body_limit;
  c.header_limit = 16 * 1024;
  c.read_timeout = cfg.read_timeout;
  c.write_timeout = cfg.write_timeout;
  c.server_name = "dsdn-da-node";
  return c;
}

constexpr const char* text_type = "text/plain; charset=utf-8";

class node_session final : public connection {
 public:
  node_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<node_context> ctx)
      : connection(std::move(socket), std::shared_ptr<session_registry>(ctx, &ctx->sessions),
                   limits_of(ctx->cfg)),
        ctx_(std::move(ctx)) {}

 private:
  void on_request(request&& req) override {
    std::string auth(req[bhttp::field::authorization]);
    bool authorized = true;
    if (!ctx_->cfg.auth_token.empty()) {
      if (auth.empty()) {
        const std::string t = query_token(std::string(req.target()));
        if (!t.empty())
          auth = "Bearer " + t;
      }
      if (auth.empty()) {
        authorized = false;  // public methods only
      } else if (auth.rfind("Bearer ", 0) != 0 || !bearer_matches(auth, ctx_->cfg.auth_token)) {
        return send(401, {}, {});  // go-jsonrpc: 401, empty body
      }
    }
    auto self = std::static_pointer_cast<node_session>(shared_from_this());
    handle_rpc(ctx_, req.body(), authorized, [self](http_answer a) {
      net::post(self->strand(), [self, a = std::move(a)]() mutable {
        const std::string type = a.body.empty() ? "" : "application/json";
        self->send(a.status, std::move(a.body), type);
      });
    });
  }

  void on_refused(refusal why, const std::string& detail) override {
    if (why == refusal::body_limit)  // go-jsonrpc's answer to a body over its maxRequestSize
      return send(
          500,
          error_body(rpc_parse_error, "request bigger than maximum " +
                                          std::to_string(ctx_->cfg.body_limit) + " allowed"),
          "application/json", {}, true);
    if (why == refusal::header_limit)
      return send(431, "request header fields too large", text_type, {}, true);
    send(400, "malformed HTTP request: " + detail, text_type, {}, true);
  }

  std::shared_ptr<node_context> ctx_;
};

}  // namespace

void start_node_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<node_context> ctx) {
  const bool full = ctx->sessions.size() >= ctx->cfg.max_connections;
  auto s = std::make_shared<node_session>(std::move(socket), std::move(ctx));
  if (full)
    return s->refuse_unread(503, "server busy, try again later", text_type);
  s->start();
}

}  // namespace dsdn::http::dn
