#include "http/client_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <optional>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace dsdn::http_test {

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

/// A sequence of requests on one keep-alive connection.
class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(net::io_context& io, tcp::endpoint to, const std::vector<request>& reqs,
             std::vector<response>& out, std::chrono::milliseconds timeout)
      : stream_(net::make_strand(io)), to_(to), reqs_(reqs), out_(out), timeout_(timeout) {
    out_.assign(reqs_.size(), response{});
  }

  void start() {
    stream_.expires_after(timeout_);
    stream_.async_connect(to_,
                          beast::bind_front_handler(&connection::on_connect, shared_from_this()));
  }

 private:
  void on_connect(beast::error_code ec) {
    if (ec)
      return fail(ec);
    next();
  }

  void next() {
    if (i_ == reqs_.size()) {
      beast::error_code ec;
      stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
      return;
    }
    const request& r = reqs_[i_];
    req_ = {};
    req_.method_string(r.method);
    req_.target(r.target);
    req_.version(11);
    req_.set(bhttp::field::host, "127.0.0.1");
    if (!r.content_type.empty())
      req_.set(bhttp::field::content_type, r.content_type);
    if (!r.token.empty())
      req_.set(bhttp::field::authorization, "Bearer " + r.token);
    for (auto& [k, v] : r.headers)
      req_.set(k, v);
    req_.body() = r.body;
    req_.keep_alive(true);
    req_.prepare_payload();
    stream_.expires_after(timeout_);
    bhttp::async_write(stream_, req_,
                       beast::bind_front_handler(&connection::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, std::size_t) {
    if (ec)
      return fail(ec);
    parser_.emplace();
    parser_->body_limit(64 * 1024 * 1024);
    stream_.expires_after(timeout_);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&connection::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec)
      return fail(ec);
    auto& res = parser_->get();
    response& out = out_[i_];
    out.status = static_cast<int>(res.result_int());
    out.body = res.body();
    out.keep_alive = res.keep_alive();
    for (auto& field : res)
      out.headers[lower(std::string(field.name_string()))] = std::string(field.value());
    ++i_;
    if (!out.keep_alive && i_ < reqs_.size())
      return fail(beast::error_code(net::error::connection_aborted));
    next();
  }

  void fail(beast::error_code ec) {
    for (size_t j = i_; j < out_.size(); ++j)
      out_[j].error = ec.message();
  }

  beast::tcp_stream stream_;
  tcp::endpoint to_;
  const std::vector<request>& reqs_;
  std::vector<response>& out_;
  std::chrono::milliseconds timeout_;
  size_t i_ = 0;
  beast::flat_buffer buffer_;
  bhttp::request<bhttp::string_body> req_;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser_;
};

}  // namespace

request post(std::string target, std::string body, std::string token) {
  request r;
  r.method = "POST";
  r.target = std::move(target);
  r.body = std::move(body);
  r.token = std::move(token);
  return r;
}

request get(std::string target) {
  request r;
  r.target = std::move(target);
  r.content_type.clear();
  return r;
}

std::string response::header(const std::string& name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? std::string() : it->second;
}

std::vector<std::vector<response>> run_connections(
    uint16_t port, const std::vector<std::vector<request>>& connections,
    std::chrono::milliseconds timeout, unsigned threads, const std::string& address) {
  std::vector<std::vector<response>> out(connections.size());
  net::io_context io;
  tcp::endpoint to(net::ip::make_address(address), port);
  for (size_t i = 0; i < connections.size(); ++i)
    std::make_shared<connection>(io, to, connections[i], out[i], timeout)->start();
  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i)
    pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : pool)
    t.join();
  return out;
}

response fetch(uint16_t port, const request& r, const std::string& address) {
  return run_connections(port, {{r}}, std::chrono::milliseconds(30000), 1, address).at(0).at(0);
}

raw_socket::raw_socket(uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd_ < 0)
    return;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

raw_socket::~raw_socket() {
  if (fd_ >= 0)
    ::close(fd_);
}

bool raw_socket::send_all(const std::string& data, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t sent = 0;
  while (sent < data.size()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return false;
    pollfd p{fd_, POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      return false;
    ssize_t n = ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0)
      return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

std::string raw_socket::read_response(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string& buf = pending_;
  auto complete = [&]() -> size_t {
    size_t head_end = buf.find("\r\n\r\n");
    if (head_end == std::string::npos)
      return 0;
    std::string head = lower(buf.substr(0, head_end));
    size_t length = 0;
    size_t at = head.find("\r\ncontent-length:");
    if (at != std::string::npos)
      length = std::stoul(head.substr(at + 17));
    size_t total = head_end + 4 + length;
    return buf.size() >= total ? total : 0;
  };
  for (;;) {
    if (size_t total = complete()) {
      std::string out = buf.substr(0, total);
      buf.erase(0, total);
      return out;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return {};
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      return {};
    char chunk[65536];
    ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0)
      return {};
    buf.append(chunk, static_cast<size_t>(n));
  }
}

bool raw_socket::wait_closed(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0)
      return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      return false;
    char chunk[4096];
    ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0)
      return true;  // EOF or reset
  }
}

int status_of(const std::string& raw) {
  if (raw.size() < 12 || raw.compare(0, 5, "HTTP/") != 0)
    return 0;
  size_t space = raw.find(' ');
  if (space == std::string::npos)
    return 0;
  return std::atoi(raw.c_str() + space + 1);
}

}  // namespace dsdn::http_test
