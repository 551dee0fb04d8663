// DA failover and reconciliation with real processes on loopback: a `da-node` primary on a fixed
// port (so it can be killed and started again on the same data), an emergency `da-node`, and a
// `serve` coordinator with --enable-fallback --fallback-da-type emergency.
//
//   metrics.failover_ms        median over the kills: SIGKILL of the primary while one client
//                              writes continuously (POST /register, one request at a time) ->
//                              the first write answered 202 after the kill
//   metrics.failover_max_ms    the slowest of those
//   metrics.write_p50_ms       a write's latency while the primary is healthy (200)
//   metrics.degraded_write_p50_ms   a write's latency while the primary is down (202)
//   metrics.reconcile_blobs_per_s   N outbox blobs (one event each, written while the primary
//                              was down) over the time from the primary listening again to
//                              the outbox empty and /fallback/status healthy
//   metrics.reconcile_detect_ms     primary listening again -> the first blob left the outbox
//   metrics.reconcile_drain_blobs_per_s  N over first blob left -> outbox empty
//   baseline.direct_blobs_per_s     N blobs of the same sizes submitted by the same Celestia
//                              client code to the same primary (another namespace), in chunks
//                              of --reconcile-batch-size blobs, one chunk at a time: what the
//                              reconciler does with one publisher and --reconcile-parallel off
//   ratios.reconcile_ratio     reconcile_blobs_per_s / direct_blobs_per_s
//
// Goal (issue 4): failover below one health interval plus one write (write_p50_ms). It is
// printed in the text line with the settings used; the JSON keys carry units only. Apart from
// the health interval and the block time, every coordinator and DA flag keeps its default, so
// the figures are what a deployment with those defaults gets.
//
// Progress is read over HTTP through the project's blocking client (a fresh connection per
// request): /fallback/pending for the outbox (every 20 ms while draining; the router answers
// it, not the DA layers) and /fallback/status for the status. Every child process is killed
// when the bench ends, on failure and on SIGINT/SIGTERM too (after a signal the scratch dir
// stays in /tmp; after a failure it stays too, with the processes' logs, and is named).
//
// Full run: 5 kills, N = 500; --quick: 1 kill, N = 40. Each kill costs as long as the failover
// takes (so far 15-60 s with the default DA retries), which dominates the run time.

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_util.hpp"
#include "dsdn/da/namespace.hpp"
#include "dsdn/http/celestia_da.hpp"
#include "dsdn/http/client.hpp"
#include "system/process.hpp"

using namespace dsdn;
using json = nlohmann::json;

namespace {

/// The settings of a run; the coordinator gets them as flags.
struct settings {
  int kills = 5;
  size_t blobs = 500;
  unsigned health_interval_ms = 100;
  unsigned block_time_ms = 20;
  unsigned reconcile_batch = 10;  // --reconcile-batch-size (the default, passed explicitly)
};

/// The coordinator's namespace, and the baseline's (kept apart so the coordinator never reads
/// the baseline's blobs).
const std::string coordinator_ns = "00" + std::string(36, '0') + "0000000000000000fa11";
const std::string baseline_ns = "00" + std::string(36, '0') + "0000000000000000ba5e";

constexpr auto start_timeout = std::chrono::seconds(60);
constexpr double settle_timeout_s = 120;  // for a status to be reached

// ---- child processes ------------------------------------------------------------------------

/// Every live child, for the signal handler (plain slots: it may not lock or allocate).
std::array<std::atomic<const systest::child_process*>, 8> live_children{};

void kill_children_and_exit(int sig) {
  for (auto& slot : live_children)
    if (const auto* p = slot.load())
      p->signal(SIGKILL);
  _exit(128 + sig);
}

/// A child process that a SIGINT/SIGTERM of the bench takes down too; destroying it SIGKILLs
/// and reaps it (child_process's destructor).
class child {
 public:
  child(const std::vector<std::string>& args, const std::string& log_path)
      : proc_(std::make_unique<systest::child_process>(args, log_path)) {
    for (auto& slot : live_children) {
      const systest::child_process* expected = nullptr;
      if (slot.compare_exchange_strong(expected, proc_.get())) {
        slot_ = &slot;
        break;
      }
    }
  }
  child(const child&) = delete;
  child& operator=(const child&) = delete;
  ~child() {
    if (slot_)
      slot_->store(nullptr);
  }

  /// Waits for the line containing `marker` and returns its `key=` value ("" after printing
  /// the output, when it does not come).
  std::string wait_field(const std::string& marker, const std::string& key) {
    if (!proc_->started() || !proc_->wait_for_output(marker, start_timeout)) {
      std::fprintf(stderr, "bench_failover: no '%s' from a child; its output:\n%s\n",
                   marker.c_str(), proc_->output().c_str());
      return "";
    }
    return systest::log_field(proc_->output(), marker, key);
  }

  /// SIGKILL and reap: the process stops answering at once, as in a crash.
  void kill() {
    proc_->signal(SIGKILL);
    proc_->wait(start_timeout);
  }

 private:
  std::unique_ptr<systest::child_process> proc_;
  std::atomic<const systest::child_process*>* slot_ = nullptr;
};

/// A loopback port that was free a moment ago (the primary restarts on it; 0 on failure).
uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

/// `da-node serve` on `port` (0: any) over `data_dir`; its URL, or "" when it did not start.
std::string start_da_node(std::unique_ptr<child>& out, const std::string& data_dir,
                          const std::string& log, uint16_t port, const settings& s) {
  out.reset();  // a previous instance is gone (killed and reaped) before the next binds
  out = std::make_unique<child>(
      std::vector<std::string>{DSDN_COORDINATOR_BIN, "da-node", "serve", "--port",
                               std::to_string(port), "--data-dir", data_dir, "--block-time-ms",
                               std::to_string(s.block_time_ms)},
      log);
  return out->wait_field("da_node_started url=", "url");
}

// ---- HTTP -----------------------------------------------------------------------------------

/// A coordinator's HTTP API through the project's blocking client.
class api {
 public:
  explicit api(http::url base) : base_(std::move(base)) {}

  /// The status of one request, 0 when it did not complete within `timeout`.
  int call(const std::string& method, const std::string& target, const std::string& body,
           std::string* reply = nullptr,
           std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    http::request_options o;
    o.timeout = timeout;
    auto r = http::send(base_, method, target, body, o);
    if (!r)
      return 0;
    if (reply)
      *reply = r->body;
    return r->status;
  }

  /// A GET answered 200 as JSON; nothing otherwise.
  std::optional<json> get_json(const std::string& target) const {
    std::string body;
    if (call("GET", target, "", &body) != 200)
      return std::nullopt;
    auto j = json::parse(body, nullptr, false);
    if (j.is_discarded())
      return std::nullopt;
    return j;
  }

 private:
  http::url base_;
};

/// POST /register of a fresh node (`tag` keeps ids distinct across phases).
int register_node(const api& a, const std::string& tag, uint64_t seq) {
  char body[192];
  std::snprintf(
      body, sizeof(body),
      R"({"id":"fo-%s-%llu","zone":"zone-%llu","addr":"10.9.%u.%u:7000","capacity_gb":100})",
      tag.c_str(), static_cast<unsigned long long>(seq), static_cast<unsigned long long>(seq % 8),
      unsigned(seq >> 8) & 255u, unsigned(seq) & 255u);
  // Longer than the coordinator's own bound on a routed write (4 DA timeouts of 60 s), so the
  // figure is when the coordinator answered, not when this client gave up.
  return a.call("POST", "/register", body, nullptr, std::chrono::minutes(5));
}

/// Polls `done` every `every_s` until it holds; false after printing `what` on timeout.
template <class Pred>
bool wait_until(const char* what, double every_s, Pred done) {
  const double deadline = bench::now_s() + settle_timeout_s;
  while (bench::now_s() < deadline) {
    if (done())
      return true;
    std::this_thread::sleep_for(std::chrono::duration<double>(every_s));
  }
  std::fprintf(stderr, "bench_failover: timed out waiting for %s\n", what);
  return false;
}

/// Primary healthy, outbox empty, status healthy (the status field is absent until the first
/// transition).
bool healthy(const api& a) {
  auto s = a.get_json("/fallback/status");
  return s && s->value("current_status", "") == "primary_healthy" &&
         s->value("pending_reconcile_count", uint64_t{1}) == 0 &&
         s->value("da_status", "healthy") == "healthy";
}

/// The outbox entries /fallback/pending lists (at most 1000); nothing when it did not answer.
std::optional<json> pending(const api& a) {
  auto p = a.get_json("/fallback/pending");
  if (!p || !p->is_array())
    return std::nullopt;
  return p;
}

// ---- the continuous writer ------------------------------------------------------------------

/// One client writing continuously from its own thread, one request at a time, timing the
/// first 202 answered after `kill_at`.
class writer {
 public:
  writer(const api& a, std::string tag) : api_(a), tag_(std::move(tag)) {
    thread_ = std::thread([this] { run(); });
  }
  writer(const writer&) = delete;
  writer& operator=(const writer&) = delete;
  ~writer() {
    stop_ = true;
    thread_.join();
  }

  uint64_t ok_200() const { return ok_200_; }
  uint64_t errors() const { return errors_; }
  void mark_kill(double at) { kill_at_ = at; }
  /// When the first 202 after the kill arrived (0 until then).
  double first_ack() const { return first_ack_; }
  /// Latencies (s) of the 200 answers.
  std::vector<double> latencies() {
    std::lock_guard<std::mutex> lock(mu_);
    return latency_s_;
  }

 private:
  void run() {
    for (uint64_t seq = 0; !stop_; ++seq) {
      double sent = bench::now_s();
      int status = register_node(api_, tag_, seq);
      double now = bench::now_s();
      if (status == 200) {
        ++ok_200_;
        std::lock_guard<std::mutex> lock(mu_);
        latency_s_.push_back(now - sent);
      } else if (status == 202) {
        double k = kill_at_;
        if (k > 0 && now > k && first_ack_ == 0)
          first_ack_ = now;
      } else {
        ++errors_;
      }
    }
  }

  const api& api_;
  std::string tag_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> ok_200_{0};
  std::atomic<uint64_t> errors_{0};
  std::atomic<double> kill_at_{0};
  std::atomic<double> first_ack_{0};
  std::mutex mu_;
  std::vector<double> latency_s_;
  std::thread thread_;  // last: starts once everything above exists
};

// ---- the run --------------------------------------------------------------------------------

struct figures {
  std::vector<double> failover_s;
  std::vector<double> write_s;           // 200 answers, healthy primary
  std::vector<double> degraded_write_s;  // 202 answers, primary down
  uint64_t write_errors = 0;             // neither 200 nor 202 (never expected)
  size_t blobs = 0;
  double reconcile_s = 0;
  double detect_s = 0;
  double drain_s = 0;
  double direct_s = 0;
};

/// The processes and where they live.
class cluster {
 public:
  cluster(std::string dir, settings s) : dir_(std::move(dir)), s_(s) {}

  bool start() {
    primary_port_ = free_port();
    if (primary_port_ == 0 || !start_primary())
      return false;
    auto emergency_url =
        start_da_node(emergency_, dir_ + "/emergency", dir_ + "/emergency.log", 0, s_);
    if (emergency_url.empty())
      return false;
    coordinator_ =
        std::make_unique<child>(std::vector<std::string>{DSDN_COORDINATOR_BIN,
                                                         "serve",
                                                         "--port",
                                                         "0",
                                                         "--data-dir",
                                                         dir_ + "/coordinator",
                                                         "--da-rpc-url",
                                                         primary_url_,
                                                         "--da-namespace",
                                                         coordinator_ns,
                                                         "--da-network",
                                                         "local",
                                                         "--enable-fallback",
                                                         "--fallback-da-type",
                                                         "emergency",
                                                         "--emergency-da-url",
                                                         emergency_url,
                                                         "--health-interval-ms",
                                                         std::to_string(s_.health_interval_ms),
                                                         "--reconcile-batch-size",
                                                         std::to_string(s_.reconcile_batch)},
                                dir_ + "/coordinator.log");
    auto url = coordinator_->wait_field("serve_listening url=", "url");
    auto parsed = http::parse_url(url);
    if (url.empty() || !parsed)
      return false;
    api_.emplace(parsed.value());
    return wait_until("the coordinator to be ready", 0.05,
                      [&] { return api_->call("GET", "/ready", "") == 200; }) &&
           wait_until("a healthy primary", 0.05, [&] { return healthy(*api_); });
  }

  bool start_primary() {
    primary_url_ =
        start_da_node(primary_, dir_ + "/primary", dir_ + "/primary.log", primary_port_, s_);
    return !primary_url_.empty();
  }
  void kill_primary() { primary_->kill(); }

  const api& coordinator() const { return *api_; }
  const std::string& primary_url() const { return primary_url_; }

 private:
  std::string dir_;
  settings s_;
  uint16_t primary_port_ = 0;
  std::string primary_url_;
  std::unique_ptr<child> primary_, emergency_, coordinator_;
  std::optional<api> api_;
};

/// One kill: a writer runs, the primary dies, the first 202 after it is timed; then the
/// primary comes back and the coordinator is healthy again.
bool measure_failover(cluster& c, int round, figures& f) {
  double kill_at = 0;
  {
    writer w(c.coordinator(), "k" + std::to_string(round));
    if (!wait_until("healthy writes", 0.005, [&] { return w.ok_200() >= 5; }))
      return false;
    // Kill at a different moment of the block cycle each round.
    std::this_thread::sleep_for(std::chrono::milliseconds(7 * round));
    kill_at = bench::now_s();
    w.mark_kill(kill_at);
    c.kill_primary();
    if (!wait_until("a write acknowledged after the kill", 0.001,
                    [&] { return w.first_ack() > 0; }))
      return false;
    f.failover_s.push_back(w.first_ack() - kill_at);
    auto lat = w.latencies();
    f.write_s.insert(f.write_s.end(), lat.begin(), lat.end());
    f.write_errors += w.errors();
  }
  return c.start_primary() && wait_until("a healthy primary after the restart", 0.02,
                                         [&] { return healthy(c.coordinator()); });
}

/// Blobs of the given sizes with random content (the DA node does not look inside).
std::vector<da::blob_bytes> random_blobs(const std::vector<size_t>& sizes) {
  std::mt19937_64 rng(42);
  std::vector<da::blob_bytes> out;
  for (auto n : sizes) {
    da::blob_bytes b(n);
    for (auto& byte : b)
      byte = static_cast<uint8_t>(rng());
    out.push_back(std::move(b));
  }
  return out;
}

/// The baseline: `blobs` straight to the DA node at `url`, `chunk` blobs per blob.Submit, one
/// submit at a time, with the client and settings the coordinator uses for its primary.
bool submit_direct(const std::string& url, const std::vector<da::blob_bytes>& blobs, size_t chunk,
                   double& seconds) {
  da::celestia_config cfg;  // the coordinator's defaults (--da-timeout-ms, --da-retry-*)
  cfg.rpc_url = url;
  cfg.network = da::celestia_network::local;
  auto ns = da::parse_blob_namespace(baseline_ns);
  if (!ns) {
    std::fprintf(stderr, "bench_failover: baseline namespace: %s\n", ns.error().message.c_str());
    return false;
  }
  cfg.ns = ns.value();
  auto client = da::open_celestia_client(cfg);
  if (!client) {
    std::fprintf(stderr, "bench_failover: celestia client: %s\n", client.error().message.c_str());
    return false;
  }
  const double start = bench::now_s();
  for (size_t i = 0; i < blobs.size(); i += chunk) {
    std::vector<da::blob_bytes> part(
        blobs.begin() + static_cast<std::ptrdiff_t>(i),
        blobs.begin() + static_cast<std::ptrdiff_t>(std::min(blobs.size(), i + chunk)));
    auto r = client.value()->submit(part);
    if (!r) {
      std::fprintf(stderr, "bench_failover: direct blob.Submit: %s\n", r.error().message.c_str());
      return false;
    }
  }
  seconds = bench::now_s() - start;
  return true;
}

/// The primary goes down, N events are written (one blob each: one writer, one request at a
/// time), the primary comes back; the drain is timed, then blobs of the same sizes go in
/// directly.
bool measure_reconcile(cluster& c, const settings& s, figures& f) {
  const api& a = c.coordinator();
  c.kill_primary();
  // The first write fails over as in measure_failover; the others queue behind it in the
  // outbox and go to the emergency layer at once.
  for (uint64_t i = 0; i < s.blobs; ++i) {
    double sent = bench::now_s();
    int status = register_node(a, "down", i);
    if (status != 202) {
      std::fprintf(stderr, "bench_failover: a write with the primary down answered %d\n", status);
      return false;
    }
    f.degraded_write_s.push_back(bench::now_s() - sent);
  }
  auto queued = pending(a);
  if (!queued || queued->size() != s.blobs) {
    std::fprintf(stderr, "bench_failover: the outbox holds %zu blobs, expected %zu\n",
                 queued ? queued->size() : size_t{0}, s.blobs);
    return false;
  }
  std::vector<size_t> sizes;
  for (auto& e : *queued)
    sizes.push_back(e.value("size", size_t{0}));
  f.blobs = sizes.size();

  if (!c.start_primary())
    return false;
  const double up_at = bench::now_s();
  double first_out = 0;
  if (!wait_until("the outbox to drain", 0.02, [&] {
        auto p = pending(a);
        if (p && first_out == 0 && p->size() < f.blobs)
          first_out = bench::now_s();
        return p && p->empty();
      }))
    return false;
  const double empty_at = bench::now_s();
  if (!wait_until("a healthy status after the drain", 0.01, [&] { return healthy(a); }))
    return false;
  f.reconcile_s = bench::now_s() - up_at;
  f.detect_s = first_out - up_at;
  f.drain_s = empty_at - first_out;
  return submit_direct(c.primary_url(), random_blobs(sizes), s.reconcile_batch, f.direct_s);
}

double median_ms(std::vector<double> v) {
  return bench::percentile_ms(v, 0.5);
}

}  // namespace

int main(int argc, char** argv) {
  auto opt = bench::parse_options(argc, argv);
  settings s;
  if (opt.quick) {
    s.kills = 1;
    s.blobs = 40;
  }
  ::signal(SIGINT, kill_children_and_exit);
  ::signal(SIGTERM, kill_children_and_exit);
  ::signal(SIGPIPE, SIG_IGN);

  bench::temp_dir tmp("failover");
  figures f;
  {
    cluster c(tmp.path, s);  // its destructor kills every process, however this block ends
    bool ok = c.start();
    for (int k = 0; ok && k < s.kills; ++k)
      ok = measure_failover(c, k, f);
    ok = ok && measure_reconcile(c, s, f);
    if (!ok) {
      tmp.keep = true;
      std::fprintf(stderr, "bench_failover: the processes' logs are in %s\n", tmp.path.c_str());
      return 1;
    }
  }

  const double failover_ms = median_ms(f.failover_s);
  const double failover_max_ms =
      *std::max_element(f.failover_s.begin(), f.failover_s.end()) * 1000.0;
  const double write_ms = median_ms(f.write_s);
  const double reconcile_per_s = static_cast<double>(f.blobs) / f.reconcile_s;
  const double direct_per_s = static_cast<double>(f.blobs) / f.direct_s;
  bench::report r("failover");
  r.metric("failover_ms", failover_ms);
  r.metric("failover_max_ms", failover_max_ms);
  r.metric("write_p50_ms", write_ms);
  r.metric("degraded_write_p50_ms", median_ms(f.degraded_write_s));
  r.metric("reconcile_blobs_per_s", reconcile_per_s);
  r.metric("reconcile_detect_ms", f.detect_s * 1000.0);
  r.metric("reconcile_drain_blobs_per_s",
           f.drain_s > 0 ? static_cast<double>(f.blobs) / f.drain_s : 0);
  r.baseline("direct_blobs_per_s", direct_per_s);
  r.ratio("reconcile_ratio", reconcile_per_s / direct_per_s);
  if (!opt.json) {
    const double goal_ms = s.health_interval_ms + write_ms;
    const std::string failed =
        f.write_errors ? " [" + std::to_string(f.write_errors) + " writes failed]" : "";
    std::printf(
        "failover (health interval %u ms, block time %u ms, reconcile batch %u, other flags "
        "default):\n"
        "  failover %.0f ms median, %.0f ms max over %d kills (goal < %.0f ms = health interval "
        "+ one write of %.1f ms)%s\n"
        "  reconcile %zu blobs: %.0f blobs/s from the primary's restart to healthy (detect %.0f "
        "ms, drain %.0f blobs/s) vs direct blob.Submit %.0f blobs/s: ratio %.2f\n",
        s.health_interval_ms, s.block_time_ms, s.reconcile_batch, failover_ms, failover_max_ms,
        s.kills, goal_ms, write_ms, failed.c_str(), f.blobs, reconcile_per_s, f.detect_s * 1000.0,
        f.drain_s > 0 ? static_cast<double>(f.blobs) / f.drain_s : 0, direct_per_s,
        reconcile_per_s / direct_per_s);
  }
  r.print();
  return 0;
}
