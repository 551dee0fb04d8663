#pragma once
// The bridge from an Asio strand into CAF (BEAST.md section 3): a request to an actor is sent
// from a short-lived event-based actor, and its answer (or error) is posted back to the
// connection's strand. The calling I/O thread never blocks.

#include <chrono>
#include <memory>
#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include "call.hpp"
#include "context.hpp"
#include "errors.hpp"

namespace dsdn::http {

namespace detail {

/// Keeps the io_context alive and its run() busy until the answer is posted. Members are
/// destroyed in reverse order: the tracked executor before the io_context it points into.
struct strand_link {
  strand_link(std::shared_ptr<boost::asio::io_context> ctx, const boost::asio::any_io_executor& ex)
      : io(std::move(ctx)),
        work(boost::asio::prefer(ex, boost::asio::execution::outstanding_work.tracked)) {}
  std::shared_ptr<boost::asio::io_context> io;
  boost::asio::any_io_executor work;
};

}  // namespace detail

/// Sends `xs...` to `dest` and calls `on_ok(Result&&)` or `on_err(const caf::error&)` on the
/// connection's strand. `Result` must be the reply type of the message in `dest`'s interface.
/// The callbacks must not throw.
template <class Result, class Handle, class OnOk, class OnErr, class... Ts>
void ask_or(const call& c, std::chrono::milliseconds timeout, const Handle& dest, OnOk on_ok,
            OnErr on_err, Ts... xs) {
  auto io = c.ctx->io.lock();
  if (!io) {
    // Only possible while the server is being torn down.
    c.send(reply{503, R"({"error":"server stopping"})", "application/json", {}, true});
    return;
  }
  auto link = std::make_shared<detail::strand_link>(std::move(io), c.out->executor());
  // `link` travels as a spawn argument: CAF 0.17 dereferences a null argument tuple when a
  // function-based actor is spawned without arguments (UBSan: reference binding to null).
  auto body = [=](caf::event_based_actor* self, std::shared_ptr<detail::strand_link> held) {
    // The actor terminates once this one response (or its timeout) is handled.
    self->request(dest, timeout, xs...)
        .then(
            [=](Result& r) {
              boost::asio::post(held->work,
                                [on_ok, r = std::move(r)]() mutable { on_ok(std::move(r)); });
            },
            [=](caf::error& e) {
              boost::asio::post(held->work, [on_err, e = std::move(e)] { on_err(e); });
            });
  };
  c.ctx->sys.spawn(body, std::move(link));
}

/// ask_or() with the server's request timeout and the standard error answer.
template <class Result, class Handle, class OnOk, class... Ts>
void ask(const call& c, const Handle& dest, OnOk on_ok, Ts... xs) {
  ask_or<Result>(
      c, c.ctx->cfg.request_timeout, dest, std::move(on_ok),
      [c](const caf::error& err) { send_error(c, err); }, std::move(xs)...);
}

}  // namespace dsdn::http
