// One connection: read a request (fresh parser with body and header limits, read timeout),
// route it, wait for the handler's answer (no I/O pending meanwhile; the actor request's
// timeout bounds the wait), write it (write timeout), then read the next one (keep-alive).
// Everything here runs on the connection's strand.

#include "session.hpp"

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

#include "context.hpp"
#include "router.hpp"

namespace dsdn::http {

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

/// Bytes a lingering close reads and discards at most (see do_linger).
constexpr size_t linger_max_bytes = 64 * 1024 * 1024;
/// How long a lingering close waits for the client to finish sending at most.
constexpr auto linger_max_time = 2s;

class session final : public std::enable_shared_from_this<session>,
                      public responder,
                      public closable {
 public:
  session(tcp::socket&& socket, std::shared_ptr<server_context> ctx)
      : stream_(std::move(socket)), ctx_(std::move(ctx)), ex_(stream_.get_executor()) {}

  ~session() override {
    if (registered_)
      ctx_->sessions.remove(this);
  }

  void run() {
    registered_ = ctx_->sessions.add(this, weak_from_this());
    if (!registered_)
      return;  // stopping: the socket closes with this object
    net::dispatch(ex_, beast::bind_front_handler(&session::do_read, shared_from_this()));
  }

  net::any_io_executor executor() const override { return ex_; }

  void respond(reply r) override {
    if (!busy_ || responded_)
      return;
    responded_ = true;
    auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
        static_cast<bhttp::status>(r.status), version_);
    res->set(bhttp::field::server, "dsdn-coordinator");
    if (!r.content_type.empty())
      res->set(bhttp::field::content_type, r.content_type);
    for (auto& [name, value] : r.headers)
      res->set(name, value);
    res->body() = std::move(r.body);
    bool keep = keep_alive_ && !r.close && !closing_ && !ctx_->sessions.stopping();
    res->keep_alive(keep);
    res->prepare_payload();
    status_ = r.status;
    res_ = std::move(res);
    stream_.expires_after(ctx_->cfg.write_timeout);
    bhttp::async_write(stream_, *res_,
                       beast::bind_front_handler(&session::on_write, shared_from_this(), !keep));
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
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<size_t>(ctx_->cfg.header_limit, std::numeric_limits<std::uint32_t>::max())));
    // Covers the whole request: an idle keep-alive client and one that sends half a request
    // and stalls are both dropped when it expires.
    stream_.expires_after(ctx_->cfg.read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted ||
        ec == beast::error::timeout)
      return do_close();
    if (ec == bhttp::error::body_limit)
      return refuse(413, "request body exceeds " + std::to_string(ctx_->cfg.body_limit) + " bytes");
    if (ec == bhttp::error::header_limit)
      return refuse(431,
                    "request header exceeds " + std::to_string(ctx_->cfg.header_limit) + " bytes");
    if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category())
      return refuse(400, "malformed HTTP request: " + ec.message());
    if (ec)
      return do_close();

    auto& req = parser_->get();
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    busy_ = true;
    started_ = std::chrono::steady_clock::now();
    method_ = req.method() == bhttp::verb::unknown ? "other" : std::string(req.method_string());
    request_head head{std::string(req.method_string()), std::string(req.target()),
                      std::string(req[bhttp::field::content_type]),
                      std::string(req[bhttp::field::authorization])};
    std::string body = std::move(req.body());
    parser_.reset();
    route_ = dispatch(ctx_, std::move(head), std::move(body), shared_from_this());
  }

  /// Answers a request that could not be read whole, then closes without a RST (lingering).
  void refuse(unsigned status, const std::string& message) {
    busy_ = true;
    linger_ = true;
    started_ = std::chrono::steady_clock::now();
    method_ = "other";
    route_ = "invalid";
    reply r;
    r.status = status;
    r.body = R"({"error":")" + message + R"("})";  // fixed ASCII text: nothing to escape
    r.close = true;
    respond(std::move(r));
  }

  void on_write(bool close, beast::error_code ec, std::size_t) {
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - started_;
    ctx_->metrics.observe(route_, method_, status_, took.count());
    res_.reset();
    busy_ = false;
    responded_ = false;
    if (ec)
      return do_close();
    if (close)
      return linger_ ? do_linger() : do_close();
    do_read();
  }

  // Closing a socket with unread request bytes makes the kernel send a RST, and the client may
  // lose our answer (e.g. the 413 for a body it is still sending). So: stop sending, read and
  // discard what keeps coming for a bounded time, then close.
  void do_linger() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec || closing_)
      return;
    stream_.expires_after(
        std::min<std::chrono::steady_clock::duration>(ctx_->cfg.read_timeout, linger_max_time));
    linger_buffer_.resize(64 * 1024);
    stream_.async_read_some(net::buffer(linger_buffer_),
                            beast::bind_front_handler(&session::on_linger, shared_from_this()));
  }

  void on_linger(beast::error_code ec, std::size_t n) {
    lingered_ += n;
    if (ec || closing_ || lingered_ > linger_max_bytes)
      return;  // the socket closes with this object
    stream_.async_read_some(net::buffer(linger_buffer_),
                            beast::bind_front_handler(&session::on_linger, shared_from_this()));
  }

  void do_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<server_context> ctx_;
  net::any_io_executor ex_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::shared_ptr<bhttp::response<bhttp::string_body>> res_;
  std::vector<char> linger_buffer_;
  size_t lingered_ = 0;
  unsigned version_ = 11;
  unsigned status_ = 0;
  bool keep_alive_ = false;
  bool registered_ = false;
  bool busy_ = false;       // a request is being handled (between read and write completion)
  bool responded_ = false;  // the current request was answered
  bool closing_ = false;    // the server is stopping: close when idle
  bool linger_ = false;
  const char* route_ = "invalid";
  std::string method_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace

void start_session(tcp::socket&& socket, std::shared_ptr<server_context> ctx) {
  std::make_shared<session>(std::move(socket), std::move(ctx))->run();
}

}  // namespace dsdn::http
