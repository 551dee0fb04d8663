#pragma once
// A scripted celestia-node stand-in for the Celestia client tests: a real HTTP/1.1 listener on
// 127.0.0.1 that answers each JSON-RPC method with queued literal replies (EXAMPLES.md bodies,
// HTTP 401 with an empty body, garbage, delayed or endlessly trickling replies) or with a
// handler, and records every request it received.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace dsdn::http_test {

/// One scripted answer.
struct scripted_reply {
  int status = 200;
  std::string body;
  std::chrono::milliseconds delay{0};  // before anything is written
  /// When > 0: announce this Content-Length and send one byte per `trickle_every`.
  size_t trickle_total = 0;
  std::chrono::milliseconds trickle_every{20};
};

/// HTTP 200 with `body`.
inline scripted_reply reply(std::string body) {
  return scripted_reply{200, std::move(body)};
}
/// `{"jsonrpc":"2.0","id":1,"result":<result>}`.
inline scripted_reply result_reply(const nlohmann::json& result) {
  return reply(nlohmann::json{{"jsonrpc", "2.0"}, {"id", 1}, {"result", result}}.dump());
}
/// `{"jsonrpc":"2.0","id":1,"error":{"code":<code>,"message":<message>}}` with `status`.
inline scripted_reply error_reply(int64_t code, const std::string& message, int status = 200) {
  nlohmann::json j{
      {"jsonrpc", "2.0"}, {"id", 1}, {"error", {{"code", code}, {"message", message}}}};
  return scripted_reply{status, j.dump()};
}

/// A request as the server saw it.
struct seen_request {
  std::string method;
  nlohmann::json params;
  std::string authorization;
  std::string content_type;
  std::string target;
  std::string body;
};

class script_server {
 public:
  using handler = std::function<scripted_reply(const nlohmann::json& params)>;

  script_server() : acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { accept_loop(); });
  }

  ~script_server() { stop(); }

  script_server(const script_server&) = delete;
  script_server& operator=(const script_server&) = delete;

  uint16_t port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  /// Queues a reply for `method`; queued replies are used first, in order.
  void queue(const std::string& method, scripted_reply r) {
    std::lock_guard<std::mutex> lock(mutex_);
    queues_[method].push_back(std::move(r));
  }
  /// Answers `method` when its queue is empty.
  void handle(const std::string& method, handler h) {
    std::lock_guard<std::mutex> lock(mutex_);
    handlers_[method] = std::move(h);
  }

  std::vector<seen_request> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return seen_;
  }
  /// Requests received for `method`.
  size_t count(const std::string& method) const {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t n = 0;
    for (const auto& r : seen_) {
      n += r.method == method ? 1 : 0;
    }
    return n;
  }

  /// Stops accepting, interrupts delayed replies and joins every thread.
  void stop() {
    if (stopping_.exchange(true)) {
      return;
    }
    cv_.notify_all();
    {
      // Wakes the blocking accept().
      boost::asio::io_context io;
      boost::asio::ip::tcp::socket s(io);
      boost::system::error_code ec;
      s.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
    }
    if (accept_thread_.joinable()) {
      accept_thread_.join();
    }
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      threads.swap(connections_);
    }
    for (auto& t : threads) {
      t.join();
    }
  }

 private:
  void accept_loop() {
    while (!stopping_) {
      boost::asio::ip::tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (stopping_ || ec) {
        return;
      }
      std::lock_guard<std::mutex> lock(mutex_);
      connections_.emplace_back([this, s = std::move(socket)]() mutable { serve(std::move(s)); });
    }
  }

  /// Waits `d` unless the server stops first; false when it stopped.
  bool wait(std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> lock(mutex_);
    return !cv_.wait_for(lock, d, [this] { return stopping_.load(); });
  }

  scripted_reply pick(const std::string& method, const nlohmann::json& params) {
    handler h;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto& q = queues_[method];
      if (!q.empty()) {
        auto r = std::move(q.front());
        q.pop_front();
        return r;
      }
      auto it = handlers_.find(method);
      if (it != handlers_.end()) {
        h = it->second;
      }
    }
    if (h) {
      return h(params);
    }
    return error_reply(-32601, "method '" + method + "' not found", 500);
  }

  void serve(boost::asio::ip::tcp::socket socket) {
    namespace bhttp = boost::beast::http;
    boost::beast::flat_buffer buffer;
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    boost::system::error_code ec;
    bhttp::read(socket, buffer, parser, ec);
    if (ec) {
      return;
    }
    auto& req = parser.get();
    seen_request seen;
    seen.authorization = std::string(req[bhttp::field::authorization]);
    seen.content_type = std::string(req[bhttp::field::content_type]);
    seen.target = std::string(req.target());
    seen.body = req.body();
    auto j = nlohmann::json::parse(seen.body, nullptr, false);
    if (j.is_object()) {
      seen.method = j.value("method", std::string());
      seen.params = j.contains("params") ? j["params"] : nlohmann::json();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      seen_.push_back(seen);
    }
    scripted_reply r =
        j.is_object() ? pick(seen.method, seen.params) : error_reply(-32700, "parse error", 500);
    if (r.delay.count() > 0 && !wait(r.delay)) {
      return;
    }
    if (r.trickle_total > 0) {
      std::string head = "HTTP/1.1 " + std::to_string(r.status) +
                         " OK\r\nContent-Type: application/json\r\nContent-Length: " +
                         std::to_string(r.trickle_total) + "\r\nConnection: close\r\n\r\n";
      boost::asio::write(socket, boost::asio::buffer(head), ec);
      for (size_t sent = 0; !ec && sent < r.trickle_total; ++sent) {
        boost::asio::write(socket, boost::asio::buffer("[", 1), ec);
        if (!wait(r.trickle_every)) {
          return;
        }
      }
      return;
    }
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(r.status), 11};
    if (!r.body.empty()) {
      res.set(bhttp::field::content_type, "application/json");
    }
    res.set(bhttp::field::connection, "close");
    res.body() = r.body;
    res.prepare_payload();
    bhttp::write(socket, res, ec);
    socket.shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::map<std::string, std::deque<scripted_reply>> queues_;
  std::map<std::string, handler> handlers_;
  std::vector<seen_request> seen_;
  std::vector<std::thread> connections_;
  std::thread accept_thread_;
};

}  // namespace dsdn::http_test
