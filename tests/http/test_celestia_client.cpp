// The Celestia client's read path, health and failure handling over real sockets, against a
// scripted JSON-RPC server answering with EXAMPLES.md literals (the submit path is in
// test_celestia_submit.cpp).
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "http/celestia_test_support.hpp"

using namespace dsdn;
using namespace dsdn::http_test;

namespace {

template <class R>
std::string why(const R& r) {
  return r.ok() ? std::string() : r.error().message;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("celestia client: GetAll framing, auth header and the literal found reply") {
  script_server server;
  server.queue("blob.GetAll", reply(get_all_found));
  auto da = open_client(config_for(server));
  auto r = da->get_all(8069982);
  REQUIRE_MESSAGE(r.ok(), why(r));
  REQUIRE(r.value().size() == 2);
  CHECK(r.value()[0].height == 8069982);
  CHECK(r.value()[0].index == 0);
  CHECK(r.value()[1].index == 1);
  CHECK(r.value()[0].data == bytes_of(deposit));
  CHECK(r.value()[1].data == bytes_of(withdraw));

  auto seen = server.requests();
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].authorization == "Bearer test-token");
  CHECK(seen[0].content_type == "application/json");
  CHECK(seen[0].target == "/");
  CHECK(seen[0].params == json::parse(R"([8069982,["AAAAAAAAAAAAAAAAAAAAAAAAAAECAwQFBgcICQo="]])"));
}

TEST_CASE("celestia client: null, missing result and 'blob: not found' are empty heights") {
  script_server server;
  server.queue("blob.GetAll", reply(R"({"jsonrpc":"2.0","id":4,"result":null})"));
  server.queue("blob.GetAll", reply(R"({"jsonrpc":"2.0","id":4})"));
  server.queue("blob.GetAll",
               reply(R"({"jsonrpc":"2.0","id":4,"error":{"code":1,"message":"blob: not found"}})"));
  server.queue(
      "blob.GetAll",
      reply(
          R"({"jsonrpc":"2.0","id":4,"error":{"code":1,"message":"header: given height is from the future: networkHeight: 8069990, requestedHeight: 8070100"}})"));
  auto da = open_client(config_for(server));
  for (int i = 0; i < 4; ++i) {
    CAPTURE(i);
    auto r = da->get_all(8070100);
    REQUIRE_MESSAGE(r.ok(), why(r));
    CHECK(r.value().empty());
  }
  CHECK(server.count("blob.GetAll") == 4);  // none of them retried
  // Below start_height nothing is asked.
  auto cfg = config_for(server);
  cfg.start_height = 1000;
  auto below = open_client(cfg)->get_all(999);
  REQUIRE(below.ok());
  CHECK(below.value().empty());
  CHECK(server.count("blob.GetAll") == 4);
}

TEST_CASE("celestia client: HTTP 401 with an empty body is an auth error, not retried") {
  script_server server;
  server.queue("blob.GetAll", scripted_reply{401, ""});
  auto da = open_client(config_for(server));
  auto r = da->get_all(5);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == da::da_errc::unavailable);
  CHECK(contains(r.error().message, "[auth, HTTP 401]"));
  CHECK(server.count("blob.GetAll") == 1);
}

TEST_CASE("celestia client: code 1 'missing permission' is an auth error with the node's text") {
  script_server server;
  server.queue("header.NetworkHead",
               error_reply(1, "missing permission to invoke 'NetworkHead' (need 'read')"));
  server.queue("header.LocalHead",
               error_reply(1, "missing permission to invoke 'LocalHead' (need 'read')"));
  auto da = open_client(config_for(server));
  auto r = da->head_height();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == da::da_errc::unavailable);
  CHECK(contains(r.error().message, "missing permission to invoke 'NetworkHead' (need 'read')"));
  CHECK(contains(r.error().message, "[auth, HTTP 200, code 1]"));
  CHECK(server.count("header.NetworkHead") == 1);
  CHECK(server.count("header.LocalHead") == 1);
}

TEST_CASE("celestia client: HTTP 500, 503 and 429 are retried with backoff until success") {
  script_server server;
  server.queue("blob.GetAll", scripted_reply{500, "<html>Internal Server Error</html>"});
  server.queue("blob.GetAll", scripted_reply{503, "server busy, try again later"});
  server.queue("blob.GetAll", scripted_reply{429, ""});
  server.queue("blob.GetAll", reply(get_all_found));
  auto da = open_client(config_for(server));
  auto started = std::chrono::steady_clock::now();
  auto r = da->get_all(8069982);
  auto elapsed = std::chrono::steady_clock::now() - started;
  REQUIRE_MESSAGE(r.ok(), why(r));
  CHECK(r.value().size() == 2);
  CHECK(server.count("blob.GetAll") == 4);
  CHECK(da->stats().retries == 3);
  CHECK(elapsed >= 10ms + 20ms + 40ms);  // 10 ms doubling, capped at 40 ms
}

TEST_CASE("celestia client: retries stop at retry_count and name the last failure") {
  script_server server;
  server.handle("blob.GetAll", [](const json&) { return scripted_reply{502, "bad gateway"}; });
  auto cfg = config_for(server);
  cfg.retry_count = 2;
  auto r = open_client(cfg)->get_all(7);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == da::da_errc::unavailable);
  CHECK(contains(r.error().message, "[server_error, HTTP 502]: HTTP 502: bad gateway"));
  CHECK(contains(r.error().message, "after 3 attempts"));
  CHECK(server.count("blob.GetAll") == 3);
}

TEST_CASE("celestia client: garbage replies are clean errors, nothing is made of them") {
  script_server server;
  server.queue("blob.GetAll", reply("this is not json {"));
  server.queue("blob.GetAll", reply(R"({"result":[]})"));
  server.queue("blob.GetAll", reply(R"({"jsonrpc":"2.0","id":1,"result":{"a":1}})"));
  server.queue("header.NetworkHead", reply("\x01\x02garbage"));
  server.queue("header.LocalHead", reply(R"({"jsonrpc":"2.0","id":1,"result":"67374"})"));
  auto da = open_client(config_for(server));
  for (int i = 0; i < 3; ++i) {
    CAPTURE(i);
    auto r = da->get_all(9);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == da::da_errc::corrupt);
    CHECK(contains(r.error().message, "[malformed"));
  }
  CHECK(server.count("blob.GetAll") == 3);  // not retried
  auto head = da->head_height();
  REQUIRE_FALSE(head.ok());
  CHECK(head.error().code == da::da_errc::corrupt);
  CHECK_FALSE(contains(head.error().message, "\x01"));
}

TEST_CASE("celestia client: blobs that fail their commitment or namespace are skipped") {
  script_server server;
  json blobs = json::array({
      blob_json(example_ns(), "first", 3),
      blob_json(example_ns(), "lying", 4, deposit_commitment),  // commitment of other data
      blob_json(foreign_ns(), "stranger", 5),
      json{{"namespace", "AAAA"}, {"data", "aGk="}, {"share_version", 0}, {"index", 6}},
      blob_json(example_ns(), "last", 7),
  });
  server.queue("blob.GetAll", result_reply(blobs));
  auto da = open_client(config_for(server));
  auto r = da->get_all(12);
  REQUIRE_MESSAGE(r.ok(), why(r));
  REQUIRE(r.value().size() == 2);
  CHECK(r.value()[0].data == bytes_of("first"));
  CHECK(r.value()[0].index == 0);
  CHECK(r.value()[1].data == bytes_of("last"));
  CHECK(r.value()[1].index == 4);  // positions do not move when others are skipped
  CHECK(da->stats().blobs_skipped == 3);
}

TEST_CASE("celestia client: blobs come in index order; without indexes in response order") {
  script_server server;
  server.queue("blob.GetAll", result_reply(json::array({blob_json(example_ns(), "b", 20),
                                                        blob_json(example_ns(), "a", 10)})));
  server.queue("blob.GetAll", result_reply(json::array({blob_json(example_ns(), "b", -1),
                                                        blob_json(example_ns(), "a", -1)})));
  auto da = open_client(config_for(server));
  auto sorted = da->get_all(1);
  REQUIRE(sorted.ok());
  REQUIRE(sorted.value().size() == 2);
  CHECK(sorted.value()[0].data == bytes_of("a"));
  auto kept = da->get_all(1);
  REQUIRE(kept.ok());
  REQUIRE(kept.value().size() == 2);
  CHECK(kept.value()[0].data == bytes_of("b"));
}

TEST_CASE("celestia client: head from the literal ExtendedHeader, LocalHead as fallback") {
  script_server server;
  server.queue("header.NetworkHead", reply(network_head_literal));
  server.queue("header.NetworkHead", error_reply(1, "syncer head: not started"));
  server.queue("header.LocalHead", header_reply(67000));
  auto da = open_client(config_for(server));
  auto head = da->head_height();
  REQUIRE_MESSAGE(head.ok(), why(head));
  CHECK(head.value() == 67374);
  head = da->head_height();
  REQUIRE_MESSAGE(head.ok(), why(head));
  CHECK(head.value() == 67000);
  CHECK(server.requests().back().params == json::array());
}

TEST_CASE("celestia client: get_range skips empty heights, never splits one, stops at the head") {
  script_server server;
  server.handle("header.NetworkHead", [](const json&) { return header_reply(10); });
  server.handle("blob.GetAll", [](const json& params) {
    switch (height_param(params)) {
      case 3:
        return result_reply(
            json::array({blob_json(example_ns(), "3a", 1), blob_json(example_ns(), "3b", 2)}));
      case 5:
        return result_reply(
            json::array({blob_json(example_ns(), "5a", 1), blob_json(example_ns(), "5b", 2),
                         blob_json(example_ns(), "5c", 3)}));
      case 8:
        return result_reply(json::array({blob_json(example_ns(), "8a", 9)}));
      default:
        return result_reply(nullptr);
    }
  });
  auto da = open_client(config_for(server));

  auto r = da->get_range(1, 100, 4);  // height 3 (2), height 5 would make 5 > 4
  REQUIRE_MESSAGE(r.ok(), why(r));
  REQUIRE(r.value().size() == 2);
  CHECK(r.value()[0].height == 3);
  CHECK(r.value()[1].index == 1);

  r = da->get_range(4, 100, 4);  // heights 5 (3) and 8 (1): exactly 4
  REQUIRE(r.ok());
  REQUIRE(r.value().size() == 4);
  CHECK(r.value()[2].data == bytes_of("5c"));
  CHECK(r.value()[3].height == 8);

  r = da->get_range(1, 100, 1);  // the first height comes whole
  REQUIRE(r.ok());
  CHECK(r.value().size() == 2);

  r = da->get_range(9, 100, 10);  // nothing up to the head: empty, and nothing past it asked
  REQUIRE(r.ok());
  CHECK(r.value().empty());
  for (const auto& s : server.requests()) {
    if (s.method == "blob.GetAll") {
      CHECK(height_param(s.params) <= 10);
    }
  }

  r = da->get_range(6, 7, 10);  // `to` below the head bounds the scan
  REQUIRE(r.ok());
  CHECK(r.value().empty());
}

TEST_CASE("celestia client: get_range keeps what it read when a later height fails") {
  script_server server;
  server.handle("header.NetworkHead", [](const json&) { return header_reply(5); });
  server.handle("blob.GetAll", [](const json& params) {
    if (height_param(params) == 2) {
      return result_reply(json::array({blob_json(example_ns(), "two", 0)}));
    }
    if (height_param(params) == 4) {
      return error_reply(1, "requested header (4) is below Tail (7900000)");
    }
    return result_reply(nullptr);
  });
  auto da = open_client(config_for(server));
  auto r = da->get_range(1, 100, 10);
  REQUIRE_MESSAGE(r.ok(), why(r));
  REQUIRE(r.value().size() == 1);
  CHECK(r.value()[0].height == 2);
  r = da->get_range(3, 100, 10);  // the failing height first: an error, not "caught up"
  REQUIRE_FALSE(r.ok());
  CHECK(contains(r.error().message, "[pruned"));
}

TEST_CASE("celestia client: blob.Get returns the blob or nothing") {
  script_server server;
  server.queue(
      "blob.Get",
      reply(
          R"({"jsonrpc":"2.0","id":3,"result":{"namespace":"AAAAAAAAAAAAAAAAAAAAAAAAAAECAwQFBgcICQo=","data":"eyJzZXEiOjEsImV2ZW50IjoiZGVwb3NpdCJ9","share_version":0,"commitment":"fwQ9QRIwfLX2jmCcATKQr8ZCzI3GUgIiNol+zmIgK1Q=","index":10}})"));
  server.queue("blob.Get",
               reply(R"({"jsonrpc":"2.0","id":3,"error":{"code":1,"message":"blob: not found"}})"));
  auto da = open_client(config_for(server));
  auto r = da->get_blob(8069982, commit_of(deposit_commitment));
  REQUIRE_MESSAGE(r.ok(), why(r));
  REQUIRE(r.value());
  CHECK(*r.value() == bytes_of(deposit));
  CHECK(
      server.requests()[0].params ==
      json::parse(
          R"([8069982,"AAAAAAAAAAAAAAAAAAAAAAAAAAECAwQFBgcICQo=","fwQ9QRIwfLX2jmCcATKQr8ZCzI3GUgIiNol+zmIgK1Q="])"));
  r = da->get_blob(8069982, commit_of(deposit_commitment));
  REQUIRE(r.ok());
  CHECK_FALSE(r.value());
}

TEST_CASE("celestia client: a slow or endless reply is bounded by the timeout") {
  script_server server;
  // An endless body: 100 MB announced, one byte every 20 ms.
  server.queue("header.NetworkHead", scripted_reply{200, "", 0ms, 100u * 1024 * 1024, 20ms});
  server.queue("blob.GetAll",
               scripted_reply{200, R"({"jsonrpc":"2.0","id":1,"result":null})", 3000ms});
  auto cfg = config_for(server);
  cfg.timeout = 300ms;
  cfg.retry_count = 0;
  auto da = open_client(cfg);

  auto started = std::chrono::steady_clock::now();
  auto head = da->network_head();
  auto elapsed = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(head.ok());
  CHECK(head.error().code == da::da_errc::timeout);
  CHECK(elapsed < 1500ms);

  started = std::chrono::steady_clock::now();
  auto r = da->get_all(3);
  elapsed = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == da::da_errc::timeout);
  CHECK(contains(r.error().message, "[timed_out]"));
  CHECK(elapsed < 1500ms);
}

TEST_CASE("celestia client: healthy() is a short head probe") {
  script_server server;
  server.queue("header.NetworkHead", header_reply(42));
  server.queue("header.NetworkHead", scripted_reply{200, "", 2000ms});
  server.queue("header.NetworkHead", scripted_reply{503, "server busy, try again later"});
  auto cfg = config_for(server);
  cfg.health_timeout = 200ms;
  auto da = open_client(cfg);
  CHECK(da->healthy());
  auto started = std::chrono::steady_clock::now();
  CHECK_FALSE(da->healthy());
  CHECK(std::chrono::steady_clock::now() - started < 1000ms);
  CHECK_FALSE(da->healthy());  // no retries inside the probe
  CHECK(server.count("header.NetworkHead") == 3);

  uint16_t port = server.port();
  server.stop();
  cfg.rpc_url = "http://127.0.0.1:" + std::to_string(port);
  CHECK_FALSE(open_client(cfg)->healthy());  // connection refused
}

TEST_CASE("celestia client: the configuration is checked before any I/O") {
  script_server server;
  auto cfg = config_for(server);
  cfg.network = da::celestia_network::mainnet;
  cfg.auth_token.clear();
  auto r = da::open_celestia_da(cfg);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == da::da_errc::bad_request);
  CHECK(contains(r.error().message,
                 "auth_token is required for mainnet (needed for light node RPC auth)"));
  cfg = config_for(server);
  cfg.rpc_url = "http://user@127.0.0.1:1/";
  CHECK_FALSE(da::open_celestia_da(cfg).ok());
  cfg = config_for(server);
  auto ok = da::open_celestia_da(cfg);
  REQUIRE(ok.ok());
  CHECK(std::string(ok.value()->kind()) == "celestia");
  CHECK(server.requests().empty());
}
