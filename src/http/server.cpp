// The listener and the server object: resolve + bind, accept on the acceptor's strand, a
// session per connection on its own strand, N io threads, and the graceful stop of BEAST.md
// section 5 (stop accepting, close idle connections, let busy ones finish within the grace
// period, then stop the io_context and join).

#include "dsdn/http/server.hpp"

#include <future>
#include <thread>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <caf/actor_system.hpp>

#include "context.hpp"
#include "dsdn/actors/coordinator.hpp"
#include "dsdn/actors/logging.hpp"
#include "session.hpp"

namespace dsdn::http {

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

/// Accepts connections until stopped; backs off briefly when accept fails (e.g. EMFILE).
class listener : public std::enable_shared_from_this<listener> {
 public:
  listener(net::io_context& io, tcp::acceptor&& acceptor, std::shared_ptr<server_context> ctx)
      : io_(io),
        acceptor_(std::move(acceptor)),
        ctx_(std::move(ctx)),
        retry_(acceptor_.get_executor()) {}

  void run() {
    net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
  }

  /// Closes the acceptor on its strand and waits (bounded) until it is closed, so the port is
  /// free when stop() returns. Call from a thread that is not running the io_context.
  void stop() {
    auto closed = std::make_shared<std::promise<void>>();
    auto done = closed->get_future();
    net::post(acceptor_.get_executor(), [self = shared_from_this(), closed] {
      error_code ec;
      self->acceptor_.close(ec);
      self->retry_.cancel();
      closed->set_value();
    });
    done.wait_for(std::chrono::seconds(2));
  }

 private:
  void do_accept() {
    if (!acceptor_.is_open())
      return;
    acceptor_.async_accept(net::make_strand(io_),
                           [self = shared_from_this()](error_code ec, tcp::socket socket) {
                             self->on_accept(ec, std::move(socket));
                           });
  }

  void on_accept(error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open())
      return;
    if (ec) {
      log().warn("http_accept_failed error=\"{}\"", ec.message());
      retry_.expires_after(std::chrono::milliseconds(50));
      retry_.async_wait([self = shared_from_this()](error_code wait_ec) {
        if (!wait_ec)
          self->do_accept();
      });
      return;
    }
    start_session(std::move(socket), ctx_);
    do_accept();
  }

  net::io_context& io_;
  tcp::acceptor acceptor_;
  std::shared_ptr<server_context> ctx_;
  net::steady_timer retry_;
};

class server_impl final : public http_server {
 public:
  server_impl(std::shared_ptr<net::io_context> io, std::shared_ptr<server_context> ctx)
      : io_(std::move(io)), ctx_(std::move(ctx)), guard_(net::make_work_guard(*io_)) {}

  ~server_impl() override { stop(); }

  uint16_t port() const override { return port_; }

  void stop() override {
    if (stopped_)
      return;
    stopped_ = true;
    if (listener_)
      listener_->stop();
    auto live = ctx_->sessions.begin_stop();
    for (auto& s : live)
      s->close_when_idle();
    live.clear();
    bool drained = ctx_->sessions.wait_empty(ctx_->cfg.shutdown_grace);
    guard_.reset();
    io_->stop();
    for (auto& t : threads_)
      if (t.joinable())
        t.join();
    log().info("http_stopped drained={} sessions_left={}", drained, ctx_->sessions.size());
  }

  result<bool, server_errc> listen(const tcp::endpoint& at) {
    tcp::acceptor acceptor(net::make_strand(*io_));
    error_code ec;
    acceptor.open(at.protocol(), ec);
    if (!ec)
      acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec)
      acceptor.bind(at, ec);
    if (!ec)
      acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec)
      return {server_errc::bind, "cannot listen on " + to_string(at) + ": " + ec.message()};
    port_ = acceptor.local_endpoint(ec).port();
    listener_ = std::make_shared<listener>(*io_, std::move(acceptor), ctx_);
    listener_->run();
    unsigned n = ctx_->cfg.threads == 0 ? 1 : ctx_->cfg.threads;
    threads_.reserve(n);
    for (unsigned i = 0; i < n; ++i)
      threads_.emplace_back([io = io_] { run_io(*io); });
    return true;
  }

  static std::string to_string(const tcp::endpoint& at) {
    auto a = at.address();
    return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" +
           std::to_string(at.port());
  }

 private:
  static void run_io(net::io_context& io) {
    // Handlers are written not to throw; if one does anyway, log it and keep serving.
    for (;;) {
      try {
        io.run();
        return;
      } catch (const std::exception& e) {
        log().error("http_handler_exception error=\"{}\"", e.what());
      }
    }
  }

  std::shared_ptr<net::io_context> io_;
  std::shared_ptr<server_context> ctx_;
  net::executor_work_guard<net::io_context::executor_type> guard_;
  std::shared_ptr<listener> listener_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  bool stopped_ = false;
};

}  // namespace

result<std::unique_ptr<http_server>, server_errc> http_server::start(caf::actor_system& sys,
                                                                     coordinator& node,
                                                                     server_config cfg) {
  auto io = std::make_shared<net::io_context>(static_cast<int>(cfg.threads == 0 ? 1 : cfg.threads));
  tcp::resolver resolver(*io);
  error_code ec;
  auto found = resolver.resolve(cfg.host, std::to_string(cfg.port), ec);
  if (ec || found.empty())
    return {server_errc::resolve,
            "cannot resolve http host '" + cfg.host + "': " + (ec ? ec.message() : "no address")};
  tcp::endpoint at = found.begin()->endpoint();

  auto ctx = std::make_shared<server_context>(sys, cfg);
  ctx->registry = node.registry();
  ctx->sm = node.state_machine();
  ctx->publisher = node.publisher();
  ctx->consumer = node.consumer();
  ctx->da = node.da();
  ctx->layers = node.layers();
  ctx->router = node.router();
  ctx->monitor = node.health_monitor();
  ctx->reconciler = node.reconciler();
  ctx->checker = node.consistency_checker();
  ctx->da_layer = node.da_kind();
  ctx->data_dir = node.data_dir_path();
  ctx->publisher_id_hex = core::to_hex(node.publisher_id());
  ctx->io = io;

  auto server = std::make_unique<server_impl>(io, ctx);
  auto listening = server->listen(at);
  if (!listening) {
    log().error("http_bind_failed address={} error=\"{}\"", server_impl::to_string(at),
                listening.error().message);
    return listening.error();
  }
  tcp::endpoint bound(at.address(), server->port());
  log().info("http_listening address={} host={} threads={} auth={}", server_impl::to_string(bound),
             cfg.host, cfg.threads == 0 ? 1 : cfg.threads,
             cfg.api_token.empty() ? "off" : "bearer");
  if (!at.address().is_loopback() && cfg.api_token.empty())
    log().warn(
        "http_unauthenticated_non_loopback address={} (state-changing requests are open to "
        "anyone who can reach it; set --api-token)",
        server_impl::to_string(bound));
  return std::unique_ptr<http_server>(std::move(server));
}

}  // namespace dsdn::http
