// The Celestia client's submit path over real sockets against a scripted JSON-RPC server:
// framing, the commitment check after inclusion, failures that must not be retried, retries,
// and the commitment search after a submit whose outcome is unknown (never a blind resubmit).
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

const std::vector<da::blob_bytes> two_events{bytes_of(deposit), bytes_of(withdraw)};

/// GetAll answering `blobs` at `height` and null everywhere else.
script_server::handler blobs_at(uint64_t height, json blobs) {
  return [height, blobs](const json& params) {
    return height_param(params) == height ? result_reply(blobs) : result_reply(nullptr);
  };
}

json our_blobs(int64_t first_index) {
  return json::array({blob_json(example_ns(), deposit, first_index),
                      blob_json(example_ns(), withdraw, first_index + 1)});
}

}  // namespace

TEST_CASE("celestia submit: success, request framing, commitments checked at the height") {
  script_server server;
  server.queue("blob.Submit", reply(R"({"jsonrpc":"2.0","id":2,"result":8069982})"));
  server.queue("blob.GetAll", reply(get_all_found));
  auto da = open_client(config_for(server));
  auto r = da->submit(two_events);
  REQUIRE_MESSAGE(r.ok(), why(r));
  CHECK(r.value().height == 8069982);
  REQUIRE(r.value().commitments.size() == 2);
  CHECK(r.value().commitments[0] == commit_of(deposit_commitment));
  CHECK(r.value().commitments[1] == commit_of(withdraw_commitment));

  auto seen = server.requests();
  REQUIRE(seen.size() == 2);
  CHECK(seen[0].method == "blob.Submit");
  CHECK(seen[0].authorization == "Bearer test-token");
  REQUIRE(seen[0].params.size() == 2);
  CHECK(seen[0].params[1] == json::object());  // TxConfig `{}`, never null
  const json& blobs = seen[0].params[0];
  REQUIRE(blobs.size() == 2);
  CHECK(blobs[0]["namespace"] == "AAAAAAAAAAAAAAAAAAAAAAAAAAECAwQFBgcICQo=");
  CHECK(blobs[0]["data"] == "eyJzZXEiOjEsImV2ZW50IjoiZGVwb3NpdCJ9");
  CHECK(blobs[0]["share_version"] == 0);
  CHECK(blobs[0]["commitment"] == deposit_commitment);
  CHECK(blobs[1]["data"] == "eyJzZXEiOjIsImV2ZW50Ijoid2l0aGRyYXcifQ==");
  CHECK(seen[1].method == "blob.GetAll");
  CHECK(height_param(seen[1].params) == 8069982);
  CHECK(da->stats().submits == 1);
  CHECK(da->stats().searches == 0);
}

TEST_CASE("celestia submit: the configured TxConfig is sent") {
  script_server server;
  server.queue("blob.Submit", result_reply(77));
  server.handle("blob.GetAll", blobs_at(77, our_blobs(0)));
  auto cfg = config_for(server);
  cfg.tx.gas_price = 0.004;
  cfg.tx.max_gas_price = 0.4;
  cfg.tx.tx_priority = 2;
  auto r = open_client(cfg)->submit(two_events);
  REQUIRE_MESSAGE(r.ok(), why(r));
  CHECK(server.requests()[0].params[1] ==
        json::parse(
            R"({"gas_price":0.004,"is_gas_price_set":true,"max_gas_price":0.4,"tx_priority":2})"));
}

TEST_CASE("celestia submit: a commitment mismatch at the reported height is corrupt") {
  script_server server;
  server.queue("blob.Submit", result_reply(8069982));
  // Our deposit blob, but the node claims the commitment of another blob (EXAMPLES.md 1c).
  server.queue("blob.GetAll",
               result_reply(json::array({blob_json(example_ns(), deposit, 10,
                                                   "aHlbp+J9yub6hw/uhK6dP8hBLR2mFy78XNRRdLf2794="),
                                         blob_json(example_ns(), withdraw, 11)})));
  server.queue("blob.Submit", result_reply(8069983));
  server.queue("blob.GetAll", result_reply(nullptr));  // reported height without our blobs
  auto da = open_client(config_for(server));
  auto r = da->submit(two_events);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == da::da_errc::corrupt);
  CHECK(contains(r.error().message, "commitment mismatch for blob 0 at height 8069982"));
  CHECK(contains(r.error().message, "aHlbp+J9yub6hw/uhK6dP8hBLR2mFy78XNRRdLf2794="));

  r = da->submit(two_events);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == da::da_errc::corrupt);
  CHECK(contains(r.error().message, "is not at the reported height 8069983"));
  CHECK(da->stats().commitment_mismatches == 2);
  CHECK(server.count("blob.Submit") == 2);  // neither was resubmitted
}

TEST_CASE("celestia submit: auth failures are final (HTTP 401, code 1 missing permission)") {
  script_server server;
  server.queue("blob.Submit", scripted_reply{401, ""});
  server.queue(
      "blob.Submit",
      reply(
          R"js({"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"missing permission to invoke 'Submit' (need 'write')"}})js"));
  auto da = open_client(config_for(server));
  auto r = da->submit(two_events);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == da::da_errc::unavailable);
  CHECK(contains(r.error().message, "[auth, HTTP 401]"));
  CHECK(server.count("blob.Submit") == 1);

  r = da->submit(two_events);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == da::da_errc::unavailable);
  CHECK(contains(r.error().message, "missing permission to invoke 'Submit' (need 'write')"));
  CHECK(server.count("blob.Submit") == 2);
  CHECK(server.count("header.NetworkHead") == 0);  // definite failures need no search
}

TEST_CASE("celestia submit: request errors are bad_request and final") {
  script_server server;
  server.queue(
      "blob.Submit",
      reply(
          R"({"jsonrpc":"2.0","id":1,"error":{"code":0,"message":"fatal error calling 'blob.Submit': panic in rpc method 'blob.Submit': runtime error: invalid memory address or nil pointer dereference"}})"));
  server.queue(
      "blob.Submit",
      scripted_reply{
          500,
          R"({"jsonrpc":"2.0","id":1,"error":{"code":-32602,"message":"wrong param count (method 'blob.Submit'): 1 != 2"}})"});
  server.queue("blob.Submit",
               error_reply(1,
                           "broadcast tx error: hash 05D9 error: spendable balance 10utia is "
                           "smaller than 2000utia: insufficient funds code: 5"));
  auto da = open_client(config_for(server));
  auto r = da->submit(two_events);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == da::da_errc::bad_request);
  r = da->submit(two_events);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == da::da_errc::bad_request);
  CHECK(contains(r.error().message, "wrong param count"));
  r = da->submit(two_events);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == da::da_errc::unavailable);
  CHECK(contains(r.error().message, "[funds"));
  CHECK(server.count("blob.Submit") == 3);

  // Refused before any I/O.
  CHECK(da->submit({}).error().code == da::da_errc::bad_request);
  CHECK(da->submit({da::blob_bytes{}}).error().code == da::da_errc::bad_request);
  CHECK(da->submit({da::blob_bytes(da::max_blob_size + 1, 1)}).error().code ==
        da::da_errc::too_large);
  CHECK(server.count("blob.Submit") == 3);
}

TEST_CASE("celestia submit: busy and sequence errors are retried without a search") {
  script_server server;
  server.queue("blob.Submit", scripted_reply{503, "server busy, try again later"});
  server.queue("blob.Submit", error_reply(1, "account sequence mismatch, expected 5, got 4"));
  server.queue("blob.Submit", result_reply(8069982));
  server.queue("blob.GetAll", reply(get_all_found));
  auto da = open_client(config_for(server));
  auto r = da->submit(two_events);
  REQUIRE_MESSAGE(r.ok(), why(r));
  CHECK(r.value().height == 8069982);
  CHECK(server.count("blob.Submit") == 3);
  CHECK(server.count("header.NetworkHead") == 0);
  CHECK(da->stats().retries == 2);
}

TEST_CASE("celestia submit: a timed-out submit found by the search is not sent again") {
  script_server server;
  // The node includes the blobs at 67373 but answers only after the client gave up.
  server.queue("blob.Submit",
               scripted_reply{200, R"({"jsonrpc":"2.0","id":1,"result":67373})", 1500ms});
  server.queue("header.NetworkHead", reply(network_head_literal));  // head 67374
  server.handle("blob.GetAll", blobs_at(67373, our_blobs(4)));
  auto cfg = config_for(server);
  cfg.timeout = 300ms;
  auto da = open_client(cfg);
  auto r = da->submit(two_events);
  REQUIRE_MESSAGE(r.ok(), why(r));
  CHECK(r.value().height == 67373);
  CHECK(r.value().commitments[0] == commit_of(deposit_commitment));
  CHECK(server.count("blob.Submit") == 1);
  // Searched from the head down: 67374 (nothing), 67373 (found).
  CHECK(server.count("blob.GetAll") == 2);
  auto s = da->stats();
  CHECK(s.searches == 1);
  CHECK(s.search_hits == 1);
  CHECK(s.resubmits == 0);
}

TEST_CASE("celestia submit: a timed-out submit the search cannot find is resubmitted once") {
  script_server server;
  server.queue("blob.Submit",
               scripted_reply{200, R"({"jsonrpc":"2.0","id":1,"result":67375})", 1500ms});
  server.queue("blob.Submit", result_reply(67375));
  server.handle("header.NetworkHead", [](const json&) { return header_reply(67374); });
  server.handle("blob.GetAll", blobs_at(67375, our_blobs(0)));
  auto cfg = config_for(server);
  cfg.timeout = 300ms;
  auto da = open_client(cfg);
  auto r = da->submit(two_events);
  REQUIRE_MESSAGE(r.ok(), why(r));
  CHECK(r.value().height == 67375);
  CHECK(server.count("blob.Submit") == 2);
  // search_depth 5: heights 67374..67370, then the read-back of 67375.
  CHECK(server.count("blob.GetAll") == 6);
  uint64_t lowest = UINT64_MAX;
  for (const auto& s : server.requests()) {
    if (s.method == "blob.GetAll") {
      lowest = std::min(lowest, height_param(s.params));
    }
  }
  CHECK(lowest == 67370);
  auto s = da->stats();
  CHECK(s.searches == 1);
  CHECK(s.search_hits == 0);
  CHECK(s.resubmits == 1);
}

TEST_CASE("celestia submit: ambiguous node errors are searched for too") {
  script_server server;
  server.queue("blob.Submit", error_reply(1, "timed out waiting for tx to be included in a block"));
  server.handle("header.NetworkHead", [](const json&) { return header_reply(500); });
  server.handle("blob.GetAll", blobs_at(499, our_blobs(0)));
  auto da = open_client(config_for(server));
  auto r = da->submit(two_events);
  REQUIRE_MESSAGE(r.ok(), why(r));
  CHECK(r.value().height == 499);
  CHECK(server.count("blob.Submit") == 1);
}

TEST_CASE("celestia submit: when the search itself fails, nothing is resubmitted") {
  script_server server;
  server.queue("blob.Submit",
               scripted_reply{200, R"({"jsonrpc":"2.0","id":1,"result":9})", 1500ms});
  server.handle("header.NetworkHead", [](const json&) { return scripted_reply{401, ""}; });
  server.handle("header.LocalHead", [](const json&) { return scripted_reply{401, ""}; });
  auto cfg = config_for(server);
  cfg.timeout = 300ms;
  auto da = open_client(cfg);
  auto r = da->submit(two_events);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == da::da_errc::timeout);
  CHECK(contains(r.error().message, "not resubmitted"));
  CHECK(server.count("blob.Submit") == 1);
}

TEST_CASE("celestia submit: a garbage reply is searched for, then a clean error") {
  script_server server;
  server.queue("blob.Submit", reply("<html>hello</html>"));
  server.handle("header.NetworkHead", [](const json&) { return header_reply(3); });
  server.handle("blob.GetAll", [](const json&) { return result_reply(nullptr); });
  auto da = open_client(config_for(server));
  auto r = da->submit(two_events);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == da::da_errc::corrupt);
  CHECK(contains(r.error().message, "not JSON"));
  CHECK(server.count("blob.Submit") == 1);
  CHECK(server.count("blob.GetAll") == 3);  // heights 3, 2, 1: the search stops at height 1
}

TEST_CASE("celestia submit: an unreachable node is retried, never searched") {
  uint16_t port = 0;
  {
    script_server gone;
    port = gone.port();
  }
  da::celestia_config cfg;
  {
    script_server placeholder;
    cfg = config_for(placeholder);
  }
  cfg.rpc_url = "http://127.0.0.1:" + std::to_string(port);
  cfg.retry_count = 2;
  auto da = open_client(cfg);
  auto r = da->submit(two_events);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == da::da_errc::unavailable);
  CHECK(contains(r.error().message, "[unreachable]"));
  CHECK(da->stats().submits == 3);
  CHECK(da->stats().searches == 0);
}
