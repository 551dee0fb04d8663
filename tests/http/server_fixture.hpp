#pragma once
// An in-process coordinator (mock DA, temp data dir) with the HTTP server on 127.0.0.1:0.

#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include "dsdn/actors/coordinator.hpp"
#include "dsdn/actors/logging.hpp"
#include "dsdn/http/server.hpp"
#include "http/client_support.hpp"

namespace dsdn::http_test {

using json = nlohmann::json;

/// A coordinator and its HTTP server, torn down in the required order (server, coordinator,
/// actor system).
struct test_server {
  std::string dir;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<coordinator> node;
  std::unique_ptr<http::http_server> server;
  uint16_t port = 0;

  /// `rebuild = false` leaves the coordinator rebuilding (writes refused, /ready 503);
  /// `backend` replaces the mock DA (fault injection).
  explicit test_server(http::server_config sc = {}, bool rebuild = true,
                       std::shared_ptr<da::da_backend> backend = nullptr) {
    configure_logging("warn", "text");
    char tmpl[] = "/tmp/dsdn-httptest-XXXXXX";
    dir = mkdtemp(tmpl);
    configure_actor_system(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    coordinator_config cc;
    cc.data_dir = dir + "/data";
    cc.mock_da = true;
    cc.backend = std::move(backend);
    auto opened = rebuild ? coordinator::start(*sys, cc) : coordinator::open(*sys, cc);
    if (!opened)
      FAIL("coordinator failed to start: " << opened.error().message);
    node = std::move(opened).value();
    sc.port = 0;
    auto started = http::http_server::start(*sys, *node, sc);
    if (!started)
      FAIL("http server failed to start: " << started.error().message);
    server = std::move(started).value();
    port = server->port();
  }

  ~test_server() {
    if (server)
      server->stop();
    server.reset();
    node.reset();
    sys.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  /// One request on a new connection.
  response send(const request& r) const { return fetch(port, r); }

  /// /system/info's state checksum.
  std::string checksum() const {
    auto r = fetch(port, get("/system/info"));
    auto j = json::parse(r.body, nullptr, false);
    REQUIRE(j.is_object());
    return j.value("state_checksum", std::string());
  }
};

/// The body as JSON (discarded when it is not JSON).
inline json body_of(const response& r) {
  return json::parse(r.body, nullptr, false);
}

/// The key set of a JSON object.
inline std::set<std::string> keys(const json& j) {
  std::set<std::string> out;
  if (j.is_object())
    for (auto it = j.begin(); it != j.end(); ++it)
      out.insert(it.key());
  return out;
}

/// True when the response is a JSON error body {"error": string, ...}.
inline bool is_error_body(const response& r) {
  auto j = body_of(r);
  return j.is_object() && j.contains("error") && j["error"].is_string() &&
         r.header("content-type") == "application/json";
}

/// {"id","zone","addr","capacity_gb"} as a JSON text.
inline std::string node_body(const std::string& id, const std::string& zone = "z1",
                             const std::string& addr = "10.0.0.1:7000") {
  return json{{"id", id}, {"zone", zone}, {"addr", addr}}.dump();
}

}  // namespace dsdn::http_test
