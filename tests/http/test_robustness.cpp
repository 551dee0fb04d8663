// Bad input over real sockets, timeouts, keep-alive, 1000 concurrent connections, and the
// server's lifecycle (readiness while rebuilding, dead actors, graceful stop, bind errors).

#include <chrono>
#include <thread>

#include "http/server_fixture.hpp"

using namespace dsdn::http_test;
using namespace std::chrono_literals;

namespace {

std::string raw_post(const std::string& target, const std::string& body,
                     const std::string& extra_headers = "") {
  return "POST " + target + " HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n" +
         extra_headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

TEST_CASE("raw sockets: oversized body 413, oversized header 431, garbage 400") {
  test_server s;
  {
    raw_socket c(s.port);
    REQUIRE(c.connected());
    std::string body(3 * 1024 * 1024, 'x');
    // The server answers after the header and keeps reading (lingering close), so the whole
    // body can be sent and the answer is not lost to a reset.
    CHECK(c.send_all(raw_post("/register", body), 10s));
    auto res = c.read_response(10s);
    CHECK(status_of(res) == 413);
    CHECK(res.find("Connection: close") != std::string::npos);
    CHECK(res.find("\"error\"") != std::string::npos);
    CHECK(c.wait_closed(5s));
  }
  {
    // The 413 comes right after the header; a client that only then sends its body must not
    // be reset (its answer would be lost on a real network): the server drains, then closes.
    raw_socket c(s.port);
    std::string request = raw_post("/register", std::string(3 * 1024 * 1024, 'y'));
    size_t head = request.find("\r\n\r\n") + 4;
    CHECK(c.send_all(request.substr(0, head), 5s));
    CHECK(status_of(c.read_response(10s)) == 413);
    std::this_thread::sleep_for(100ms);  // let a non-lingering server close its socket
    CHECK(c.send_all(request.substr(head), 10s));
    CHECK(c.wait_closed(5s));
  }
  {
    // Exactly at the limit is fine (and then fails as JSON).
    std::string body(2 * 1024 * 1024, ' ');
    raw_socket c(s.port);
    CHECK(c.send_all(raw_post("/register", body), 10s));
    CHECK(status_of(c.read_response(10s)) == 400);
  }
  {
    raw_socket c(s.port);
    std::string huge_header = "X-Filler: " + std::string(20000, 'a') + "\r\n";
    CHECK(c.send_all("GET /health HTTP/1.1\r\nHost: t\r\n" + huge_header + "\r\n", 10s));
    auto res = c.read_response(10s);
    CHECK(status_of(res) == 431);
    CHECK(c.wait_closed(5s));
  }
  {
    raw_socket c(s.port);
    CHECK(c.send_all("THIS IS NOT HTTP\r\n\r\n", 5s));
    auto res = c.read_response(10s);
    CHECK(status_of(res) == 400);
    CHECK(c.wait_closed(5s));
  }
  {
    raw_socket c(s.port);
    CHECK(c.send_all("GET /health HTTP/1.1\r\nHost: t\r\nContent-Length: -3\r\n\r\n", 5s));
    CHECK(status_of(c.read_response(10s)) == 400);
  }
  // Still serving.
  CHECK(s.send(get("/health")).status == 200);
  CHECK(body_of(s.send(get("/nodes"))) == json::array());
}

TEST_CASE("read timeout: a stalled half request and an idle keep-alive are dropped") {
  dsdn::http::server_config cfg;
  cfg.read_timeout = 600ms;
  test_server s(cfg);
  raw_socket stalled(s.port);
  REQUIRE(stalled.connected());
  auto started = std::chrono::steady_clock::now();
  CHECK(
      stalled.send_all("POST /register HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                       "Content-Length: 100\r\n\r\n{\"id\":",
                       5s));
  raw_socket idle(s.port);
  CHECK(idle.send_all("GET /health HTTP/1.1\r\nHost: t\r\n\r\n", 5s));
  CHECK(status_of(idle.read_response(5s)) == 200);
  // Others keep being served meanwhile.
  for (int i = 0; i < 5; ++i)
    CHECK(s.send(get("/health")).status == 200);
  CHECK(stalled.wait_closed(5s));
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(took >= 500ms);  // dropped by the timeout, not at once
  CHECK(took < 4s);
  CHECK(idle.wait_closed(5s));  // the idle keep-alive connection went too
  CHECK(body_of(s.send(get("/nodes"))) == json::array());
}

TEST_CASE("keep-alive: several requests on one connection") {
  test_server s;
  raw_socket c(s.port);
  REQUIRE(c.connected());
  CHECK(c.send_all(raw_post("/register", node_body("k1")), 5s));
  CHECK(status_of(c.read_response(10s)) == 200);
  CHECK(c.send_all("GET /nodes HTTP/1.1\r\nHost: t\r\n\r\n", 5s));
  auto res = c.read_response(10s);
  CHECK(status_of(res) == 200);
  CHECK(res.find("\"k1\"") != std::string::npos);
  // Errors keep the connection too (the request was read whole).
  CHECK(c.send_all(raw_post("/register", "{bad"), 5s));
  CHECK(status_of(c.read_response(10s)) == 400);
  CHECK(c.send_all("GET /nope HTTP/1.1\r\nHost: t\r\n\r\n", 5s));
  CHECK(status_of(c.read_response(10s)) == 404);
  // Connection: close is honoured.
  CHECK(c.send_all("GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 5s));
  res = c.read_response(10s);
  CHECK(status_of(res) == 200);
  CHECK(res.find("Connection: close") != std::string::npos);
  CHECK(c.wait_closed(5s));

  // The Beast client: five requests, one connection.
  std::vector<request> seq;
  for (int i = 0; i < 5; ++i)
    seq.push_back(get("/health"));
  auto out = run_connections(s.port, {seq});
  REQUIRE(out.size() == 1);
  for (auto& r : out[0]) {
    CHECK(r.error.empty());
    CHECK(r.status == 200);
    CHECK(r.keep_alive);
  }
}

TEST_CASE("1000 concurrent connections: good and bad requests; bad ones change nothing") {
  test_server s;
  REQUIRE(s.send(post("/register", node_body("base"))).status == 200);
  REQUIRE(s.send(post("/object/register", R"({"hash":"ab","size":1})")).status == 200);
  auto before = s.checksum();
  struct kind {
    request req;
    int status;
  };
  std::vector<kind> kinds = {
      {get("/health"), 200},
      {get("/nodes"), 200},
      {get("/node/base"), 200},
      {post("/register", R"({"id":"x",)"), 400},
      {post("/register", R"({"id":5,"zone":"z","addr":"h:1"})"), 422},
      {post("/object/register", R"({"hash":"cd","size":123456789012345678901234567890})"), 422},
      {post("/node/base/stats", R"({"cpu_free":NaN,"ram_free_mb":1})"), 400},
      {post("/register", ""), 400},
      {post("/register", node_body("bad id")), 400},
      {post("/object/register", R"({"hash":"ab","size":2})"), 409},
      {post("/replica/mark_healed", R"({"hash":"ab","node_id":"ghost"})"), 404},
      {get("/nope"), 404},
      {request{"DELETE", "/nodes", "", "", "", {}}, 405},
  };
  std::vector<std::vector<request>> conns;
  for (size_t i = 0; i < 1000; ++i)
    conns.push_back({kinds[i % kinds.size()].req});
  auto out = run_connections(s.port, conns, 60s, 2);
  size_t answered = 0;
  size_t as_expected = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    auto& r = out[i][0];
    answered += r.error.empty() ? 1 : 0;
    as_expected += r.status == kinds[i % kinds.size()].status ? 1 : 0;
  }
  CHECK(answered == 1000);
  CHECK(as_expected == 1000);
  CHECK(s.checksum() == before);
  CHECK(body_of(s.send(get("/nodes"))).size() == 1);
  CHECK(s.send(get("/health")).status == 200);
}

TEST_CASE("1000 concurrent POST /register: all succeed, GET /nodes lists 1000") {
  test_server s;
  std::vector<std::vector<request>> conns;
  for (int i = 0; i < 1000; ++i)
    conns.push_back({post(
        "/register",
        node_body("node-" + std::to_string(i), "zone-" + std::to_string(i % 8),
                  "10.1." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ":7000"))});
  auto out = run_connections(s.port, conns, 60s, 2);
  size_t ok = 0;
  for (auto& c : out)
    ok += c[0].status == 200 ? 1 : 0;
  CHECK(ok == 1000);
  auto nodes = body_of(s.send(get("/nodes")));
  REQUIRE(nodes.is_array());
  CHECK(nodes.size() == 1000);
  CHECK(body_of(s.send(get("/system/info")))["node_count"] == 1000);
}

TEST_CASE("readiness while rebuilding, then ready; writes refused with 503 until then") {
  test_server s({}, false);
  auto r = s.send(get("/ready"));
  CHECK(r.status == 503);
  CHECK(body_of(r) == json{{"error", "rebuilding state from DA"}});
  r = s.send(get("/health"));
  CHECK(r.status == 200);
  CHECK(body_of(r)["status"] == "degraded");
  r = s.send(post("/register", node_body("early")));
  CHECK(r.status == 503);
  CHECK(r.header("retry-after") == "1");
  CHECK(is_error_body(r));
  REQUIRE(s.node->rebuild_and_accept());
  CHECK(s.send(get("/ready")).status == 200);
  CHECK(s.send(post("/register", node_body("late"))).status == 200);
}

TEST_CASE("actors gone: 503 with Retry-After; the server itself stays up") {
  test_server s;
  REQUIRE(s.send(post("/register", node_body("n1"))).status == 200);
  s.node->stop();
  auto r = s.send(get("/nodes"));
  CHECK(r.status == 503);
  CHECK(r.header("retry-after") == "1");
  CHECK(is_error_body(r));
  r = s.send(get("/health"));
  CHECK(r.status == 200);
  CHECK(body_of(r)["status"] == "unavailable");
  CHECK(body_of(r)["da_health"] == "unavailable");
  CHECK(s.send(get("/ready")).status == 503);
  CHECK(body_of(s.send(get("/fallback/status")))["current_status"] == "unavailable");
}

TEST_CASE("graceful stop closes idle keep-alive connections and returns promptly") {
  test_server s;
  raw_socket idle(s.port);
  CHECK(idle.send_all("GET /health HTTP/1.1\r\nHost: t\r\n\r\n", 5s));
  CHECK(status_of(idle.read_response(5s)) == 200);
  auto started = std::chrono::steady_clock::now();
  s.server->stop();
  CHECK(std::chrono::steady_clock::now() - started < 2s);
  CHECK(idle.wait_closed(2s));
  raw_socket late(s.port);
  CHECK_FALSE(late.connected());
  s.server->stop();  // idempotent
}

TEST_CASE("start: host names resolve; bind and resolve failures are reported") {
  test_server s;
  dsdn::http::server_config cfg;
  cfg.host = "localhost";
  cfg.port = 0;
  auto by_name = dsdn::http::http_server::start(*s.sys, *s.node, cfg);
  REQUIRE(by_name);
  // "localhost" resolves to 127.0.0.1 or ::1 first, depending on the system.
  auto v4 = fetch(by_name.value()->port(), get("/health"), "127.0.0.1");
  auto v6 = fetch(by_name.value()->port(), get("/health"), "::1");
  CHECK((v4.status == 200 || v6.status == 200));
  by_name.value()->stop();

  // A server without any connection frees its port as soon as stop() returns.
  cfg.host = "127.0.0.1";
  auto quiet = dsdn::http::http_server::start(*s.sys, *s.node, cfg);
  REQUIRE(quiet);
  quiet.value()->stop();
  raw_socket refused(quiet.value()->port());
  CHECK_FALSE(refused.connected());

  cfg.port = s.port;  // taken
  auto taken = dsdn::http::http_server::start(*s.sys, *s.node, cfg);
  REQUIRE_FALSE(taken);
  CHECK(taken.error().code == dsdn::http::server_errc::bind);

  cfg.host = "no-such-host.invalid";
  cfg.port = 0;
  auto unknown = dsdn::http::http_server::start(*s.sys, *s.node, cfg);
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == dsdn::http::server_errc::resolve);
}
