#pragma once
// What the coordinator's HTTP server and the DA node share below their protocols: an
// io_context with N threads, a listener (accept on its own strand, a new strand per
// connection, a short back-off when accept fails), and the graceful stop of BEAST.md section 5
// (stop accepting, close idle connections, let busy ones finish within the grace period, then
// stop the io_context and join).

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>

#include "context.hpp"

namespace dsdn::http {

class listener;

/// "a.b.c.d:port" or "[v6]:port".
std::string endpoint_text(const boost::asio::ip::tcp::endpoint& at);

/// Runs `fn` on `ex` and waits (bounded) until it ran. Call from a thread outside the pool.
template <class Executor, class F>
void run_and_wait(const Executor& ex, F fn) {
  auto ran = std::make_shared<std::promise<void>>();
  auto done = ran->get_future();
  boost::asio::post(ex, [fn = std::move(fn), ran]() mutable {
    fn();
    ran->set_value();
  });
  done.wait_for(std::chrono::seconds(2));
}

/// An io_context, its threads and one listener. Not thread-safe: drive it from one thread.
class io_server {
 public:
  /// Gets each accepted socket (already on its own strand).
  using accept_fn = std::function<void(boost::asio::ip::tcp::socket&&)>;

  /// `threads` io threads (at least one); `name` prefixes the log events ("http", "da_node").
  io_server(unsigned threads, std::string name);
  /// Stops the io_context and joins the threads if drain() did not.
  ~io_server();

  const std::shared_ptr<boost::asio::io_context>& io() const { return io_; }
  /// The bound port (after listen()).
  uint16_t port() const { return port_; }

  /// Binds and listens on `at` and starts accepting into `on_accept` (once the threads run).
  /// Returns "" or why it could not ("cannot listen on <at>: <reason>").
  std::string listen(const boost::asio::ip::tcp::endpoint& at, accept_fn on_accept);
  /// Starts the io threads.
  void run();
  /// Stops accepting; the port is free when it returns.
  void stop_accepting();
  /// Closes the idle sessions, lets busy ones finish within `grace`, then stops the
  /// io_context and joins the threads. True when every session finished in time.
  bool drain(session_registry& sessions, std::chrono::milliseconds grace);

 private:
  void join();

  unsigned threads_count_;
  std::string name_;
  std::shared_ptr<boost::asio::io_context> io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::shared_ptr<listener> listener_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
};

}  // namespace dsdn::http
