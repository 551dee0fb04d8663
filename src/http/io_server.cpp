#include "io_server.hpp"

#include <exception>
#include <utility>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "dsdn/actors/logging.hpp"

namespace dsdn::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

/// Accepts connections until stopped; backs off briefly when accept fails (e.g. EMFILE).
class listener : public std::enable_shared_from_this<listener> {
 public:
  listener(net::io_context& io, tcp::acceptor&& acceptor, io_server::accept_fn on_accept,
           const std::string& name)
      : io_(io),
        acceptor_(std::move(acceptor)),
        on_accept_(std::move(on_accept)),
        name_(name),
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
                           [self = shared_from_this()](error_code ec, tcp::socket socket) {
                             self->on_accept(ec, std::move(socket));
                           });
  }

  void on_accept(error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor_.is_open())
      return;
    if (ec) {
      log().warn("{}_accept_failed error=\"{}\"", name_, ec.message());
      retry_.expires_after(std::chrono::milliseconds(50));
      retry_.async_wait([self = shared_from_this()](error_code wait_ec) {
        if (!wait_ec)
          self->do_accept();
      });
      return;
    }
    on_accept_(std::move(socket));
    do_accept();
  }

  net::io_context& io_;
  tcp::acceptor acceptor_;
  io_server::accept_fn on_accept_;
  const std::string name_;
  net::steady_timer retry_;
};

std::string endpoint_text(const tcp::endpoint& at) {
  auto a = at.address();
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(at.port());
}

io_server::io_server(unsigned threads, std::string name)
    : threads_count_(threads == 0 ? 1 : threads),
      name_(std::move(name)),
      io_(std::make_shared<net::io_context>(static_cast<int>(threads_count_))),
      guard_(net::make_work_guard(*io_)) {}

io_server::~io_server() {
  guard_.reset();
  io_->stop();
  join();
}

std::string io_server::listen(const tcp::endpoint& at, accept_fn on_accept) {
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
    return "cannot listen on " + endpoint_text(at) + ": " + ec.message();
  port_ = acceptor.local_endpoint(ec).port();
  listener_ = std::make_shared<listener>(*io_, std::move(acceptor), std::move(on_accept), name_);
  listener_->run();
  return {};
}

void io_server::run() {
  threads_.reserve(threads_count_);
  for (unsigned i = 0; i < threads_count_; ++i)
    threads_.emplace_back([io = io_, this] {
      // Handlers are written not to throw; if one does anyway, log it and keep serving.
      for (;;) {
        try {
          io->run();
          return;
        } catch (const std::exception& e) {
          log().error("{}_handler_exception error=\"{}\"", name_, e.what());
        }
      }
    });
}

void io_server::stop_accepting() {
  if (listener_)
    listener_->stop();
}

bool io_server::drain(session_registry& sessions, std::chrono::milliseconds grace) {
  auto live = sessions.begin_stop();
  for (auto& s : live)
    s->close_when_idle();
  live.clear();
  const bool drained = sessions.wait_empty(grace);
  guard_.reset();
  io_->stop();
  join();
  return drained;
}

void io_server::join() {
  for (auto& t : threads_)
    if (t.joinable())
      t.join();
  threads_.clear();
}

}  // namespace dsdn::http
