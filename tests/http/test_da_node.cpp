// The DA node over real sockets, speaking raw JSON-RPC: Submit blocks until its block exists,
// the result shapes of API.md, the error cases of EXAMPLES.md with celestia-node's messages,
// auth, batches, the validator endpoints (signatures verified as QuorumDA does) and restart.

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "dsdn/actors/logging.hpp"
#include "dsdn/core/crypto.hpp"
#include "dsdn/da/namespace.hpp"
#include "dsdn/da/quorum_proof.hpp"
#include "dsdn/http/da_node.hpp"
#include "http/client_support.hpp"

namespace dsdn::http_test {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

// EXAMPLES.md 1a: namespace 00..0102030405060708090a, data "hello world".
const std::string ns_b64 = "AAAAAAAAAAAAAAAAAAAAAAAAAAECAwQFBgcICQo=";
const std::string hello_b64 = "aGVsbG8gd29ybGQ=";
const std::string hello_commitment = "D6fgf3g85iWdskQ6A8aRBaMimX1SbU6PPBJ/+pK9cMQ=";
const std::string reserved_ns_b64 = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE=";

/// A DA node on 127.0.0.1:0 over a temp data dir (kept across restart()).
struct node {
  std::string dir;
  http::da_node_config cfg;
  std::unique_ptr<http::da_node_server> server;

  explicit node(uint64_t block_time_ms, std::string token = {}) {
    configure_logging("warn", "text");
    char tmpl[] = "/tmp/dsdn-danode-XXXXXX";
    dir = mkdtemp(tmpl);
    cfg.port = 0;
    cfg.data_dir = dir + "/data";
    cfg.block_time_ms = block_time_ms;
    cfg.auth_token = std::move(token);
    start();
  }
  ~node() {
    server.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  void start() {
    auto s = http::da_node_server::start(cfg);
    if (!s)
      FAIL("da node failed to start: " << s.error().message);
    server = std::move(s).value();
  }
  void restart() {
    server->stop();
    server.reset();
    start();
  }
  uint16_t port() const { return server->port(); }

  /// POSTs `body` as it is.
  response raw(const std::string& body,
               const std::vector<std::pair<std::string, std::string>>& headers = {}) const {
    request r = post("/", body, {});
    r.headers = headers;
    return fetch(port(), r);
  }
  /// One call with the configured token (or `token` when given); the parsed response.
  json call(const std::string& method, const json& params, int* status = nullptr,
            const std::string* token = nullptr) const {
    const json req = {{"id", 1}, {"jsonrpc", "2.0"}, {"method", method}, {"params", params}};
    auto r = fetch(port(), post("/", req.dump(), token ? *token : cfg.auth_token));
    if (status)
      *status = r.status;
    auto j = json::parse(r.body, nullptr, false);
    INFO(r.body);
    REQUIRE(j.is_object());
    CHECK(j["jsonrpc"] == "2.0");
    CHECK(j["id"] == 1);
    return j;
  }
  json result(const std::string& method, const json& params) const {
    int status = 0;
    auto j = call(method, params, &status);
    INFO(j.dump());
    CHECK(status == 200);
    REQUIRE(j.contains("result"));
    return j["result"];
  }
  uint64_t head() const {
    return std::stoull(
        result("header.LocalHead", json::array())["header"]["height"].get<std::string>());
  }
};

json hello_blob() {
  return {{"namespace", ns_b64},
          {"data", hello_b64},
          {"share_version", 0},
          {"commitment", "AA=="},
          {"index", -1}};
}

/// Checks an error response: HTTP status, code and exact message.
void check_error(const node& n, const std::string& method, const json& params, int want_status,
                 int want_code, const std::string& want_message) {
  int status = 0;
  auto j = n.call(method, params, &status);
  INFO(j.dump());
  CHECK(status == want_status);
  REQUIRE(j.contains("error"));
  CHECK_FALSE(j.contains("result"));
  CHECK(j["error"]["code"] == want_code);
  CHECK(j["error"]["message"] == want_message);
}

std::vector<uint8_t> unb64(const json& j) {
  auto v = da::base64_decode(j.get<std::string>());
  REQUIRE(v.has_value());
  return *v;
}

TEST_CASE("da node: blob.Submit returns the inclusion height once that block exists") {
  node n(300);
  const auto before = std::chrono::steady_clock::now();
  const json height = n.result("blob.Submit", {json::array({hello_blob()}), json::object()});
  REQUIRE(height.is_number_unsigned());
  const uint64_t h = height.get<uint64_t>();
  // The block is there already: the local head (which never waits) has reached it.
  CHECK(n.head() >= h);
  CHECK(h >= 2);                                              // genesis is height 1
  CHECK(std::chrono::steady_clock::now() - before >= 100ms);  // it waited for a block

  const json all = n.result("blob.GetAll", {h, {ns_b64}});
  REQUIRE(all.is_array());
  REQUIRE(all.size() == 1);
  const json& b = all[0];
  // API.md section 2: the key order and shapes of celestia-node, no signer for version 0.
  std::vector<std::string> keys;
  for (auto it = b.begin(); it != b.end(); ++it)
    keys.push_back(it.key());
  CHECK(keys.size() == 5);
  CHECK(b["namespace"] == ns_b64);
  CHECK(b["data"] == hello_b64);
  CHECK(b["share_version"] == 0);
  CHECK(b["commitment"] == hello_commitment);  // recomputed; the client's "AA==" is ignored
  CHECK(b["index"].is_number_unsigned());
  const auto raw = fetch(n.port(), post("/", json{{"id", 1},
                                                  {"jsonrpc", "2.0"},
                                                  {"method", "blob.Get"},
                                                  {"params", {h, ns_b64, hello_commitment}}}
                                                 .dump()));
  CHECK(raw.status == 200);
  CHECK(raw.header("content-type") == "application/json");
  CHECK(raw.body.find(R"({"jsonrpc":"2.0","id":1,"result":{"namespace":")") == 0);
  CHECK(json::parse(raw.body)["result"] == b);

  // Nothing in a namespace: result null, present (node >= v0.15).
  const auto empty = n.raw(json{{"id", 4},
                                {"jsonrpc", "2.0"},
                                {"method", "blob.GetAll"},
                                {"params", {h, {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAMJ/xGlNMdE="}}}}
                               .dump());
  CHECK(empty.body == R"({"jsonrpc":"2.0","id":4,"result":null})");
}

TEST_CASE("da node: headers have celestia-node's shape, and head + 1 waits for its block") {
  node n(200);
  const json net = n.result("header.NetworkHead", json::array());
  const json& hdr = net["header"];
  REQUIRE(hdr["height"].is_string());
  const uint64_t h = std::stoull(hdr["height"].get<std::string>());
  CHECK(h >= 1);
  CHECK(hdr["chain_id"] == "dsdn-da-node");
  CHECK(std::regex_match(hdr["time"].get<std::string>(),
                         std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z)")));
  CHECK(std::regex_match(hdr["data_hash"].get<std::string>(), std::regex("[0-9A-F]{64}")));
  CHECK(net["commit"]["height"] == hdr["height"]);
  REQUIRE(net["dah"]["row_roots"].size() >= 2);
  CHECK(net["dah"]["row_roots"].size() == net["dah"]["column_roots"].size());
  for (const auto& root : net["dah"]["row_roots"])
    CHECK(unb64(root).size() == 90);
  const json local = n.result("header.LocalHead", json::array());
  CHECK(std::stoull(local["header"]["height"].get<std::string>()) >= h);
  const json by_height = n.result("header.GetByHeight", {h});
  CHECK(by_height["header"]["height"] == hdr["height"]);
  CHECK(by_height["header"]["time"] == hdr["time"]);
  CHECK(n.result("node.Ready", json::array()) == true);

  // The height after the head: no error, the answer comes once the block is made.
  const uint64_t next = n.head() + 1;
  const json waited = n.result("blob.GetAll", {next, {ns_b64}});
  CHECK(waited.is_null());
  CHECK(n.head() >= next);
  const json header = n.result("header.WaitForHeight", {n.head() + 2});
  CHECK(std::stoull(header["header"]["height"].get<std::string>()) >= 3);
}

TEST_CASE("da node: the error cases of EXAMPLES.md, with celestia-node's messages") {
  node n(3600 * 1000);  // no block but genesis during the test: the head stays at 1
  const std::string submit_prefix =
      "unmarshaling params for 'blob.Submit' (param: *[]*blob.Blob): ";
  check_error(n, "blob.Submit", {json::array({hello_blob()})}, 500, -32602,
              "wrong param count (method 'blob.Submit'): 1 != 2");
  json reserved = hello_blob();
  reserved["namespace"] = reserved_ns_b64;
  check_error(n, "blob.Submit", {json::array({reserved}), json::object()}, 500, -32700,
              submit_prefix +
                  "invalid user namespace: invalid data namespace("
                  "0000000000000000000000000000000000000000000000000000000001): reserved data is "
                  "forbidden");
  json empty = hello_blob();
  empty["data"] = "";
  check_error(n, "blob.Submit", {json::array({empty}), json::object()}, 500, -32700,
              submit_prefix + "data can not be empty");
  json short_ns = hello_blob();
  short_ns["namespace"] = "AAEC";
  check_error(n, "blob.Submit", {json::array({short_ns}), json::object()}, 500, -32700,
              submit_prefix + "invalid namespace length: 3. Must be 29 bytes");
  json bad_b64 = hello_blob();
  bad_b64["data"] = "not base64!";
  check_error(n, "blob.Submit", {json::array({bad_b64}), json::object()}, 500, -32700,
              submit_prefix + "illegal base64 data at input byte 3");
  check_error(n, "blob.Sbmit", json::array(), 500, -32601, "method 'blob.Sbmit' not found");
  check_error(n, "blob.Submit", {json::array({hello_blob()}), nullptr}, 500, 0,
              "fatal error calling 'blob.Submit': panic in rpc method 'blob.Submit': runtime "
              "error: invalid memory address or nil pointer dereference");
  check_error(n, "blob.Submit", {json::array(), json::object()}, 200, 1,
              "state: no blobs provided");
  check_error(n, "blob.Get", {1, ns_b64, hello_commitment}, 200, 1, "blob: not found");
  check_error(n, "blob.GetAll", {100, {ns_b64}}, 200, 1,
              "header: given height is from the future: networkHeight: 1, requestedHeight: 100");
  check_error(n, "header.GetByHeight", {0}, 200, 1, "height is equal to 0");
  check_error(n, "blob.GetAll", {"1", {ns_b64}}, 500, -32700,
              "unmarshaling params for 'blob.GetAll' (param: *uint64): json: cannot unmarshal "
              "string into Go value of type uint64");
  check_error(n, "dsdn.GetByCommitment", {hello_commitment}, 200, 1, "blob: not found");
  CHECK(n.result("blob.GetAll", {1, {ns_b64}}).is_null());  // genesis holds no blobs

  // Transport-level cases (EXAMPLES.md section 6).
  auto blank = n.raw("  ");
  CHECK(blank.status == 400);
  CHECK(blank.body ==
        R"({"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid request"}})");
  auto garbage = n.raw("{not json");
  CHECK(garbage.status == 500);
  auto g = json::parse(garbage.body, nullptr, false);
  REQUIRE(g.is_object());
  CHECK(g["error"]["code"] == -32700);
  CHECK(g["error"]["message"].get<std::string>().rfind("unmarshaling request: ", 0) == 0);
  auto huge = n.raw(std::string(16 * 1024 * 1024 + 10, ' '));
  CHECK(huge.status == 500);
  CHECK(
      huge.body ==
      R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"request bigger than maximum 16777216 allowed"}})");
  CHECK(n.head() == 1);  // nothing above was submitted
}

TEST_CASE("da node: auth token, missing permission and 401") {
  const std::string token = "s3cret-token";
  node n(100, token);
  const std::string none;
  const std::string wrong = "s3cret-tokem";
  int status = 0;
  auto denied =
      n.call("blob.Submit", {json::array({hello_blob()}), json::object()}, &status, &none);
  CHECK(status == 200);
  CHECK(denied["error"]["code"] == 1);
  CHECK(denied["error"]["message"] == "missing permission to invoke 'Submit' (need 'write')");
  auto read = n.call("blob.GetAll", {1, {ns_b64}}, &status, &none);
  CHECK(read["error"]["message"] == "missing permission to invoke 'GetAll' (need 'read')");
  auto sign = n.call("dsdn.StoreAndSign", {hello_b64}, &status, &none);
  CHECK(sign["error"]["message"] == "missing permission to invoke 'StoreAndSign' (need 'write')");
  // Public: the validator key.
  auto key = n.call("dsdn.ValidatorKey", json::array(), &status, &none);
  CHECK(status == 200);
  CHECK(key.contains("result"));

  const std::string body =
      json{{"id", 1}, {"jsonrpc", "2.0"}, {"method", "node.Ready"}, {"params", json::array()}}
          .dump();
  for (const std::string& header : {"Bearer " + wrong, "bearer " + token, "Basic " + token, token,
                                    "Bearer " + token + "x", std::string("Bearer ")}) {
    CAPTURE(header);
    auto r = n.raw(body, {{"Authorization", header}});
    CHECK(r.status == 401);
    CHECK(r.body.empty());
  }
  CHECK(n.raw(body, {{"Authorization", "Bearer " + token}}).body ==
        R"({"jsonrpc":"2.0","id":1,"result":true})");
  CHECK(fetch(n.port(), post("/?token=" + token, body)).body ==
        R"({"jsonrpc":"2.0","id":1,"result":true})");
  CHECK(fetch(n.port(), post("/?token=" + wrong, body)).status == 401);
  CHECK(n.result("blob.Submit", {json::array({hello_blob()}), json::object()}).get<uint64_t>() >=
        2);
}

TEST_CASE("da node: batch requests run in order and answer in one array") {
  node n(100);
  const json batch = json::array({
      {{"id", 1},
       {"jsonrpc", "2.0"},
       {"method", "blob.Submit"},
       {"params", {json::array({hello_blob()}), json::object()}}},
      {{"id", "two"},
       {"jsonrpc", "2.0"},
       {"method", "header.LocalHead"},
       {"params", json::array()}},
      {{"jsonrpc", "2.0"}, {"method", "node.Ready"}, {"params", json::array()}},  // notification
      {{"id", 3}, {"jsonrpc", "2.0"}, {"method", "nope.Nothing"}, {"params", json::array()}},
  });
  auto r = n.raw(batch.dump());
  CHECK(r.status == 200);
  auto j = json::parse(r.body, nullptr, false);
  INFO(r.body);
  REQUIRE(j.is_array());
  REQUIRE(j.size() == 3);
  CHECK(j[0]["id"] == 1);
  const uint64_t h = j[0]["result"].get<uint64_t>();
  CHECK(j[1]["id"] == "two");
  // Items run one after another: the head read after Submit has the blob's block.
  CHECK(std::stoull(j[1]["result"]["header"]["height"].get<std::string>()) >= h);
  CHECK(j[2]["id"] == 3);
  CHECK(j[2]["error"]["code"] == -32601);
  CHECK(n.raw("[]").status == 400);
  auto bad = n.raw(R"([{"id":1,"method":"node.Ready"}, 5])");
  CHECK(bad.status == 500);
  CHECK(bad.body ==
        R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})");
}

TEST_CASE("da node: dsdn.StoreAndSign signs SHA-256(blob) as QuorumDA verifies it") {
  node n(100, "tok");
  const std::vector<uint8_t> blob = {'q', 'u', 'o', 'r', 'u', 'm', 0, 1, 2};
  const std::string data = da::base64_encode(blob.data(), blob.size());
  const json r = n.result("dsdn.StoreAndSign", {data});
  const auto commitment = unb64(r["commitment"]);
  const auto sig_bytes = unb64(r["signature"]);
  const auto key_bytes = unb64(r["validator_key"]);
  REQUIRE(sig_bytes.size() == 64);
  REQUIRE(key_bytes.size() == 32);
  const auto digest = core::sha256(blob.data(), blob.size());
  CHECK(commitment == std::vector<uint8_t>(digest.begin(), digest.end()));
  core::public_key key{};
  core::signature sig{};
  std::copy(key_bytes.begin(), key_bytes.end(), key.begin());
  std::copy(sig_bytes.begin(), sig_bytes.end(), sig.begin());
  CHECK(core::to_hex(key) == n.server->validator_key_hex());
  CHECK(n.result("dsdn.ValidatorKey", json::array()) == r["validator_key"]);
  da::quorum_proof proof;
  proof.signatures.push_back({0, sig});
  CHECK(da::verify_proof(blob.data(), blob.size(), {key}, 67, proof).ok());
  const std::vector<uint8_t> other = {'x'};
  CHECK_FALSE(da::verify_proof(other.data(), other.size(), {key}, 67, proof).ok());
  CHECK(n.result("dsdn.GetByCommitment", json::array({r["commitment"]})) == data);
  check_error(n, "dsdn.StoreAndSign", {""}, 200, 1, "data can not be empty");
}

TEST_CASE("da node: data, heights and the validator key survive a restart") {
  node n(100);
  const uint64_t h =
      n.result("blob.Submit", {json::array({hello_blob()}), json::object()}).get<uint64_t>();
  const json signed_blob = n.result("dsdn.StoreAndSign", {hello_b64});
  const std::string key = n.server->validator_key_hex();
  const uint64_t head = n.head();
  n.restart();
  CHECK(n.server->validator_key_hex() == key);
  CHECK(n.head() >= head);
  const json all = n.result("blob.GetAll", {h, {ns_b64}});
  REQUIRE(all.is_array());
  REQUIRE(all.size() == 1);
  CHECK(all[0]["commitment"] == hello_commitment);
  CHECK(n.result("dsdn.GetByCommitment", json::array({signed_blob["commitment"]})) == hello_b64);

  // A second node on the same data dir is refused while this one runs.
  auto second = http::da_node_server::start(n.cfg);
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code == http::da_node_errc::store);
}

TEST_CASE("da node: stop answers a waiting Submit with context canceled") {
  node n(3600 * 1000);
  auto pending = std::async(std::launch::async, [&] {
    return n.call("blob.Submit", {json::array({hello_blob()}), json::object()});
  });
  CHECK(pending.wait_for(300ms) == std::future_status::timeout);  // no block comes
  n.server->stop();
  REQUIRE(pending.wait_for(10s) == std::future_status::ready);
  const json j = pending.get();
  CHECK(j["error"]["code"] == 1);
  CHECK(j["error"]["message"] == "context canceled");
}

}  // namespace
}  // namespace dsdn::http_test
