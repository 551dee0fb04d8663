// The coordinator's server object: resolve, bind and accept through io_server (a session per
// connection on its own strand, N io threads) and its graceful stop.

#include "dsdn/http/server.hpp"

#include <caf/actor_system.hpp>

#include "context.hpp"
#include "dsdn/actors/coordinator.hpp"
#include "dsdn/actors/logging.hpp"
#include "io_server.hpp"
#include "session.hpp"

namespace dsdn::http {

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

class server_impl final : public http_server {
 public:
  explicit server_impl(std::shared_ptr<server_context> ctx)
      : ctx_(std::move(ctx)), io_(ctx_->cfg.threads, "http") {
    ctx_->io = io_.io();
  }

  ~server_impl() override { stop(); }

  uint16_t port() const override { return io_.port(); }

  void stop() override {
    if (stopped_)
      return;
    stopped_ = true;
    io_.stop_accepting();
    bool drained = io_.drain(ctx_->sessions, ctx_->cfg.shutdown_grace);
    log().info("http_stopped drained={} sessions_left={}", drained, ctx_->sessions.size());
  }

  result<bool, server_errc> listen(const tcp::endpoint& at) {
    auto failed = io_.listen(
        at, [ctx = ctx_](tcp::socket&& socket) { start_session(std::move(socket), ctx); });
    if (!failed.empty())
      return {server_errc::bind, failed};
    io_.run();
    return true;
  }

 private:
  std::shared_ptr<server_context> ctx_;
  io_server io_;
  bool stopped_ = false;
};

}  // namespace

result<std::unique_ptr<http_server>, server_errc> http_server::start(caf::actor_system& sys,
                                                                     coordinator& node,
                                                                     server_config cfg) {
  net::io_context resolver_io;
  tcp::resolver resolver(resolver_io);
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
  ctx->committee = caf::actor_cast<peer_manager_actor>(cfg.committee);
  ctx->da_layer = node.da_kind();
  ctx->data_dir = node.data_dir_path();
  ctx->publisher_id_hex = core::to_hex(node.publisher_id());

  auto server = std::make_unique<server_impl>(ctx);
  auto listening = server->listen(at);
  if (!listening) {
    log().error("http_bind_failed address={} error=\"{}\"", endpoint_text(at),
                listening.error().message);
    return listening.error();
  }
  tcp::endpoint bound(at.address(), server->port());
  log().info("http_listening address={} host={} threads={} auth={}", endpoint_text(bound), cfg.host,
             cfg.threads == 0 ? 1 : cfg.threads, cfg.api_token.empty() ? "off" : "bearer");
  if (!at.address().is_loopback() && cfg.api_token.empty())
    log().warn(
        "http_unauthenticated_non_loopback address={} (state-changing requests are open to "
        "anyone who can reach it; set --api-token)",
        endpoint_text(bound));
  return std::unique_ptr<http_server>(std::move(server));
}

}  // namespace dsdn::http
