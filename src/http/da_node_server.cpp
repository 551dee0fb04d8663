// The DA node server: opens the store, binds, accepts connections (a session per connection
// on its own strand), runs io threads, and produces a block every block_time_ms on the store's
// worker thread, releasing the requests that waited for it. stop() follows BEAST.md section 5:
// stop the block timer and accepting, cancel waits, close idle connections, let busy ones
// finish within the grace period, stop the io_context, join, then close the store.

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "da_node_context.hpp"
#include "da_node_session.hpp"
#include "dsdn/actors/logging.hpp"

namespace dsdn::http {

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using dn::node_context;

/// Runs `fn` on `ex` and waits (bounded) until it ran. Call from a thread outside the pool.
template <class Executor, class F>
void run_and_wait(const Executor& ex, F fn) {
  auto ran = std::make_shared<std::promise<void>>();
  auto done = ran->get_future();
  net::post(ex, [fn = std::move(fn), ran]() mutable {
    fn();
    ran->set_value();
  });
  done.wait_for(std::chrono::seconds(2));
}

/// Accepts connections until stopped; backs off briefly when accept fails (e.g. EMFILE).
class node_listener : public std::enable_shared_from_this<node_listener> {
 public:
  node_listener(net::io_context& io, tcp::acceptor&& acceptor, std::shared_ptr<node_context> ctx)
      : io_(io),
        acceptor_(std::move(acceptor)),
        ctx_(std::move(ctx)),
        retry_(acceptor_.get_executor()) {}

  void run() {
    net::dispatch(acceptor_.get_executor(), [self = shared_from_this()] { self->do_accept(); });
  }

  void stop() {
    run_and_wait(acceptor_.get_executor(), [self = shared_from_this()] {
      error_code ec;
      self->acceptor_.close(ec);
      self->retry_.cancel();
    });
  }

 private:
  void do_accept() {
    if (!acceptor_.is_open())
      return;
    acceptor_.async_accept(net::make_strand(io_),
                           [self = shared_from_this()](error_code ec, tcp::socket s) {
                             self->on_accept(ec, std::move(s));
                           });
  }

  void on_accept(error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open())
      return;
    if (ec) {
      log().warn("da_node_accept_failed error=\"{}\"", ec.message());
      retry_.expires_after(std::chrono::milliseconds(50));
      retry_.async_wait([self = shared_from_this()](error_code e) {
        if (!e)
          self->do_accept();
      });
      return;
    }
    dn::start_node_session(std::move(socket), ctx_);
    do_accept();
  }

  net::io_context& io_;
  tcp::acceptor acceptor_;
  std::shared_ptr<node_context> ctx_;
  net::steady_timer retry_;
};

/// Produces a block every interval on the store's worker thread. A tick that comes while the
/// previous block is still being written is skipped (no burst of blocks after a slow disk).
class block_producer : public std::enable_shared_from_this<block_producer> {
 public:
  block_producer(net::io_context& io, std::shared_ptr<node_context> ctx)
      : timer_(net::make_strand(io)),
        ctx_(std::move(ctx)),
        interval_(std::chrono::milliseconds(ctx_->cfg.block_time_ms)) {}

  void start() {
    next_ = std::chrono::steady_clock::now() + interval_;
    net::dispatch(timer_.get_executor(), [self = shared_from_this()] { self->arm(); });
  }

  void stop() {
    run_and_wait(timer_.get_executor(), [self = shared_from_this()] {
      self->stopped_ = true;
      self->timer_.cancel();
    });
  }

 private:
  void arm() {
    if (stopped_)
      return;
    timer_.expires_at(next_);
    timer_.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec && !self->stopped_)
        self->fire();
    });
  }

  void fire() {
    const auto now = std::chrono::steady_clock::now();
    next_ += interval_;
    if (next_ <= now)
      next_ = now + interval_;
    if (!producing_.exchange(true)) {
      ctx_->on_worker([ctx = ctx_, self = shared_from_this()] {
        auto b = ctx->store->produce_block(std::chrono::system_clock::now());
        if (b) {
          log().debug("da_node_block height={} blobs={} shares={} hash={}", b.value().height,
                      b.value().blob_count, b.value().share_count, core::to_hex(b.value().hash));
          ctx->waiters.advance(b.value().height);
        } else {
          log().error("da_node_block_failed error=\"{}\"", b.error().message);
        }
        ctx->waiters.expire(std::chrono::steady_clock::now());
        self->producing_ = false;
      });
    } else {
      log().warn("da_node_block_skipped reason=\"the previous block is still being written\"");
    }
    arm();
  }

  net::steady_timer timer_;
  std::shared_ptr<node_context> ctx_;
  std::chrono::steady_clock::duration interval_;
  std::chrono::steady_clock::time_point next_;
  bool stopped_ = false;  // on the timer's strand
  std::atomic<bool> producing_{false};
};

std::string endpoint_text(const tcp::endpoint& at) {
  auto a = at.address();
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(at.port());
}

class node_server_impl final : public da_node_server {
 public:
  explicit node_server_impl(std::shared_ptr<node_context> ctx)
      : io_(std::make_shared<net::io_context>(static_cast<int>(ctx->cfg.threads))),
        ctx_(std::move(ctx)),
        guard_(net::make_work_guard(*io_)),
        key_hex_(core::to_hex(ctx_->store->validator_key())) {}

  ~node_server_impl() override { stop(); }

  uint16_t port() const override { return port_; }
  std::string validator_key_hex() const override { return key_hex_; }

  result<bool, da_node_errc> listen(const tcp::endpoint& at) {
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
      return {da_node_errc::bind, "cannot listen on " + endpoint_text(at) + ": " + ec.message()};
    port_ = acceptor.local_endpoint(ec).port();
    listener_ = std::make_shared<node_listener>(*io_, std::move(acceptor), ctx_);
    listener_->run();
    producer_ = std::make_shared<block_producer>(*io_, ctx_);
    producer_->start();
    for (unsigned i = 0; i < ctx_->cfg.threads; ++i)
      threads_.emplace_back([io = io_] { run_io(*io); });
    return true;
  }

  void stop() override {
    if (stopped_)
      return;
    stopped_ = true;
    if (producer_)
      producer_->stop();
    if (listener_)
      listener_->stop();
    ctx_->waiters.close();  // waiting Submits and reads answer "context canceled"
    auto live = ctx_->sessions.begin_stop();
    for (auto& s : live)
      s->close_when_idle();
    live.clear();
    const bool drained = ctx_->sessions.wait_empty(ctx_->cfg.shutdown_grace);
    guard_.reset();
    io_->stop();
    for (auto& t : threads_)
      if (t.joinable())
        t.join();
    ctx_->worker.join();
    ctx_->store.reset();  // closes the database and releases the data dir lock
    log().info("da_node_stopped drained={} sessions_left={}", drained, ctx_->sessions.size());
  }

 private:
  static void run_io(net::io_context& io) {
    for (;;) {
      try {
        io.run();
        return;
      } catch (const std::exception& e) {
        log().error("da_node_handler_exception error=\"{}\"", e.what());
      }
    }
  }

  std::shared_ptr<net::io_context> io_;
  std::shared_ptr<node_context> ctx_;
  net::executor_work_guard<net::io_context::executor_type> guard_;
  std::string key_hex_;
  std::shared_ptr<node_listener> listener_;
  std::shared_ptr<block_producer> producer_;
  std::vector<std::thread> threads_;
  uint16_t port_ = 0;
  bool stopped_ = false;
};

}  // namespace

result<std::unique_ptr<da_node_server>, da_node_errc> da_node_server::start(da_node_config cfg) {
  if (cfg.block_time_ms == 0)
    return {da_node_errc::config, "block time must be at least 1 ms"};
  if (cfg.threads == 0)
    cfg.threads = 1;
  if (cfg.max_connections == 0)
    return {da_node_errc::config, "max_connections must be at least 1"};
  da::node_store_options so;
  so.data_dir = cfg.data_dir;
  auto store = da::da_node_store::open(so);
  if (!store)
    return {da_node_errc::store, store.error().message};

  error_code ec;
  net::io_context resolver_io;
  tcp::resolver resolver(resolver_io);
  auto found = resolver.resolve(cfg.host, std::to_string(cfg.port), ec);
  if (ec || found.empty())
    return {da_node_errc::resolve,
            "cannot resolve host '" + cfg.host + "': " + (ec ? ec.message() : "no address")};
  const tcp::endpoint at = found.begin()->endpoint();

  auto ctx = std::make_shared<node_context>(std::move(cfg), std::move(store).value());
  auto server = std::make_unique<node_server_impl>(ctx);
  auto listening = server->listen(at);
  if (!listening) {
    log().error("da_node_bind_failed address={} error=\"{}\"", endpoint_text(at),
                listening.error().message);
    return listening.error();
  }
  const auto& key = ctx->store->validator_key();
  const auto head = ctx->store->head();
  log().info(
      "da_node_listening address={} port={} validator_key={} validator_key_b64={} head={} "
      "block_time_ms={} threads={} auth={} data_dir={}",
      endpoint_text(tcp::endpoint(at.address(), server->port())), server->port(), core::to_hex(key),
      da::base64_encode(key.data(), key.size()), head.height, ctx->cfg.block_time_ms,
      ctx->cfg.threads, ctx->cfg.auth_token.empty() ? "off" : "bearer", ctx->cfg.data_dir);
  if (!at.address().is_loopback() && ctx->cfg.auth_token.empty())
    log().warn(
        "da_node_unauthenticated_non_loopback address={} (anyone who can reach it may submit; "
        "set --auth-token)",
        endpoint_text(at));
  return std::unique_ptr<da_node_server>(std::move(server));
}

}  // namespace dsdn::http
