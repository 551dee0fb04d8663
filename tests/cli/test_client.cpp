// The HTTP client over plain TCP: request shape, response parsing, error classes, and the
// deadline against listeners that never answer.

#include <chrono>

#include <doctest/doctest.h>

#include "cli/fake_server.hpp"
#include "dsdn/http/client.hpp"

using namespace dsdn;
using namespace std::chrono_literals;

namespace {

http::url local(uint16_t port, std::string base_path = {}) {
  http::url u;
  u.host = "127.0.0.1";
  u.port = port;
  u.base_path = std::move(base_path);
  return u;
}

http::request_options with_timeout(std::chrono::milliseconds t) {
  http::request_options o;
  o.timeout = t;
  return o;
}

/// Runs `f` and returns how long it took.
template <class F>
std::chrono::milliseconds timed(F&& f) {
  auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start);
}

}  // namespace

TEST_CASE("client sends method, target, Host, Content-Type, Bearer token and body") {
  clitest::fake_server server([](const clitest::seen_request&) {
    clitest::canned c;
    c.status = 201;
    c.body = R"({"ok":true})";
    c.headers = {{"X-Custom-Header", "Value"}};
    return c;
  });
  http::request_options opt;
  opt.bearer_token = "s3cret";
  auto res = http::send(local(server.port(), "/api"), "POST", "/register?x=1", R"({"a":1})", opt);
  REQUIRE_MESSAGE(res.ok(), res.error().message);
  CHECK(res->status == 201);
  CHECK(res->reason == "Created");
  CHECK(res->body == R"({"ok":true})");
  CHECK(res->headers.at("x-custom-header") == "Value");
  CHECK(res->headers.at("content-type") == "application/json");
  CHECK(res->headers.count("X-Custom-Header") == 0);

  auto seen = server.last();
  CHECK(seen.method == "POST");
  CHECK(seen.target == "/api/register?x=1");
  CHECK(seen.host == "127.0.0.1:" + std::to_string(server.port()));
  CHECK(seen.content_type == "application/json");
  CHECK(seen.authorization == "Bearer s3cret");
  CHECK(seen.body == R"({"a":1})");
}

TEST_CASE("client GET has no body, no Content-Type and no Authorization without a token") {
  clitest::fake_server server([](const clitest::seen_request&) {
    clitest::canned c;
    c.status = 404;
    c.body = R"({"error":"not found"})";
    return c;
  });
  auto res = http::send(local(server.port()), "GET", "/object/abc", "", {});
  REQUIRE(res.ok());
  CHECK(res->status == 404);
  CHECK(res->reason == "Not Found");
  auto seen = server.last();
  CHECK(seen.method == "GET");
  CHECK(seen.body.empty());
  CHECK(seen.content_type.empty());
  CHECK(seen.authorization.empty());
}

TEST_CASE("client rejects bad requests before connecting") {
  auto u = local(1);
  CHECK(http::send(u, "BREW", "/", "", {}).error().code == http::client_errc::bad_url);
  CHECK(http::send(u, "GET", "nodes", "", {}).error().code == http::client_errc::bad_url);
  CHECK(http::send(u, "GET", "/a\r\nX: y", "", {}).error().code == http::client_errc::bad_url);
  http::request_options o;
  o.bearer_token = "a\nb";
  CHECK(http::send(u, "GET", "/", "", o).error().code == http::client_errc::bad_url);
}

TEST_CASE("client classifies a refused connection and an unknown host") {
  // Bind then close to get a port nobody listens on.
  uint16_t port = 0;
  {
    clitest::silent_listener l;
    port = l.port();
  }
  auto refused = http::send(local(port), "GET", "/health", "", with_timeout(5s));
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code == http::client_errc::connect);
  CHECK(refused.error().message.find("127.0.0.1:" + std::to_string(port)) != std::string::npos);

  http::url u;
  u.host = "no-such-host.invalid";
  u.port = 80;
  auto unknown = http::send(u, "GET", "/", "", with_timeout(10s));
  REQUIRE_FALSE(unknown.ok());
  // No DNS at all may also run out the clock; either way it is not a hang.
  CHECK((unknown.error().code == http::client_errc::resolve ||
         unknown.error().code == http::client_errc::timeout));
  CHECK(unknown.error().message.find("no-such-host.invalid") != std::string::npos);
}

TEST_CASE("client never waits past the deadline on a listener that never accepts") {
  clitest::silent_listener l;
  http::client_errc code{};
  auto took = timed([&] {
    auto res = http::send(local(l.port()), "GET", "/health", "", with_timeout(300ms));
    REQUIRE_FALSE(res.ok());
    code = res.error().code;
  });
  CHECK(code == http::client_errc::timeout);
  CHECK(took >= 250ms);
  CHECK(took < 2000ms);
}

TEST_CASE("client never waits past the deadline on a server that accepts and stays silent") {
  clitest::stalling_server s;
  std::string message;
  auto took = timed([&] {
    auto res = http::send(local(s.port()), "POST", "/register", "{}", with_timeout(400ms));
    REQUIRE_FALSE(res.ok());
    CHECK(res.error().code == http::client_errc::timeout);
    message = res.error().message;
  });
  CHECK(took >= 350ms);
  CHECK(took < 2000ms);
  CHECK(message.find("400 ms") != std::string::npos);
}

TEST_CASE("client times out on a response that stops half-way") {
  clitest::stalling_server s("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"partial");
  auto took = timed([&] {
    auto res = http::send(local(s.port()), "GET", "/nodes", "", with_timeout(300ms));
    REQUIRE_FALSE(res.ok());
    CHECK(res.error().code == http::client_errc::timeout);
  });
  CHECK(took < 2000ms);
}

TEST_CASE("client reports a malformed response as an I/O error") {
  clitest::stalling_server s("this is not HTTP\r\n\r\n");
  auto res = http::send(local(s.port()), "GET", "/", "", with_timeout(2s));
  REQUIRE_FALSE(res.ok());
  CHECK(res.error().code == http::client_errc::io);
}

TEST_CASE("client answers quickly when the server is fast (no waiting for the deadline)") {
  clitest::fake_server server([](const clitest::seen_request&) { return clitest::canned{}; });
  auto took = timed([&] {
    auto res = http::send(local(server.port()), "GET", "/health", "", with_timeout(10s));
    REQUIRE(res.ok());
  });
  CHECK(took < 1000ms);
}

TEST_CASE("client resolves host names") {
  clitest::fake_server server([](const clitest::seen_request&) { return clitest::canned{}; });
  http::url u;
  u.host = "localhost";
  u.port = server.port();
  auto res = http::send(u, "GET", "/health", "", with_timeout(5s));
  REQUIRE_MESSAGE(res.ok(), res.error().message);
  CHECK(server.last().host == "localhost:" + std::to_string(server.port()));
}
