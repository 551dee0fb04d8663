// One DA node connection (BEAST.md section 2, like session.cpp): a fresh parser per request
// with the body limit, the read timeout over the whole request, the bearer check of
// go-jsonrpc's auth handler, the JSON-RPC body handled off the strand (no I/O pending and no
// timer armed meanwhile: request_timeout bounds waits), the answer written with the write
// timeout, then the next request. Everything here runs on the connection's strand.

#include "da_node_session.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "da_node_context.hpp"
#include "da_node_rpc.hpp"
#include "router.hpp"

namespace dsdn::http::dn {

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

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

class node_session final : public std::enable_shared_from_this<node_session>, public closable {
 public:
  node_session(tcp::socket&& socket, std::shared_ptr<node_context> ctx)
      : stream_(std::move(socket)), ctx_(std::move(ctx)), ex_(stream_.get_executor()) {}

  ~node_session() override {
    if (registered_)
      ctx_->sessions.remove(this);
  }

  void run() {
    if (ctx_->sessions.size() >= ctx_->cfg.max_connections) {
      return net::dispatch(ex_, [self = shared_from_this()] {
        self->busy_ = true;
        self->linger_ = true;
        self->respond(503, "server busy, try again later", "text/plain; charset=utf-8", true);
      });
    }
    registered_ = ctx_->sessions.add(this, weak_from_this());
    if (!registered_)
      return;  // stopping: the socket closes with this object
    net::dispatch(ex_, beast::bind_front_handler(&node_session::do_read, shared_from_this()));
  }

  void close_when_idle() override {
    net::post(ex_, [self = shared_from_this()] {
      self->closing_ = true;
      if (!self->busy_)
        self->stream_.close();  // a pending read or linger completes with operation_aborted
    });
  }

 private:
  void do_read() {
    if (closing_ || ctx_->sessions.stopping())
      return do_close();
    parser_.emplace();
    parser_->body_limit(ctx_->cfg.body_limit);
    parser_->header_limit(16 * 1024);
    stream_.expires_after(ctx_->cfg.read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&node_session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == beast::error::timeout)
      return do_close();
    if (ec && ec != bhttp::error::body_limit && ec != bhttp::error::header_limit &&
        ec.category() != bhttp::make_error_code(bhttp::error::bad_method).category())
      return do_close();  // a transport error: nobody to answer
    busy_ = true;
    if (ec == bhttp::error::body_limit) {
      // go-jsonrpc's answer to a body over its maxRequestSize.
      linger_ = true;
      return respond(
          500,
          error_body(rpc_parse_error, "request bigger than maximum " +
                                          std::to_string(ctx_->cfg.body_limit) + " allowed"),
          "application/json", true);
    }
    if (ec == bhttp::error::header_limit) {
      linger_ = true;
      return respond(431, "request header fields too large", "text/plain; charset=utf-8", true);
    }
    if (ec) {
      linger_ = true;
      return respond(400, "malformed HTTP request: " + ec.message(), "text/plain; charset=utf-8",
                     true);
    }
    auto& req = parser_->get();
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    std::string auth(req[bhttp::field::authorization]);
    const std::string target(req.target());
    std::string body = std::move(req.body());
    parser_.reset();

    bool authorized = true;
    if (!ctx_->cfg.auth_token.empty()) {
      if (auth.empty()) {
        const std::string t = query_token(target);
        if (!t.empty())
          auth = "Bearer " + t;
      }
      if (auth.empty()) {
        authorized = false;  // public methods only
      } else if (auth.rfind("Bearer ", 0) != 0 || !bearer_matches(auth, ctx_->cfg.auth_token)) {
        return respond(401, {}, {}, false);  // go-jsonrpc: 401, empty body
      }
    }
    stream_.expires_never();
    auto self = shared_from_this();
    handle_rpc(ctx_, body, authorized, [self](http_answer a) {
      net::post(self->ex_, [self, a = std::move(a)]() mutable {
        const std::string type = a.body.empty() ? "" : "application/json";
        self->respond(a.status, std::move(a.body), type, false);
      });
    });
  }

  void respond(unsigned status, std::string body, const std::string& content_type, bool close) {
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(status), version_);
    res->set(bhttp::field::server, "dsdn-da-node");
    if (!content_type.empty())
      res->set(bhttp::field::content_type, content_type);
    res->body() = std::move(body);
    const bool keep = keep_alive_ && !close && !closing_ && !ctx_->sessions.stopping();
    res->keep_alive(keep);
    res->prepare_payload();
    res_ = std::move(res);
    stream_.expires_after(ctx_->cfg.write_timeout);
    bhttp::async_write(
        stream_, *res_,
        beast::bind_front_handler(&node_session::on_write, shared_from_this(), !keep));
  }

  void on_write(bool close, beast::error_code ec, std::size_t) {
    res_.reset();
    busy_ = false;
    if (ec)
      return do_close();
    if (close)
      return linger_ ? do_linger() : do_close();
    do_read();
  }

  // Stop sending, then read and discard what the client still sends (bounded), so that
  // closing does not reset the connection before the client has read our answer.
  void do_linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec || closing_)
      return;
    stream_.expires_after(
        std::min<std::chrono::steady_clock::duration>(ctx_->cfg.read_timeout, 2s));
    linger_buffer_.resize(64 * 1024);
    stream_.async_read_some(
        net::buffer(linger_buffer_),
        beast::bind_front_handler(&node_session::on_linger, shared_from_this()));
  }

  void on_linger(beast::error_code ec, std::size_t n) {
    lingered_ += n;
    if (ec || closing_ || lingered_ > 64 * 1024 * 1024)
      return;
    stream_.async_read_some(
        net::buffer(linger_buffer_),
        beast::bind_front_handler(&node_session::on_linger, shared_from_this()));
  }

  void do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<node_context> ctx_;
  net::any_io_executor ex_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<bhttp::response<bhttp::string_body>> res_;
  std::vector<char> linger_buffer_;
  size_t lingered_ = 0;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool registered_ = false;
  bool busy_ = false;     // between a request read and its answer written
  bool closing_ = false;  // the server is stopping: close when idle
  bool linger_ = false;
};

}  // namespace

void start_node_session(tcp::socket&& socket, std::shared_ptr<node_context> ctx) {
  std::make_shared<node_session>(std::move(socket), std::move(ctx))->run();
}

}  // namespace dsdn::http::dn
