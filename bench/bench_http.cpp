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
// phase (or slice) connects first, runs a warm-up, then counts the answers that arrive in the
// measured window; latencies are those of requests sent inside it. Client, coordinator (HTTP
// threads + CAF workers) and baseline share the machine's cores, as a co-located front end would.
// The GET comparisons alternate short slices of coordinator and baseline (who goes first swaps
// every round) and sum each side, so load from other processes falls on both sides alike.
//
// Full run: POST 0.5 s warm-up + 3 s measured; each GET comparison 6 rounds of (0.1 s warm-up +
// 0.5 s measured) per side, 3 s measured per side. --quick: POST 0.1 s + 0.4 s; GET 2 rounds of
// (0.05 s + 0.2 s).

#include <algorithm>
#include <cstdint>
#include <cstdio>
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

/// What the measured windows of one side saw, summed over its slices.
struct load_totals {
  uint64_t answered = 0;  // 200 answers that arrived inside a measured window
  double measured_s = 0;  // the windows' total length
  std::vector<double> latency_s;
  std::vector<uint64_t> ok_per_connection;  // 200 answers per connection, warm-up included
};

struct load_figures {
  double per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
};

/// Drives `connections` connections against 127.0.0.1:`port` for `warmup_s` + `measure_s` and
/// adds what they saw to `out`. Returns false (after printing why) when a connection failed.
bool run_load(const char* what, uint16_t port, double warmup_s, double measure_s,
              const request_maker& make, load_totals& out) {
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

  out.ok_per_connection.resize(connections, 0);
  for (size_t i = 0; i < connections; ++i) {
    auto& f = conns[i]->figures();
    if (!f.error.empty()) {
      std::fprintf(stderr, "bench_http: %s: %s\n", what, f.error.c_str());
      return false;
    }
    out.answered += f.in_window;
    out.ok_per_connection[i] += f.ok_total;
    out.latency_s.insert(out.latency_s.end(), f.latency_s.begin(), f.latency_s.end());
  }
  out.measured_s += measure_s;
  return true;
}

/// Rates and latencies of `t`. Returns false (after printing why) when nothing completed.
bool summarize(const char* what, load_totals& t, load_figures& out) {
  if (t.latency_s.empty() || t.measured_s <= 0) {
    std::fprintf(stderr, "bench_http: %s: no request completed in the measured window\n", what);
    return false;
  }
  out.per_s = static_cast<double>(t.answered) / t.measured_s;
  out.max_ms = *std::max_element(t.latency_s.begin(), t.latency_s.end()) * 1000.0;
  out.p50_ms = bench::percentile_ms(t.latency_s, 0.50);
  out.p99_ms = bench::percentile_ms(t.latency_s, 0.99);
  return true;
}

/// How a coordinator-versus-baseline comparison is cut into alternating slices.
struct slicing {
  int rounds = 0;
  double warmup_s = 0;   // per slice (fresh connections each slice)
  double measure_s = 0;  // per slice; each side is measured rounds * measure_s in all
};

/// Runs `s.rounds` pairs of slices, the coordinator (`port`) and the baseline (`base_port`)
/// alternating and swapping who goes first every round, so background load on the shared
/// machine falls on both sides alike; each side's slices are summed.
bool run_interleaved(const std::string& what, uint16_t port, uint16_t base_port, const slicing& s,
                     const request_maker& make, load_figures& ours, load_figures& base) {
  const std::string base_what = "baseline " + what;
  load_totals ours_t, base_t;
  for (int round = 0; round < s.rounds; ++round) {
    bool ours_first = round % 2 == 0;
    for (int k = 0; k < 2; ++k) {
      bool ours_now = (k == 0) == ours_first;
      if (!run_load(ours_now ? what.c_str() : base_what.c_str(), ours_now ? port : base_port,
                    s.warmup_s, s.measure_s, make, ours_now ? ours_t : base_t))
        return false;
    }
  }
  return summarize(what.c_str(), ours_t, ours) && summarize(base_what.c_str(), base_t, base);
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

/// The run's timing: the POST phase runs once, the GET comparisons in slices.
struct timing {
  double warmup_s = 0;
  double measure_s = 0;
  slicing compare;
};

/// Starts the coordinator (embedded SQLite DA in `data_dir`) and its HTTP server, runs the
/// phases against it and the baseline. Returns false (after printing why) on any failure.
bool run_all(const std::string& data_dir, const timing& t, figures& out) {
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

  load_totals reg;
  bool ok = run_load("POST /register", port, t.warmup_s, t.measure_s, register_maker(), reg) &&
            summarize("POST /register", reg, out.reg);
  const auto& registered = reg.ok_per_connection;
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
    ok = run_interleaved("GET /health", port, base.port(), t.compare, health_maker(), out.health,
                         out.base_health) &&
         run_interleaved("GET /node", port, base.port(), t.compare, node_maker(registered),
                         out.node, out.base_node);
  }
  server->stop();
  server.reset();
  node->stop();
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  auto opt = bench::parse_options(argc, argv);
  timing t;
  t.warmup_s = opt.quick ? 0.1 : 0.5;
  t.measure_s = opt.quick ? 0.4 : 3.0;
  t.compare = opt.quick ? slicing{2, 0.05, 0.2} : slicing{6, 0.1, 0.5};
  // Info lines (start, listening, stop) are not what this measures.
  configure_logging("warn", "text");

  bench::temp_dir tmp("http");
  figures f;
  if (!run_all(tmp.path + "/data", t, f))
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
        "http (%zu connections, %u http threads; POST %.1f s measured; GET %d alternating "
        "rounds of %.2f s per side):\n"
        "  POST /register %.0f/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms (goals >= 20000/s, "
        "p99 <= 20 ms)\n"
        "  GET /health %.0f/s (p99 %.2f ms) vs bare Beast %.0f/s (p99 %.2f ms): ratio %.2f "
        "(goal >= 0.5)\n"
        "  GET /node/<id> %.0f/s (p99 %.2f ms) vs bare Beast %.0f/s (p99 %.2f ms): ratio %.2f "
        "(goal >= 0.5)\n",
        connections, http_threads, t.measure_s, t.compare.rounds, t.compare.measure_s, f.reg.per_s,
        f.reg.p50_ms, f.reg.p99_ms, f.reg.max_ms, f.health.per_s, f.health.p99_ms,
        f.base_health.per_s, f.base_health.p99_ms, f.health.per_s / f.base_health.per_s,
        f.node.per_s, f.node.p99_ms, f.base_node.per_s, f.base_node.p99_ms,
        f.node.per_s / f.base_node.per_s);
  }
  r.print();
  return 0;
}
