// Committee signing throughput and latency: a 2-of-3 FROST committee of three real
// `dsdn-coordinator serve` processes on loopback, driven over HTTP, against the same 2-of-3
// signing done in this process with dsdn/multi (no network, no HTTP, no actors).
//
//   metrics.signatures_per_s   POST /committee/sign answered 200 per second (all clients)
//   metrics.p50_ms / p99_ms    per-request latency of those (client side, keep-alive)
//   metrics.verified           signatures checked with crypto_sign_verify_detached (a sample)
//   baseline.signatures_per_s  in-process 2-of-3 signatures per second on one thread: round 1
//                              on two member_signers, the share request signed and checked,
//                              round 2, share verification and aggregation by a
//                              signing_session, exactly the steps the committee runs
//   baseline.p50_ms / p99_ms   latency of one in-process signature
//   ratios.signatures_ratio    committee signatures/s over baseline signatures/s
//   ratios.p50_ratio           committee p50 over baseline p50 (the cost of the network path)
//
// Goals (issue 5): >= 1,000 signatures/s and p50 <= 5 ms; printed in the text line.
//
// Setup: `keygen --threshold 2` for members a, b, c on free loopback ports, then three
// `serve --mock-da --committee ... --member-key ...` with an API token, each in a temp dir.
// The children are forked with PR_SET_PDEATHSIG, so they die with this process however it
// ends; on a normal return they get SIGTERM (then SIGKILL) and the temp dir is removed.
// Load: `--clients N` (default 6) keep-alive connections (TCP_NODELAY), spread over the three
// members, each closed-loop on its own thread with distinct messages. Every `verify_every`-th
// answer is kept and verified with libsodium after the run; one bad signature fails the bench.
//
// Full run: 1 s warm-up + 5 s measured; --quick: 0.2 s + 1 s.

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <nlohmann/json.hpp>

#include "bench_util.hpp"
#include "dsdn/core/crypto.hpp"
#include "dsdn/http/client.hpp"
#include "dsdn/multi/domain.hpp"
#include "dsdn/multi/member_signer.hpp"
#include "dsdn/multi/signing_session.hpp"

using namespace std::chrono_literals;
using nlohmann::json;

namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

/// Concurrent clients by default. By Little's law latency = clients / throughput, so the p50
/// goal of 5 ms at 1,000/s allows about 5 requests in flight; 6 (two per member) sits there.
constexpr size_t default_clients = 6;
constexpr size_t verify_every = 50;
const std::string api_token = "bench-committee-token";
const std::vector<std::string> member_ids = {"a", "b", "c"};

std::string hex_of(const std::string& s) {
  return dsdn::core::to_hex(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// ---- child processes ------------------------------------------------------------------------

/// A loopback TCP port that was free a moment ago.
uint16_t free_port() {
  net::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(net::ip::address_v4::loopback(), 0));
  return acceptor.local_endpoint().port();
}

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

/// A child with output in a log file. It dies with this process (PR_SET_PDEATHSIG, set in the
/// child before exec; fork only from the main thread, which lives until main returns), and the
/// destructor stops it: SIGTERM, then SIGKILL after a grace period.
class child {
 public:
  child(const std::vector<std::string>& args, std::string log) : log_(std::move(log)) {
    std::vector<char*> argv;
    for (const auto& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
      // Only async-signal-safe calls until exec.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent)
        ::_exit(127);
      int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
  }
  child(const child&) = delete;
  child& operator=(const child&) = delete;
  ~child() {
    if (pid_ <= 0 || exited_)
      return;
    ::kill(pid_, SIGTERM);
    if (!wait(10s)) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  bool started() const { return pid_ > 0; }
  /// Waits for the exit; true with `code` set once it exited.
  bool wait(std::chrono::milliseconds timeout, int* code = nullptr) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!exited_) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline)
        return false;
      std::this_thread::sleep_for(20ms);
    }
    if (code)
      *code = code_;
    return true;
  }
  /// Waits until the log contains `needle`; false when the child exits or time runs out.
  bool wait_for_output(const std::string& needle, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (output().find(needle) != std::string::npos)
        return true;
      if (wait(0ms))
        return false;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  std::string output() const { return read_text(log_); }

 private:
  std::string log_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int code_ = 0;
};

struct member_proc {
  std::string id;
  uint16_t peer_port = 0;
  uint16_t http_port = 0;
  std::unique_ptr<child> proc;
};

/// keygen + three coordinators under a temp dir; stopped and removed by the destructor.
class committee_processes {
 public:
  explicit committee_processes(std::string bin) : bin_(std::move(bin)) {
    char tmpl[] = "/tmp/dsdn-bench-committee-XXXXXX";
    if (const char* d = ::mkdtemp(tmpl))
      dir_ = d;
  }
  ~committee_processes() {
    members_.clear();  // stops the children first
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  /// Runs keygen and starts the members; false (after printing why) on failure.
  bool start() {
    if (dir_.empty())
      return fail("mkdtemp failed");
    std::string spec;
    for (const auto& id : member_ids) {
      member_proc m;
      m.id = id;
      m.peer_port = free_port();
      m.http_port = free_port();
      spec += (spec.empty() ? "" : ",") + id + "=127.0.0.1:" + std::to_string(m.peer_port);
      members_.push_back(std::move(m));
    }
    {
      child keygen({bin_, "keygen", "--threshold", "2", "--members", spec, "--out", dir_ + "/keys"},
                   dir_ + "/keygen.log");
      int code = -1;
      if (!keygen.started() || !keygen.wait(30s, &code) || code != 0)
        return fail("keygen failed: " + keygen.output());
    }
    for (auto& m : members_) {
      m.proc = std::make_unique<child>(
          std::vector<std::string>{bin_, "serve", "--mock-da", "--port",
                                   std::to_string(m.http_port), "--data-dir",
                                   dir_ + "/data-" + m.id, "--api-token", api_token, "--log-level",
                                   "warn", "--committee", dir_ + "/keys/committee.json",
                                   "--member-key", dir_ + "/keys/member-" + m.id + ".json"},
          dir_ + "/" + m.id + ".log");
      if (!m.proc->started())
        return fail("cannot start member " + m.id);
    }
    for (auto& m : members_)
      if (!wait_ready(m))
        return false;
    for (auto& m : members_)
      if (!wait_connected(m))
        return fail("member " + m.id +
                    " did not see the whole committee connected: " + m.proc->output());
    return true;
  }

  const std::vector<member_proc>& members() const { return members_; }

 private:
  bool fail(const std::string& why) const {
    std::fprintf(stderr, "bench_committee: %s\n", why.c_str());
    return false;
  }

  dsdn::result<dsdn::http::response, dsdn::http::client_errc> get(const member_proc& m,
                                                                  const std::string& target) {
    auto base = dsdn::http::parse_url("http://127.0.0.1:" + std::to_string(m.http_port));
    dsdn::http::request_options opt;
    opt.timeout = 5s;
    return dsdn::http::send(base.value(), "GET", target, "", opt);
  }

  /// --log-level warn hides serve_listening: poll /health until the server answers.
  bool wait_ready(const member_proc& m) {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = get(m, "/health");
      if (r && r->status == 200)
        return true;
      if (m.proc->wait(0ms))
        return fail("member " + m.id + " exited: " + m.proc->output());
      std::this_thread::sleep_for(50ms);
    }
    return fail("member " + m.id + " did not answer /health: " + m.proc->output());
  }

  bool wait_connected(const member_proc& m) {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = get(m, "/committee/status");
      if (r && r->status == 200) {
        auto st = json::parse(r->body, nullptr, false);
        size_t up = 0;
        if (st.is_object() && st.contains("members"))
          for (const auto& x : st["members"])
            up += x.value("connected", false) ? 1 : 0;
        if (up == member_ids.size())
          return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  std::string bin_;
  std::string dir_;
  std::vector<member_proc> members_;
};

// ---- load -----------------------------------------------------------------------------------

/// One answer kept for verification after the run.
struct sample {
  std::string payload_hex;
  std::string body;
};

struct client_figures {
  uint64_t in_window = 0;
  std::vector<double> latency_s;
  std::vector<sample> samples;
  std::string error;
};

/// One closed-loop keep-alive client: POST /committee/sign until `end`, distinct payloads.
void run_client(size_t index, uint16_t port, double measure_from, double end, client_figures& out) {
  try {
    net::io_context io;
    beast::tcp_stream stream(io);
    stream.connect(tcp::endpoint(net::ip::address_v4::loopback(), port));
    stream.socket().set_option(tcp::no_delay(true));
    beast::flat_buffer buffer;
    for (uint64_t seq = 0;; ++seq) {
      const double sent = bench::now_s();
      if (sent >= end)
        break;
      const std::string payload_hex =
          hex_of("bench " + std::to_string(index) + "/" + std::to_string(seq));
      bhttp::request<bhttp::string_body> req{bhttp::verb::post, "/committee/sign", 11};
      req.set(bhttp::field::host, "127.0.0.1");
      req.set(bhttp::field::authorization, "Bearer " + api_token);
      req.set(bhttp::field::content_type, "application/json");
      req.keep_alive(true);
      req.body() = R"({"message_hex":")" + payload_hex + "\"}";
      req.prepare_payload();
      stream.expires_after(30s);
      bhttp::write(stream, req);
      bhttp::response<bhttp::string_body> res;
      bhttp::read(stream, buffer, res);
      const double now = bench::now_s();
      if (res.result_int() != 200) {
        out.error =
            "POST /committee/sign answered " + std::to_string(res.result_int()) + ": " + res.body();
        return;
      }
      if (now >= measure_from && now <= end)
        ++out.in_window;
      if (sent >= measure_from && now <= end)
        out.latency_s.push_back(now - sent);
      if (seq % verify_every == 0)
        out.samples.push_back({payload_hex, std::move(res.body())});
    }
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  } catch (const std::exception& e) {
    out.error = std::string("client ") + std::to_string(index) + ": " + e.what();
  }
}

/// Checks one kept answer: the signed bytes are the operator-message domain of the payload,
/// and the signature verifies under `group_key_hex` (the same in every answer).
bool verify_sample(const sample& s, std::string& group_key_hex, std::string& why) {
  auto j = json::parse(s.body, nullptr, false);
  if (!j.is_object() || !j.contains("signature") || !j.contains("signed_message_hex") ||
      !j.contains("group_public_key") || !j.contains("signers")) {
    why = "unexpected answer " + s.body;
    return false;
  }
  const std::string msg_hex = j["signed_message_hex"];
  if (msg_hex != hex_of("DSDN/v1/operator-message/") + s.payload_hex) {
    why = "signed_message_hex is not the operator-message domain of the payload";
    return false;
  }
  if (group_key_hex.empty())
    group_key_hex = j["group_public_key"];
  std::vector<uint8_t> msg(msg_hex.size() / 2), sig(64), key(32);
  if (j["group_public_key"] != group_key_hex || j["signers"].size() != 2 ||
      !dsdn::core::from_hex(msg_hex, msg.data(), msg.size()) ||
      !dsdn::core::from_hex(j["signature"].get<std::string>(), sig.data(), sig.size()) ||
      !dsdn::core::from_hex(group_key_hex, key.data(), key.size()) ||
      crypto_sign_verify_detached(sig.data(), msg.data(), msg.size(), key.data()) != 0) {
    why = "signature does not verify: " + s.body;
    return false;
  }
  return true;
}

struct figures {
  double per_s = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  size_t verified = 0;
};

bool run_load(const committee_processes& committee, size_t clients, double warmup_s,
              double measure_s, figures& out) {
  std::vector<client_figures> per_client(clients);
  const double start = bench::now_s();
  const double measure_from = start + warmup_s;
  const double end = measure_from + measure_s;
  std::vector<std::thread> threads;
  const auto& ms = committee.members();
  for (size_t i = 0; i < clients; ++i)
    threads.emplace_back(run_client, i, ms[i % ms.size()].http_port, measure_from, end,
                         std::ref(per_client[i]));
  for (auto& t : threads)
    t.join();

  uint64_t answered = 0;
  std::vector<double> latency_s;
  std::string group_key, why;
  for (const auto& c : per_client) {
    if (!c.error.empty()) {
      std::fprintf(stderr, "bench_committee: %s\n", c.error.c_str());
      return false;
    }
    answered += c.in_window;
    latency_s.insert(latency_s.end(), c.latency_s.begin(), c.latency_s.end());
    for (const auto& s : c.samples) {
      if (!verify_sample(s, group_key, why)) {
        std::fprintf(stderr, "bench_committee: %s\n", why.c_str());
        return false;
      }
      ++out.verified;
    }
  }
  if (latency_s.empty()) {
    std::fprintf(stderr, "bench_committee: no signature completed in the measured window\n");
    return false;
  }
  out.per_s = static_cast<double>(answered) / measure_s;
  out.p50_ms = bench::percentile_ms(latency_s, 0.50);
  out.p99_ms = bench::percentile_ms(latency_s, 0.99);
  return true;
}

// ---- in-process baseline --------------------------------------------------------------------

size_t index_of(const std::string& id) {
  return static_cast<size_t>(std::find(member_ids.begin(), member_ids.end(), id) -
                             member_ids.begin());
}

/// One 2-of-3 signature with dsdn/multi: the steps of a committee session with "a" asking "a"
/// and "b", minus the messaging. False (after printing why) when a step fails.
bool sign_in_process(const dsdn::multi::committee_bundle& bundle,
                     std::deque<dsdn::multi::member_signer>& signers, uint64_t seq) {
  using namespace dsdn::multi;
  const std::string text = "baseline " + std::to_string(seq);
  auto message = encode_domain_message(message_kind::operator_message,
                                       std::vector<uint8_t>(text.begin(), text.end()));
  auto session = signing_session::create(bundle.pub, message, member_ids);
  if (!session) {
    std::fprintf(stderr, "bench_committee: %s\n", session.error().message.c_str());
    return false;
  }
  const std::chrono::milliseconds now{0};
  auto step = session->start(now);
  std::vector<commitment_bytes> list;
  for (const auto& id : step.to) {
    auto c = signers[index_of(id)].commit();
    step = session->on_commitment(id, step.attempt, c.data(), c.size(), now);
  }
  if (step.kind != step_kind::request_shares) {
    std::fprintf(stderr, "bench_committee: baseline round 1 ended in %s\n", to_string(step.kind));
    return false;
  }
  for (const auto& c : session->package()->commitments())
    list.push_back(c.encode());
  auto request = share_request_bytes("a", message, list);
  auto request_sig = bundle.members[0].identity.sign(request.data(), request.size());
  const auto to = step.to;
  for (const auto& id : to) {
    auto z = signers[index_of(id)].sign("a", message, list, request_sig);
    if (!z) {
      std::fprintf(stderr, "bench_committee: baseline share refused: %s\n",
                   z.error().message.c_str());
      return false;
    }
    step = session->on_share(id, step.attempt, z->data(), z->size(), now);
  }
  if (step.kind != step_kind::completed) {
    std::fprintf(stderr, "bench_committee: baseline round 2 ended in %s\n", to_string(step.kind));
    return false;
  }
  const auto& sig = *session->signature();
  if (crypto_sign_verify_detached(sig.data(), message.data(), message.size(),
                                  bundle.pub.group_public_key.bytes().data()) != 0) {
    std::fprintf(stderr, "bench_committee: baseline signature does not verify\n");
    return false;
  }
  return true;
}

bool run_baseline(double measure_s, figures& out) {
  std::vector<dsdn::multi::member_spec> specs;
  for (size_t i = 0; i < member_ids.size(); ++i)
    specs.push_back({member_ids[i], "127.0.0.1:" + std::to_string(7001 + i)});
  auto bundle = dsdn::multi::make_committee(2, specs);
  if (!bundle) {
    std::fprintf(stderr, "bench_committee: %s\n", bundle.error().message.c_str());
    return false;
  }
  std::deque<dsdn::multi::member_signer> signers;
  for (const auto& m : bundle->members)
    signers.emplace_back(bundle->pub, m);
  std::vector<double> latency_s;
  const double start = bench::now_s();
  double now = start;
  for (uint64_t seq = 0; now - start < measure_s; ++seq) {
    const double t0 = now;
    if (!sign_in_process(bundle.value(), signers, seq))
      return false;
    now = bench::now_s();
    latency_s.push_back(now - t0);
  }
  out.per_s = static_cast<double>(latency_s.size()) / (now - start);
  out.p50_ms = bench::percentile_ms(latency_s, 0.50);
  out.p99_ms = bench::percentile_ms(latency_s, 0.99);
  out.verified = latency_s.size();
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  auto opt = bench::parse_options(argc, argv);
  size_t clients = default_clients;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--clients") == 0)
      clients = std::max<size_t>(1, std::strtoul(argv[i + 1], nullptr, 10));
  const double warmup_s = opt.quick ? 0.2 : 1.0;
  const double measure_s = opt.quick ? 1.0 : 5.0;
  if (sodium_init() < 0) {
    std::fprintf(stderr, "bench_committee: sodium_init failed\n");
    return 1;
  }

  figures base;
  if (!run_baseline(opt.quick ? 0.3 : 2.0, base))
    return 1;

  figures f;
  {
    committee_processes committee(DSDN_COORDINATOR_BIN);
    if (!committee.start() || !run_load(committee, clients, warmup_s, measure_s, f))
      return 1;
  }

  bench::report r("committee");
  r.metric("signatures_per_s", f.per_s);
  r.metric("p50_ms", f.p50_ms);
  r.metric("p99_ms", f.p99_ms);
  r.metric("verified", static_cast<double>(f.verified));
  r.baseline("signatures_per_s", base.per_s);
  r.baseline("p50_ms", base.p50_ms);
  r.baseline("p99_ms", base.p99_ms);
  r.ratio("signatures_ratio", f.per_s / base.per_s);
  r.ratio("p50_ratio", f.p50_ms / base.p50_ms);
  if (!opt.json) {
    std::printf(
        "committee 2-of-3 (3 processes on loopback, %zu keep-alive clients, %.1f s measured):\n"
        "  POST /committee/sign %.0f/s, p50 %.2f ms, p99 %.2f ms, %zu signatures verified "
        "(goals >= 1000/s, p50 <= 5 ms)\n"
        "  in-process dsdn/multi 2-of-3 on one thread: %.0f/s, p50 %.3f ms, p99 %.3f ms: "
        "ratio %.2f (throughput), %.1f (p50)\n",
        clients, measure_s, f.per_s, f.p50_ms, f.p99_ms, f.verified, base.per_s, base.p50_ms,
        base.p99_ms, f.per_s / base.per_s, f.p50_ms / base.p50_ms);
  }
  r.print();
  return 0;
}
