// One connection of the coordinator's API: the connection (connection.hpp) reads each request
// and writes its answer; here a request is routed (router.hpp) and its handler answers through
// respond(), possibly later from an actor's answer; the time and status of each answer go to
// the metrics. Everything here runs on the connection's strand.

#include "session.hpp"

#include <chrono>
#include <string>

#include <boost/beast/http/field.hpp>

#include "connection.hpp"
#include "context.hpp"
#include "router.hpp"

namespace dsdn::http {

namespace {

namespace bhttp = boost::beast::http;

connection_config limits_of(const server_config& cfg) {
  connection_config c;
  c.body_limit = cfg.body_limit;
  c.header_limit = cfg.header_limit;
  c.read_timeout = cfg.read_timeout;
  c.write_timeout = cfg.write_timeout;
  c.server_name = "dsdn-coordinator";
  return c;
}

class session final : public connection, public responder {
 public:
  session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<server_context> ctx)
      : connection(std::move(socket), std::shared_ptr<session_registry>(ctx, &ctx->sessions),
                   limits_of(ctx->cfg)),
        ctx_(std::move(ctx)) {}

  boost::asio::any_io_executor executor() const override { return strand(); }

  void respond(reply r) override {
    send(r.status, std::move(r.body), r.content_type, r.headers, r.close);
  }

 private:
  void on_request(request&& req) override {
    started_ = std::chrono::steady_clock::now();
    method_ = req.method() == bhttp::verb::unknown ? "other" : std::string(req.method_string());
    request_head head{std::string(req.method_string()), std::string(req.target()),
                      std::string(req[bhttp::field::content_type]),
                      std::string(req[bhttp::field::authorization])};
    route_ = dispatch(ctx_, std::move(head), std::move(req.body()),
                      std::static_pointer_cast<session>(shared_from_this()));
  }

  void on_refused(refusal why, const std::string& detail) override {
    started_ = std::chrono::steady_clock::now();
    method_ = "other";
    route_ = "invalid";
    unsigned status = 400;
    std::string message = "malformed HTTP request: " + detail;
    if (why == refusal::body_limit) {
      status = 413;
      message = "request body exceeds " + std::to_string(ctx_->cfg.body_limit) + " bytes";
    } else if (why == refusal::header_limit) {
      status = 431;
      message = "request header exceeds " + std::to_string(ctx_->cfg.header_limit) + " bytes";
    }
    // Fixed ASCII text: nothing to escape.
    send(status, R"({"error":")" + message + R"("})", "application/json", {}, true);
  }

  void on_written(unsigned status) override {
    std::chrono::duration<double> took = std::chrono::steady_clock::now() - started_;
    ctx_->metrics.observe(route_, method_, status, took.count());
  }

  std::shared_ptr<server_context> ctx_;
  const char* route_ = "invalid";
  std::string method_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace

void start_session(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<server_context> ctx) {
  std::make_shared<session>(std::move(socket), std::move(ctx))->start();
}

}  // namespace dsdn::http
