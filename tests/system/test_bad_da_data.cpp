// System test: bad data on the primary DA never crashes a coordinator. Blobs submitted straight
// to a real da-node primary in the coordinator's namespace (random bytes, a truncated blob, a
// forged signature, a well-signed blob of an untrusted publisher, the largest blob the node
// accepts) are counted, logged and skipped; a trusted blob in another namespace is never seen;
// good writes keep working, and a coordinator rebuilt from the same DA reaches the same state.
// Then a primary that answers JSON-RPC with garbage (not JSON, a wrong id, results of the wrong
// type, null, a huge body, a connection closed mid-reply): the coordinator stays up, reports the
// primary down, answers /health, and recovers once the primary answers properly again.

#include <poll.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "dsdn/core/codec.hpp"
#include "system/da_processes.hpp"

using namespace std::chrono_literals;

using nlohmann::json;
using systest::coordinator_process;
using systest::da_node;
using systest::eventually;

namespace {

/// A blob of one node registration signed by `key`.
std::vector<uint8_t> node_blob(const dsdn::core::identity_key& key, uint64_t epoch,
                               const std::string& node_id) {
  dsdn::core::blob_header h;
  h.epoch = epoch;
  h.sequence = 1;
  h.timestamp_ms = 1700000000000;
  dsdn::core::node_registered e{node_id, "zone-x", "10.9.0.1:7000", 100};
  return dsdn::core::encode_blob(h, {dsdn::core::event{e}}, key);
}

std::vector<uint8_t> random_bytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint8_t> out(n);
  for (auto& b : out)
    b = static_cast<uint8_t>(rng());
  return out;
}

/// The sum of the series of `name` in a Prometheus text exposition whose labels contain
/// `label` (e.g. `outcome="rejected"`).
double metric(const std::string& text, const std::string& name, const std::string& label) {
  double sum = 0;
  size_t pos = 0;
  while ((pos = text.find(name + "{", pos)) != std::string::npos) {
    auto end = text.find('\n', pos);
    auto line = text.substr(pos, end - pos);
    pos = end;
    if (line.find(label) == std::string::npos)
      continue;
    sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

bool has_node(const coordinator_process& c, const std::string& id) {
  return c.http("GET", "/node/" + id).status == 200;
}

std::string hex_key(const dsdn::core::identity_key& k) {
  return dsdn::core::to_hex(k.public_key_bytes());
}

}  // namespace

TEST_CASE("bad blobs on the primary are counted, logged and skipped; the state stays rebuildable") {
  dsdn::core::crypto_init();
  auto dir = systest::make_temp_dir("dsdn-baddata");
  da_node primary(dir + "/primary", dir + "/primary.log", {}, 0, 100);
  const std::string other_ns = "00" + std::string(36, '0') + "00000000000000bad0ff";
  auto trusted = dsdn::core::identity_key::generate();
  auto stranger = dsdn::core::identity_key::generate();
  auto da_args = coordinator_process::primary_args(primary.url);
  da_args.push_back("--trusted-publishers");
  da_args.push_back(hex_key(trusted));

  std::string checksum;
  std::string own_key;
  {
    coordinator_process c(dir, da_args, "serve1.log");
    own_key = c.info()["publisher_id"].get<std::string>();
    auto r = c.http("POST", "/register", json{{"id", "first"}, {"zone", "z"}, {"addr", "h:1"}});
    REQUIRE_MESSAGE(r.status == 200, r.text);

    auto submit = [&](const std::vector<uint8_t>& data, const std::string& ns) {
      auto reply = systest::da_submit(primary.url, ns, data);
      REQUIRE_MESSAGE(reply.contains("result"), reply.dump().substr(0, 300));
    };
    // A positive control: a trusted external publisher's blob is applied.
    submit(node_blob(trusted, 1, "trusted-good"), systest::test_namespace);
    // (a) corrupt: random bytes, a truncated blob, a forged signature.
    submit(random_bytes(3000, 7), systest::test_namespace);
    auto truncated = node_blob(trusted, 2, "truncated");
    truncated.resize(truncated.size() - 10);
    submit(truncated, systest::test_namespace);
    auto forged = node_blob(trusted, 3, "forged");
    forged.back() ^= 0x01;
    submit(forged, systest::test_namespace);
    // (b) well-formed and well-signed, by a key nobody trusts.
    submit(node_blob(stranger, 1, "stranger"), systest::test_namespace);
    // (c) the largest blob the node takes (8 MiB, as Celestia since CIP-38), four times the
    // largest blob a coordinator writes.
    submit(random_bytes(8 * 1024 * 1024, 11), systest::test_namespace);
    // (d) a trusted, valid blob in another namespace: not ours to read.
    submit(node_blob(trusted, 4, "other-namespace"), other_ns);
    const double bad_blobs = 5;

    r = c.http("POST", "/register", json{{"id", "after"}, {"zone", "z"}, {"addr", "h:2"}});
    REQUIRE_MESSAGE(r.status == 200, r.text);
    CHECK(eventually([&] { return has_node(c, "trusted-good"); }, 10s));
    CHECK(has_node(c, "first"));
    CHECK(has_node(c, "after"));
    for (const char* id : {"truncated", "forged", "stranger", "other-namespace"})
      CHECK_MESSAGE(!has_node(c, id), id);
    CHECK(c.http("GET", "/health").status == 200);
    CHECK_FALSE(c.proc->wait(0ms));

    auto metrics = c.http("GET", "/metrics").text;
    CHECK(metric(metrics, "dsdn_blobs_total", "outcome=\"rejected\"") == bad_blobs);
    auto out = c.proc->output();
    CHECK(out.find("blob_rejected height=") != std::string::npos);
    for (const char* reason :
         {"bad_magic", "truncated", "bad_signature", "untrusted_publisher", "oversize_blob"})
      CHECK_MESSAGE(out.find(std::string("error=") + reason) != std::string::npos, reason);

    auto consistency = c.http("GET", "/fallback/consistency").body;
    CHECK(consistency["blobs_rejected"] == bad_blobs);
    CHECK(consistency["rebuilt_checksum"] == consistency["state_checksum"]);
    checksum = c.info()["state_checksum"].get<std::string>();
    c.proc->signal(SIGTERM);
    REQUIRE(c.proc->wait(60s));
  }

  // A new coordinator (its own data dir and key) trusting the same publishers rebuilds the same
  // state from the primary alone.
  auto fresh_dir = dir + "/fresh";
  std::filesystem::create_directories(fresh_dir);
  auto fresh_args = da_args;
  fresh_args.back() += "," + own_key;
  coordinator_process fresh(fresh_dir, fresh_args, "serve-fresh.log");
  CHECK(fresh.info()["state_checksum"] == checksum);
  CHECK(metric(fresh.http("GET", "/metrics").text, "dsdn_blobs_total", "outcome=\"rejected\"") ==
        5);
  fresh.proc->signal(SIGTERM);
  REQUIRE(fresh.proc->wait(60s));
  std::filesystem::remove_all(dir);
}

namespace {

/// What the stand-in primary answers.
enum class reply_mode {
  good,            // the real da-node's reply
  not_json,        // an HTML error page with status 200
  html_502,        // a proxy's 502 page
  wrong_id,        // the real reply under another id
  wrong_type,      // "result" of a type no method returns
  null_result,     // "result": null
  huge_body,       // 24 MiB of '[' (deep nesting, then the end of the input)
  closed_mid_body  // Content-Length 4096, 100 bytes, then the connection closes
};

/// A JSON-RPC endpoint in front of a real da-node that forwards requests or answers garbage,
/// by the current mode. One thread per connection; keep-alive in good mode.
class garbage_primary {
 public:
  explicit garbage_primary(std::string upstream)
      : upstream_(std::move(upstream)),
        acceptor_(io_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    accept_thread_ = std::thread([this] { accept_loop(); });
  }
  ~garbage_primary() {
    stopping_ = true;
    boost::system::error_code ec;
    acceptor_.close(ec);
    accept_thread_.join();
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& t : connections_)
      t.join();
  }
  garbage_primary(const garbage_primary&) = delete;
  garbage_primary& operator=(const garbage_primary&) = delete;

  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  void set(reply_mode m) { mode_ = m; }

 private:
  void accept_loop() {
    while (!stopping_) {
      pollfd p{acceptor_.native_handle(), POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0)
        continue;
      boost::asio::ip::tcp::socket s(io_);
      boost::system::error_code ec;
      acceptor_.accept(s, ec);
      if (ec)
        continue;
      std::lock_guard<std::mutex> lock(mutex_);
      connections_.emplace_back([this, s = std::move(s)]() mutable { serve(std::move(s)); });
    }
  }

  /// Waits for the next request without blocking past a stop.
  bool readable(boost::asio::ip::tcp::socket& s) {
    while (!stopping_) {
      pollfd p{s.native_handle(), POLLIN, 0};
      int n = ::poll(&p, 1, 50);
      if (n > 0)
        return true;
      if (n < 0)
        return false;
    }
    return false;
  }

  void serve(boost::asio::ip::tcp::socket s) {
    namespace bhttp = boost::beast::http;
    boost::beast::flat_buffer buffer;
    while (readable(s)) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(64 * 1024 * 1024);
      boost::system::error_code ec;
      bhttp::read(s, buffer, parser, ec);
      if (ec)
        return;
      if (!answer(s, parser.get().body()))
        return;
    }
  }

  /// Writes raw bytes; false when the connection is done.
  static bool raw(boost::asio::ip::tcp::socket& s, const std::string& bytes) {
    boost::system::error_code ec;
    boost::asio::write(s, boost::asio::buffer(bytes), ec);
    return !ec;
  }

  static std::string response(int status, const std::string& body, bool keep_alive) {
    return "HTTP/1.1 " + std::to_string(status) + (status == 200 ? " OK" : " Bad Gateway") +
           "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
           (keep_alive ? "" : "\r\nConnection: close") + "\r\n\r\n" + body;
  }

  /// Answers one request; false when the connection is to be closed.
  bool answer(boost::asio::ip::tcp::socket& s, const std::string& request) {
    auto req = json::parse(request, nullptr, false);
    json id = req.is_object() && req.contains("id") ? req["id"] : json(1);
    switch (mode_.load()) {
      case reply_mode::good:
      case reply_mode::wrong_id: {
        auto a = systest::http_call(upstream_, "POST", "/", request, 10s);
        auto body = a.text;
        if (mode_ == reply_mode::wrong_id && a.body.is_object()) {
          a.body["id"] = id.is_number() ? json(id.get<int64_t>() + 1000) : json("other");
          body = a.body.dump();
        }
        return raw(s, response(a.status == 0 ? 502 : a.status, body, true));
      }
      case reply_mode::not_json:
        raw(s, response(200, "<html><body>upstream went away</body></html>", false));
        return false;
      case reply_mode::html_502:
        raw(s, response(502, "<html><body>502 Bad Gateway</body></html>", false));
        return false;
      case reply_mode::wrong_type:
        raw(s, response(200, json{{"jsonrpc", "2.0"}, {"id", id}, {"result", "surprise"}}.dump(),
                        false));
        return false;
      case reply_mode::null_result:
        raw(s,
            response(200, json{{"jsonrpc", "2.0"}, {"id", id}, {"result", nullptr}}.dump(), false));
        return false;
      case reply_mode::huge_body:
        raw(s, response(200, std::string(24 * 1024 * 1024, '['), false));
        return false;
      case reply_mode::closed_mid_body: {
        std::string head =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 4096\r\n\r\n";
        raw(s, head + R"({"jsonrpc":"2.0","id":)" + id.dump() + R"(,"result":{"header":{"hei)" +
                   std::string(40, ' '));
        return false;
      }
    }
    return false;
  }

  std::string upstream_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::atomic<reply_mode> mode_{reply_mode::good};
  std::mutex mutex_;
  std::vector<std::thread> connections_;
  std::thread accept_thread_;
};

const char* name_of(reply_mode m) {
  switch (m) {
    case reply_mode::good:
      return "good";
    case reply_mode::not_json:
      return "not_json";
    case reply_mode::html_502:
      return "html_502";
    case reply_mode::wrong_id:
      return "wrong_id";
    case reply_mode::wrong_type:
      return "wrong_type";
    case reply_mode::null_result:
      return "null_result";
    case reply_mode::huge_body:
      return "huge_body";
    case reply_mode::closed_mid_body:
      return "closed_mid_body";
  }
  return "?";
}

}  // namespace

TEST_CASE("a primary answering garbage JSON-RPC: reported down, /health answers, recovery") {
  auto dir = systest::make_temp_dir("dsdn-garbage");
  da_node node(dir + "/da-node", dir + "/da-node.log");
  garbage_primary front(node.url);
  coordinator_process c(
      dir, coordinator_process::primary_args(front.url()), "serve.log",
      {"--da-retry-count", "0", "--da-timeout-ms", "2000", "--health-failure-threshold", "2",
       "--health-recovery-threshold", "1", "--health-probe-timeout-ms", "2000"});
  auto status = [&] { return c.http("GET", "/fallback/status").body; };
  // The health monitor's own verdict (/fallback/status also probes live, so it would flip with
  // the mode at once and tell nothing about the monitor).
  auto healthy = [&] {
    return metric(c.http("GET", "/metrics").text, "dsdn_da_status", "status=\"healthy\"") == 1;
  };

  for (auto mode : {reply_mode::not_json, reply_mode::html_502, reply_mode::wrong_type,
                    reply_mode::null_result, reply_mode::huge_body, reply_mode::closed_mid_body}) {
    CAPTURE(name_of(mode));
    front.set(mode);
    CHECK_MESSAGE(eventually([&] { return !healthy(); }, 5s), status().dump());
    CHECK(c.http("GET", "/health").status == 200);
    REQUIRE_FALSE(c.proc->wait(0ms));

    front.set(reply_mode::good);
    CHECK_MESSAGE(eventually(healthy, 5s), status().dump());
  }
  auto r = c.http("POST", "/register", json{{"id", "recovered"}, {"zone", "z"}, {"addr", "h:1"}});
  CHECK_MESSAGE(r.status == 200, r.text);
  CHECK(has_node(c, "recovered"));

  // Replies are not matched to requests by id (the client sends one request per connection, so
  // a reply can only answer its own request): the right content under another id works.
  front.set(reply_mode::wrong_id);
  r = c.http("POST", "/register", json{{"id", "other-id"}, {"zone", "z"}, {"addr", "h:1"}});
  CHECK_MESSAGE(r.status == 200, r.text);
  CHECK(healthy());
  front.set(reply_mode::good);
  CHECK(c.info()["da_status"] == "healthy");

  c.proc->signal(SIGTERM);
  auto code = c.proc->wait(60s);
  REQUIRE(code);
  CHECK(*code == 0);
  std::filesystem::remove_all(dir);
}
