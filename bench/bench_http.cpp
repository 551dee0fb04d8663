// HTTP API throughput and latency: the coordinator's Beast server in front of the real actors
// on the embedded SQLite DA, against a bare Beast server, driven by one load generator.
//
//   metrics.register_per_s     POST /register answered 200 per second (distinct node ids,
//                              wait=applied, the default: durable in SQLite and applied)
//   metrics.register_p50_ms/p99_ms/max_ms   per-request latency of those
//   metrics.get_health_per_s / get_node_per_s   GET /health, GET /node/<registered id> per s
//   metrics.get_health_p99_ms / get_node_p99_ms
//   baseline.get_health_per_s / get_node_per_s  the same requests answered by a bare Beast
//                              server (same io thread count, one strand per connection,
//                              keep-alive) with a fixed body: the coordinator's own answer,
//                              captured once before the run
//   baseline.get_health_p99_ms / get_node_p99_ms
//   ratios.get_health_ratio / get_node_ratio   coordinator req/s over baseline req/s
//
// Goals (issue 3): both ratios >= 0.5; register >= 20,000/s with p99 <= 20 ms at 64
// connections. They are printed in the text line, not in the JSON (keys carry units only).
//
// Load: 64 keep-alive connections (TCP_NODELAY), each closed-loop (the next request goes out
// when the answer arrived), on an io_context with as many threads as the servers have. Every
// phase connects first, runs a warm-up, then counts the answers that arrive in the measured
// window; latencies are those of requests sent inside it. Client, coordinator (HTTP threads +
// CAF workers) and baseline share the machine's cores, as a co-located front end would.
//
// Full run: 0.5 s warm-up + 3 s measured per phase; --quick: 0.1 s + 0.4 s.

#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "bench_util.hpp"
#include "dsdn/actors/coordinator.hpp"
#include "dsdn/actors/logging.hpp"
#include "dsdn/http/server.hpp"

using namespace dsdn;

namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = beast::error_code;
using http_request = bhttp::request<bhttp::string_body>;
using http_response = bhttp::response<bhttp::string_body>;

constexpr size_t connections = 64;
/// The coordinator's default (server_config::threads); the baseline and the client use it too.
constexpr unsigned http_threads = 2;
constexpr auto io_timeout = std::chrono::seconds(10);

std::string make_temp_dir() {
  char tmpl[] = "/tmp/dsdn-bench-http-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  if (dir == nullptr) {
    std::perror("bench_http: mkdtemp");
    std::exit(1);
  }
  return dir;
}

/// Removes the temp dir however main returns.
struct temp_dir {
  std::string path = make_temp_dir();
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

double percentile_ms(std::vector<double>& v, double p) {
  if (v.empty())
    return 0;
  auto k = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
  k = std::min(k, v.size() - 1);
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k] * 1000.0;
}

/// The node id connection `conn` registers as its `seq`-th request.
std::string node_id(size_t conn, uint64_t seq) {
  return "bench-" + std::to_string(conn) + "-" + std::to_string(seq);
}

// ---- load generator -------------------------------------------------------------------------

/// Fills request number `seq` of connection `conn` (target, method, body). Called on the
/// connection's strand; must only read shared data.
using request_maker = std::function<void(size_t conn, uint64_t seq, http_request&)>;

/// One phase's timing, fixed before the connections start.
struct window {
  double measure_from = 0;  // answers from here on count
  double end = 0;           // no request is sent after this
};

/// What one connection saw.
struct connection_figures {
  uint64_t ok_total = 0;   // 200 answers, warm-up included
  uint64_t in_window = 0;  // 200 answers that arrived inside the measured window
  std::vector<double> latency_s;
  std::string error;  // the first failure; the connection stops there
};

/// One keep-alive client connection, closed-loop, on its own strand.
class client_connection : public std::enable_shared_from_this<client_connection> {
 public:
  client_connection(net::io_context& io, size_t index, const request_maker& make, const window& w)
      : stream_(net::make_strand(io)), index_(index), make_(make), window_(w) {}

  /// Connects synchronously (before the io_context runs).
  bool connect(const tcp::endpoint& at) {
    error_code ec;
    stream_.socket().connect(at, ec);
    if (!ec)
      stream_.socket().set_option(tcp::no_delay(true), ec);
    if (ec)
      figures_.error = "connect: " + ec.message();
    return !ec;
  }

  void start() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&client_connection::do_write, shared_from_this()));
  }

  connection_figures& figures() { return figures_; }

 private:
  void do_write() {
    sent_at_ = bench::now_s();
    if (sent_at_ >= window_.end)
      return finish();
    req_ = {};
    req_.version(11);
    req_.set(bhttp::field::host, "127.0.0.1");
    req_.keep_alive(true);
    make_(index_, seq_++, req_);
    req_.prepare_payload();
    stream_.expires_after(io_timeout);
    bhttp::async_write(stream_, req_,
                       beast::bind_front_handler(&client_connection::on_write, shared_from_this()));
  }

  void on_write(error_code ec, size_t) {
    if (ec)
      return fail("write: " + ec.message());
    res_ = {};
    bhttp::async_read(stream_, buffer_, res_,
                      beast::bind_front_handler(&client_connection::on_read, shared_from_this()));
  }

  void on_read(error_code ec, size_t) {
    if (ec)
      return fail("read: " + ec.message());
    if (res_.result_int() != 200)
      return fail(std::string(req_.method_string()) + " " + std::string(req_.target()) +
                  " answered " + std::to_string(res_.result_int()) + ": " + res_.body());
    double now = bench::now_s();
    ++figures_.ok_total;
    if (now >= window_.measure_from && now <= window_.end)
      ++figures_.in_window;
    if (sent_at_ >= window_.measure_from && now <= window_.end)
      figures_.latency_s.push_back(now - sent_at_);
    do_write();
  }

  void fail(std::string what) {
    figures_.error = std::move(what);
    finish();
  }

  void finish() {
    error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http_request req_;
  http_response res_;
  size_t index_;
  const request_maker& make_;
  const window& window_;
  uint64_t seq_ = 0;
  double sent_at_ = 0;
  connection_figures figures_;
};

struct load_figures {
  double per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  std::vector<uint64_t> ok_per_connection;  // 200 answers per connection, warm-up included
};

/// Drives `connections` connections against 127.0.0.1:`port` for `warmup_s` + `measure_s`.
/// Returns false (after printing why) when a connection failed.
bool run_load(const char* what, uint16_t port, double warmup_s, double measure_s,
              const request_maker& make, load_figures& out) {
  net::io_context io(static_cast<int>(http_threads));
  tcp::endpoint at(net::ip::address_v4::loopback(), port);
  window w;  // set below, before any connection starts
  std::vector<std::shared_ptr<client_connection>> conns;
  for (size_t i = 0; i < connections; ++i) {
    conns.push_back(std::make_shared<client_connection>(io, i, make, w));
    if (!conns.back()->connect(at)) {
      std::fprintf(stderr, "bench_http: %s: %s\n", what, conns.back()->figures().error.c_str());
      return false;
    }
  }
  // The clock starts once every connection is up.
  const double start = bench::now_s();
  w = {start + warmup_s, start + warmup_s + measure_s};
  for (auto& c : conns)
    c->start();
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < http_threads; ++i)
    threads.emplace_back([&io] { io.run(); });
  for (auto& t : threads)
    t.join();

  uint64_t answered = 0;
  std::vector<double> latency_s;
  for (auto& c : conns) {
    auto& f = c->figures();
    if (!f.error.empty()) {
      std::fprintf(stderr, "bench_http: %s: %s\n", what, f.error.c_str());
      return false;
    }
    answered += f.in_window;
    out.ok_per_connection.push_back(f.ok_total);
    latency_s.insert(latency_s.end(), f.latency_s.begin(), f.latency_s.end());
  }
  if (latency_s.empty()) {
    std::fprintf(stderr, "bench_http: %s: no request completed in the measured window\n", what);
    return false;
  }
  out.per_s = static_cast<double>(answered) / measure_s;
  out.max_ms = *std::max_element(latency_s.begin(), latency_s.end()) * 1000.0;
  out.p50_ms = percentile_ms(latency_s, 0.50);
  out.p99_ms = percentile_ms(latency_s, 0.99);
  return true;
}

/// One GET on a fresh connection; the body of a 200 answer, or "" (after printing why).
std::string fetch_body(uint16_t port, const std::string& target) {
  net::io_context io;
  beast::tcp_stream stream(io);
  error_code ec;
  stream.socket().connect(tcp::endpoint(net::ip::address_v4::loopback(), port), ec);
  http_request req{bhttp::verb::get, target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  http_response res;
  beast::flat_buffer buffer;
  if (!ec)
    bhttp::write(stream, req, ec);
  if (!ec)
    bhttp::read(stream, buffer, res, ec);
  if (ec || res.result_int() != 200) {
    std::fprintf(stderr, "bench_http: GET %s: %s\n", target.c_str(),
                 ec ? ec.message().c_str() : res.body().c_str());
    return {};
  }
  return res.body();
}

// ---- baseline server ------------------------------------------------------------------------

/// The fixed answers of the bare server: `node` for /node/..., `health` for anything else.
struct fixed_bodies {
  std::string health;
  std::string node;
};

/// One keep-alive server connection: read, answer the fixed body, repeat.
class baseline_session : public std::enable_shared_from_this<baseline_session> {
 public:
  baseline_session(tcp::socket&& socket, const fixed_bodies& bodies)
      : stream_(std::move(socket)), bodies_(bodies) {}

  void run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&baseline_session::do_read, shared_from_this()));
  }

 private:
  void do_read() {
    req_ = {};
    bhttp::async_read(stream_, buffer_, req_,
                      beast::bind_front_handler(&baseline_session::on_read, shared_from_this()));
  }

  void on_read(error_code ec, size_t) {
    if (ec)
      return stream_.close();
    res_ = http_response{bhttp::status::ok, req_.version()};
    res_.set(bhttp::field::content_type, "application/json");
    bool node = req_.target().substr(0, 6) == "/node/";
    res_.body() = node ? bodies_.node : bodies_.health;
    res_.keep_alive(req_.keep_alive());
    res_.prepare_payload();
    bhttp::async_write(stream_, res_,
                       beast::bind_front_handler(&baseline_session::on_write, shared_from_this()));
  }

  void on_write(error_code ec, size_t) {
    if (ec || !res_.keep_alive())
      return stream_.close();
    do_read();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http_request req_;
  http_response res_;
  const fixed_bodies& bodies_;
};

/// A bare Beast server on 127.0.0.1:0 with `http_threads` io threads, one strand per
/// connection, as the coordinator's server is shaped, minus routing, limits and actors.
class baseline_server {
 public:
  explicit baseline_server(fixed_bodies bodies)
      : bodies_(std::move(bodies)),
        io_(static_cast<int>(http_threads)),
        acceptor_(net::make_strand(io_), tcp::endpoint(net::ip::address_v4::loopback(), 0)) {
    do_accept();
    for (unsigned i = 0; i < http_threads; ++i)
      threads_.emplace_back([this] { io_.run(); });
  }

  ~baseline_server() {
    io_.stop();
    for (auto& t : threads_)
      t.join();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  void do_accept() {
    acceptor_.async_accept(net::make_strand(io_), [this](error_code ec, tcp::socket socket) {
      if (ec)
        return;  // closed by the destructor's stop
      error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      std::make_shared<baseline_session>(std::move(socket), bodies_)->run();
      do_accept();
    });
  }

  fixed_bodies bodies_;  // first: outlives the sessions the io_context destroys
  net::io_context io_;
  tcp::acceptor acceptor_;
  std::vector<std::thread> threads_;
};

// ---- the coordinator ------------------------------------------------------------------------

/// The request makers of the phases.
request_maker register_maker() {
  return [](size_t conn, uint64_t seq, http_request& req) {
    char body[192];
    std::snprintf(body, sizeof(body),
                  R"({"id":"%s","zone":"zone-%zu","addr":"10.%zu.%u.%u:7000","capacity_gb":100})",
                  node_id(conn, seq).c_str(), conn % 16, conn, unsigned(seq >> 8) & 255u,
                  unsigned(seq) & 255u);
    req.method(bhttp::verb::post);
    req.target("/register");
    req.set(bhttp::field::content_type, "application/json");
    req.body() = body;
  };
}

request_maker health_maker() {
  return [](size_t, uint64_t, http_request& req) {
    req.method(bhttp::verb::get);
    req.target("/health");
  };
}

/// GET /node/<id> over the ids each connection registered (`registered[conn]` of them).
request_maker node_maker(const std::vector<uint64_t>& registered) {
  return [&registered](size_t conn, uint64_t seq, http_request& req) {
    req.method(bhttp::verb::get);
    req.target("/node/" + node_id(conn, seq % registered[conn]));
  };
}

struct figures {
  load_figures reg, health, node, base_health, base_node;
};

/// Starts the coordinator (embedded SQLite DA in `data_dir`) and its HTTP server, runs the
/// phases against it and the baseline. Returns false (after printing why) on any failure.
bool run_all(const std::string& data_dir, double warmup_s, double measure_s, figures& out) {
  caf::actor_system_config cfg;
  configure_actor_system(cfg);
  // As `serve` does: one worker per core, at least two.
  cfg.set("scheduler.max-threads",
          static_cast<size_t>(std::max(2u, std::thread::hardware_concurrency())));
  caf::actor_system sys{cfg};
  coordinator_config cc;
  cc.data_dir = data_dir;
  auto started = coordinator::start(sys, cc);
  if (!started) {
    std::fprintf(stderr, "bench_http: coordinator failed to start: %s\n",
                 started.error().message.c_str());
    return false;
  }
  auto node = std::move(started).value();
  http::server_config sc;
  sc.port = 0;
  sc.threads = http_threads;
  auto listening = http::http_server::start(sys, *node, sc);
  if (!listening) {
    std::fprintf(stderr, "bench_http: http server failed to start: %s\n",
                 listening.error().message.c_str());
    node->stop();
    return false;
  }
  auto server = std::move(listening).value();
  const uint16_t port = server->port();

  bool ok = run_load("POST /register", port, warmup_s, measure_s, register_maker(), out.reg);
  const auto& registered = out.reg.ok_per_connection;
  if (ok && !std::all_of(registered.begin(), registered.end(), [](uint64_t n) { return n > 0; })) {
    std::fprintf(stderr, "bench_http: a connection registered no node\n");
    ok = false;
  }
  fixed_bodies bodies;
  if (ok) {
    bodies.health = fetch_body(port, "/health");
    bodies.node = fetch_body(port, "/node/" + node_id(0, 0));
    ok = !bodies.health.empty() && !bodies.node.empty();
  }
  if (ok) {
    baseline_server base(std::move(bodies));
    ok = run_load("GET /health", port, warmup_s, measure_s, health_maker(), out.health) &&
         run_load("baseline GET /health", base.port(), warmup_s, measure_s, health_maker(),
                  out.base_health) &&
         run_load("GET /node", port, warmup_s, measure_s, node_maker(registered), out.node) &&
         run_load("baseline GET /node", base.port(), warmup_s, measure_s, node_maker(registered),
                  out.base_node);
  }
  server->stop();
  server.reset();
  node->stop();
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  auto opt = bench::parse_options(argc, argv);
  const double warmup_s = opt.quick ? 0.1 : 0.5;
  const double measure_s = opt.quick ? 0.4 : 3.0;
  // Info lines (start, listening, stop) are not what this measures.
  configure_logging("warn", "text");

  temp_dir tmp;
  figures f;
  if (!run_all(tmp.path + "/data", warmup_s, measure_s, f))
    return 1;

  bench::report r("http");
  r.metric("register_per_s", f.reg.per_s);
  r.metric("register_p50_ms", f.reg.p50_ms);
  r.metric("register_p99_ms", f.reg.p99_ms);
  r.metric("register_max_ms", f.reg.max_ms);
  r.metric("get_health_per_s", f.health.per_s);
  r.metric("get_health_p99_ms", f.health.p99_ms);
  r.metric("get_node_per_s", f.node.per_s);
  r.metric("get_node_p99_ms", f.node.p99_ms);
  r.baseline("get_health_per_s", f.base_health.per_s);
  r.baseline("get_health_p99_ms", f.base_health.p99_ms);
  r.baseline("get_node_per_s", f.base_node.per_s);
  r.baseline("get_node_p99_ms", f.base_node.p99_ms);
  r.ratio("get_health_ratio", f.health.per_s / f.base_health.per_s);
  r.ratio("get_node_ratio", f.node.per_s / f.base_node.per_s);
  if (!opt.json) {
    std::printf(
        "http (%zu connections, %u http threads, %.1f s measured per phase):\n"
        "  POST /register %.0f/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms (goals >= 20000/s, "
        "p99 <= 20 ms)\n"
        "  GET /health %.0f/s (p99 %.2f ms) vs bare Beast %.0f/s (p99 %.2f ms): ratio %.2f "
        "(goal >= 0.5)\n"
        "  GET /node/<id> %.0f/s (p99 %.2f ms) vs bare Beast %.0f/s (p99 %.2f ms): ratio %.2f "
        "(goal >= 0.5)\n",
        connections, http_threads, measure_s, f.reg.per_s, f.reg.p50_ms, f.reg.p99_ms, f.reg.max_ms,
        f.health.per_s, f.health.p99_ms, f.base_health.per_s, f.base_health.p99_ms,
        f.health.per_s / f.base_health.per_s, f.node.per_s, f.node.p99_ms, f.base_node.per_s,
        f.base_node.p99_ms, f.node.per_s / f.base_node.per_s);
  }
  r.print();
  return 0;
}
