#pragma once
// Test helpers for the HTTP client and the management commands: a tiny HTTP server on
// 127.0.0.1 that records each request and answers with whatever the test's handler returns,
// and listeners that misbehave (never accept, accept and stay silent).

#include <sys/socket.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
// GCC 12 with -fsanitize=address,undefined and -O2 reports a false -Wmaybe-uninitialized for
// the boost::optional inside Beast's request parser (instantiated here by the fake servers).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <boost/beast/http.hpp>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

namespace clitest {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

/// A request as the fake server saw it.
struct seen_request {
  std::string method;
  std::string target;
  std::string body;
  std::string host;
  std::string content_type;
  std::string authorization;
};

/// What the handler wants sent back.
struct canned {
  int status = 200;
  std::string body = "{}";
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Serves one connection at a time on its own thread; each request gets handler(request).
class fake_server {
 public:
  using handler = std::function<canned(const seen_request&)>;

  explicit fake_server(handler h) : handler_(std::move(h)), acceptor_(io_) {
    tcp::endpoint at(net::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(at.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(at);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { loop(); });
  }
  ~fake_server() {
    stopping_ = true;
    // Wake the blocking accept with a connection of our own.
    boost::system::error_code ec;
    net::io_context io;
    tcp::socket s(io);
    s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), ec);
    thread_.join();
  }

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::vector<seen_request> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  seen_request last() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_.empty() ? seen_request{} : requests_.back();
  }

 private:
  void loop() {
    while (!stopping_) {
      boost::system::error_code ec;
      tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec || stopping_)
        continue;
      beast::flat_buffer buffer;
      bhttp::request<bhttp::string_body> req;
      bhttp::read(socket, buffer, req, ec);
      if (ec)
        continue;
      seen_request seen{std::string(req.method_string()),
                        std::string(req.target()),
                        req.body(),
                        std::string(req[bhttp::field::host]),
                        std::string(req[bhttp::field::content_type]),
                        std::string(req[bhttp::field::authorization])};
      {
        std::lock_guard<std::mutex> lock(mutex_);
        requests_.push_back(seen);
      }
      auto c = handler_(seen);
      bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(c.status), 11};
      if (!c.content_type.empty())
        res.set(bhttp::field::content_type, c.content_type);
      for (auto& [k, v] : c.headers)
        res.insert(k, v);
      res.body() = c.body;
      res.keep_alive(false);
      res.prepare_payload();
      bhttp::write(socket, res, ec);
      socket.shutdown(tcp::socket::shutdown_both, ec);
    }
  }

  handler handler_;
  net::io_context io_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<seen_request> requests_;
  std::thread thread_;
};

/// A listening socket that never accepts: connections complete in the kernel's backlog and
/// then nothing ever happens.
class silent_listener {
 public:
  silent_listener() : acceptor_(io_) {
    tcp::endpoint at(net::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(at.protocol());
    acceptor_.bind(at);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
  }
  uint16_t port() const { return port_; }

 private:
  net::io_context io_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
};

/// Accepts connections on a thread, optionally writes `prefix`, then holds them open without
/// another byte until destroyed.
class stalling_server {
 public:
  explicit stalling_server(std::string prefix = {}) : prefix_(std::move(prefix)), acceptor_(io_) {
    tcp::endpoint at(net::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(at.protocol());
    acceptor_.bind(at);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] {
      while (!stopping_) {
        boost::system::error_code ec;
        auto s = std::make_unique<tcp::socket>(io_);
        acceptor_.accept(*s, ec);
        if (ec || stopping_)
          continue;
        if (!prefix_.empty())
          net::write(*s, net::buffer(prefix_), ec);
        held_.push_back(std::move(s));
      }
    });
  }
  ~stalling_server() {
    stopping_ = true;
    boost::system::error_code ec;
    net::io_context io;
    tcp::socket s(io);
    s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), ec);
    thread_.join();
  }
  uint16_t port() const { return port_; }

 private:
  std::string prefix_;
  net::io_context io_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::vector<std::unique_ptr<tcp::socket>> held_;
  std::thread thread_;
};

}  // namespace clitest
