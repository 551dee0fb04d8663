// The DA node server: opens the store, binds and accepts through io_server (a session per
// connection on its own strand, N io threads), and produces a block every block_time_ms on the
// store's worker thread, releasing the requests that waited for it. stop() follows BEAST.md
// section 5: stop the block timer and accepting, cancel waits, close idle connections, let
// busy ones finish within the grace period, stop the io_context, join, then close the store.

#include <atomic>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "da_node_context.hpp"
#include "da_node_session.hpp"
#include "dsdn/actors/logging.hpp"
#include "io_server.hpp"

namespace dsdn::http {

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;
using dn::node_context;

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

class node_server_impl final : public da_node_server {
 public:
  explicit node_server_impl(std::shared_ptr<node_context> ctx)
      : ctx_(std::move(ctx)),
        io_(ctx_->cfg.threads, "da_node"),
        key_hex_(core::to_hex(ctx_->store->validator_key())) {}

  ~node_server_impl() override { stop(); }

  uint16_t port() const override { return io_.port(); }
  std::string validator_key_hex() const override { return key_hex_; }

  result<bool, da_node_errc> listen(const tcp::endpoint& at) {
    auto failed = io_.listen(
        at, [ctx = ctx_](tcp::socket&& socket) { dn::start_node_session(std::move(socket), ctx); });
    if (!failed.empty())
      return {da_node_errc::bind, failed};
    producer_ = std::make_shared<block_producer>(*io_.io(), ctx_);
    producer_->start();
    io_.run();
    return true;
  }

  void stop() override {
    if (stopped_)
      return;
    stopped_ = true;
    if (producer_)
      producer_->stop();
    io_.stop_accepting();
    ctx_->waiters.close();  // waiting Submits and reads answer "context canceled"
    const bool drained = io_.drain(ctx_->sessions, ctx_->cfg.shutdown_grace);
    ctx_->worker.join();
    ctx_->store.reset();  // closes the database and releases the data dir lock
    log().info("da_node_stopped drained={} sessions_left={}", drained, ctx_->sessions.size());
  }

 private:
  std::shared_ptr<node_context> ctx_;
  io_server io_;
  std::string key_hex_;
  std::shared_ptr<block_producer> producer_;
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
