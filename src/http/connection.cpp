#include "connection.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

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

}  // namespace

connection::connection(tcp::socket&& socket, std::shared_ptr<session_registry> sessions,
                       connection_config cfg)
    : stream_(std::move(socket)),
      sessions_(std::move(sessions)),
      cfg_(cfg),
      ex_(stream_.get_executor()) {}

connection::~connection() {
  if (registered_)
    sessions_->remove(this);
}

void connection::start() {
  registered_ = sessions_->add(this, weak_from_this());
  if (!registered_)
    return;  // stopping: the socket closes with this object
  net::dispatch(ex_, beast::bind_front_handler(&connection::do_read, shared_from_this()));
}

void connection::refuse_unread(unsigned status, std::string body, const std::string& content_type) {
  net::dispatch(
      ex_, [self = shared_from_this(), status, body = std::move(body), content_type]() mutable {
        self->busy_ = true;
        self->linger_ = true;
        self->send(status, std::move(body), content_type, {}, true);
      });
}

void connection::close_when_idle() {
  net::post(ex_, [self = shared_from_this()] {
    self->closing_ = true;
    if (!self->busy_)
      self->stream_.close();  // a pending read or linger completes with operation_aborted
  });
}

void connection::send(unsigned status, std::string body, const std::string& content_type,
                      const headers& extra, bool close) {
  if (!busy_ || responded_)
    return;
  responded_ = true;
  auto res = std::make_shared<bhttp::response<bhttp::string_body>>(
      static_cast<bhttp::status>(status), version_);
  res->set(bhttp::field::server, cfg_.server_name);
  if (!content_type.empty())
    res->set(bhttp::field::content_type, content_type);
  for (auto& [name, value] : extra)
    res->set(name, value);
  res->body() = std::move(body);
  const bool keep = keep_alive_ && !close && !closing_ && !sessions_->stopping();
  res->keep_alive(keep);
  res->prepare_payload();
  status_ = status;
  res_ = std::move(res);
  stream_.expires_after(cfg_.write_timeout);
  bhttp::async_write(stream_, *res_,
                     beast::bind_front_handler(&connection::on_write, shared_from_this(), !keep));
}

void connection::do_read() {
  if (closing_ || sessions_->stopping())
    return do_close();
  parser_.emplace();
  parser_->body_limit(cfg_.body_limit);
  parser_->header_limit(static_cast<std::uint32_t>(
      std::min<size_t>(cfg_.header_limit, std::numeric_limits<std::uint32_t>::max())));
  // Covers the whole request: an idle keep-alive client and one that sends half a request
  // and stalls are both dropped when it expires.
  stream_.expires_after(cfg_.read_timeout);
  bhttp::async_read(stream_, buffer_, *parser_,
                    beast::bind_front_handler(&connection::on_read, shared_from_this()));
}

void connection::on_read(beast::error_code ec, std::size_t) {
  if (ec == bhttp::error::end_of_stream || ec == net::error::operation_aborted ||
      ec == beast::error::timeout)
    return do_close();
  const bool parse_error =
      ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
  if (ec && !parse_error)
    return do_close();  // a transport error: nobody to answer
  busy_ = true;
  if (ec) {
    linger_ = true;
    const refusal why = ec == bhttp::error::body_limit     ? refusal::body_limit
                        : ec == bhttp::error::header_limit ? refusal::header_limit
                                                           : refusal::malformed;
    return on_refused(why, ec.message());
  }
  auto& req = parser_->get();
  version_ = req.version();
  keep_alive_ = req.keep_alive();
  request taken = parser_->release();
  parser_.reset();
  // No I/O is pending while the request is handled: the handler's own timeout bounds it.
  stream_.expires_never();
  on_request(std::move(taken));
}

void connection::on_write(bool close, beast::error_code ec, std::size_t) {
  on_written(status_);
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
void connection::do_linger() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec || closing_)
    return;
  stream_.expires_after(
      std::min<std::chrono::steady_clock::duration>(cfg_.read_timeout, linger_max_time));
  linger_buffer_.resize(64 * 1024);
  stream_.async_read_some(net::buffer(linger_buffer_),
                          beast::bind_front_handler(&connection::on_linger, shared_from_this()));
}

void connection::on_linger(beast::error_code ec, std::size_t n) {
  lingered_ += n;
  if (ec || closing_ || lingered_ > linger_max_bytes)
    return;  // the socket closes with this object
  stream_.async_read_some(net::buffer(linger_buffer_),
                          beast::bind_front_handler(&connection::on_linger, shared_from_this()));
}

void connection::do_close() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace dsdn::http
