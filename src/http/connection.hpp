#pragma once
// One keep-alive HTTP/1.1 connection (BEAST.md section 2), shared by the coordinator's API and
// the DA node: a fresh parser per request with body and header limits, the read timeout over
// the whole request, no timer while the request is being handled, the answer written with the
// write timeout, then the next request; a lingering close after refusals; registration with the
// server's session registry for the graceful stop. What a request means is the subclass's.
// Everything here runs on the connection's strand.

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "context.hpp"

namespace dsdn::http {

/// The limits and the name a server gives each of its connections.
struct connection_config {
  size_t body_limit = 0;
  size_t header_limit = 0;
  std::chrono::milliseconds read_timeout{0};   // idle keep-alive, slow clients
  std::chrono::milliseconds write_timeout{0};  // a client that does not read its answer
  const char* server_name = "";                // the Server header
};

/// Why a request could not be read whole while its client can still be answered.
enum class refusal : uint8_t { body_limit, header_limit, malformed };

/// A connection; subclasses answer the requests (on_request, on_refused) through send().
class connection : public std::enable_shared_from_this<connection>, public closable {
 public:
  using request = boost::beast::http::request<boost::beast::http::string_body>;
  using headers = std::vector<std::pair<std::string, std::string>>;

  /// `sessions` must hold the registry the connection registers with (kept alive by it).
  connection(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<session_registry> sessions,
             connection_config cfg);
  ~connection() override;

  /// Registers with the session registry and starts reading; once the server is stopping,
  /// does nothing (the socket closes with this object).
  void start();
  /// Answers once without reading a request (e.g. 503 when over a connection limit), then
  /// closes with a lingering close. Not registered: the graceful stop does not wait for it.
  void refuse_unread(unsigned status, std::string body, const std::string& content_type);

  void close_when_idle() override;

 protected:
  /// The connection's strand.
  const boost::asio::any_io_executor& strand() const { return ex_; }
  /// A whole request arrived: answer it with send(), now or later (on the strand).
  virtual void on_request(request&& req) = 0;
  /// A request could not be read whole (`detail`: the parser's message): answer it with
  /// send(); the connection then closes with a lingering close.
  virtual void on_refused(refusal why, const std::string& detail) = 0;
  /// The answer with `status` was written (or failed to be).
  virtual void on_written(unsigned status) { (void)status; }

  /// Sends the answer to the current request; `close` (or a client, server or request that
  /// does not keep alive) ends the connection after it. Later calls for the same request
  /// are ignored.
  void send(unsigned status, std::string body, const std::string& content_type,
            const headers& extra = {}, bool close = false);

 private:
  void do_read();
  void on_read(boost::beast::error_code ec, std::size_t);
  void on_write(bool close, boost::beast::error_code ec, std::size_t);
  void do_linger();
  void on_linger(boost::beast::error_code ec, std::size_t n);
  void do_close();

  boost::beast::tcp_stream stream_;
  std::shared_ptr<session_registry> sessions_;
  const connection_config cfg_;
  boost::asio::any_io_executor ex_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::shared_ptr<boost::beast::http::response<boost::beast::http::string_body>> res_;
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
};

}  // namespace dsdn::http
