// Classification of celestia-node failures (dsdn/da/celestia_rpc.hpp): the table of
// documented messages (API.md section 3, EXAMPLES.md), HTTP statuses, and a scan of every
// error literal in EXAMPLES.md so a newly documented one cannot go unclassified. No sockets.
#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "dsdn/da/celestia_rpc.hpp"

using namespace dsdn::da;
using namespace dsdn::da::celestia;

namespace {

struct row {
  int http;
  int64_t code;
  const char* message;
  error_class cls;
};

// Every documented failure text, with the class it must get.
const row table[] = {
    // EXAMPLES.md 1g (Submit application errors, HTTP 200, code 1).
    {200, 1, "missing permission to invoke 'Submit' (need 'write')", error_class::auth},
    {200, 1, "node is running without state access. run with --core.ip <CORE NODE IP> to resolve",
     error_class::node_config},
    {200, 1, "state: estimated gas price exceeds max gas price in tx config", error_class::fee},
    {200, 1, "account for signer celestia1pjcmwj8w6hyr2c4wehakc5g8cfs36aysgucx66 not found",
     error_class::node_config},
    {200, 1,
     "broadcast tx error: hash 05D9016060072AA71B007A6CFB1B895623192D6616D513017964C3BFCD047282 "
     "error: spendable balance 10utia is smaller than 2000utia: insufficient funds code: 5",
     error_class::funds},
    {200, 1, "context deadline exceeded", error_class::pending},
    // The null-options panic (code 0).
    {200, 0,
     "fatal error calling 'blob.Submit': panic in rpc method 'blob.Submit': runtime error: "
     "invalid memory address or nil pointer dereference",
     error_class::invalid_request},
    // Protocol errors (HTTP 500).
    {500, -32602, "wrong param count (method 'blob.Submit'): 1 != 2", error_class::invalid_request},
    {500, -32700,
     "unmarshaling params for 'blob.Submit' (param: *[]*blob.Blob): invalid user namespace: "
     "invalid data namespace(0000000000000000000000000000000000000000000000000000000001): "
     "reserved data is forbidden",
     error_class::invalid_request},
    {500, -32700,
     "unmarshaling params for 'blob.Submit' (param: *[]*blob.Blob): data can not be empty",
     error_class::invalid_request},
    {500, -32601, "method 'blob.Sbmit' not found", error_class::invalid_request},
    {400, -32600, "Invalid request", error_class::invalid_request},
    {500, -32700, "request bigger than maximum 16777216 allowed", error_class::too_large},
    {500, -32603, "internal error", error_class::server_error},
    // API.md 3.1, the other Submit errors.
    {200, 1, "failed to submit blobs due to insufficient estimated gas price 0.001000",
     error_class::fee},
    {200, 1, "failed to submit blobs due to insufficient gas price in txconfig", error_class::fee},
    {200, 1,
     "broadcast tx error: hash AB error: account sequence mismatch, expected 5, got 4: incorrect "
     "account sequence code: 32",
     error_class::sequence},
    {200, 1, "account sequence mismatch, expected 7, got 6", error_class::sequence},
    {200, 1, "incorrect account sequence", error_class::sequence},
    {200, 1, "broadcast tx error: hash AB error: out of gas code: 11", error_class::rejected},
    {200, 1, "tx execution failed with code 11: out of gas", error_class::execution_failed},
    {200, 1, "tx with hash AB was rejected by the node with execution code: 32 and log: bad",
     error_class::rejected},
    {200, 1, "eviction poll timeout: transaction AB was evicted", error_class::rejected},
    {200, 1, "transaction with hash AB not found", error_class::pending},
    {200, 1, "context canceled", error_class::pending},
    {200, 1, "timed out waiting for tx to be included in a block", error_class::pending},
    {200, 1, "tx already in mempool", error_class::pending},
    {500, -32700,
     "unmarshaling params for 'blob.Submit' (param: *[]*blob.Blob): share version 0 does not "
     "support signer",
     error_class::invalid_request},
    {200, 1, "not allowed namespace 00000000000000000000000001 were used to build the blob",
     error_class::invalid_request},
    {200, 1, "state: no blobs provided", error_class::invalid_request},
    // Reads (API.md 3.2, 3.3, 3.6).
    {200, 1, "blob: not found", error_class::not_found},
    {200, 1,
     "incomplete blob with the namespace: "
     "000000000000000000000000000000000000000102030405060708090a "
     "detected at 8069982: blob: not found",
     error_class::not_ready},
    {200, 1,
     "header: given height is from the future: networkHeight: 8069990, requestedHeight: 8070100",
     error_class::future_height},
    {200, 1, "height 8070100 is not yet available", error_class::future_height},
    {200, 1, "header: syncing in progress: localHeadHeight: 8069000, requestedHeight: 8069982",
     error_class::not_ready},
    {200, 1, "requested header (100) is below Tail (7900000)", error_class::pruned},
    {200, 1, "height is equal to 0", error_class::invalid_request},
    {200, 1, "missing permission to invoke 'Info' (need 'admin')", error_class::auth},
    {200, 1, "module/das: stubbed: dasing is disabled", error_class::other},
    {200, 1, "something nobody documented", error_class::other},
};

}  // namespace

TEST_CASE("celestia classification: every documented message") {
  for (const auto& r : table) {
    CAPTURE(r.message);
    CHECK(classify(r.http, r.code, r.message) == r.cls);
    // The same text arriving in a reply envelope gets the same class.
    nlohmann::json body{
        {"jsonrpc", "2.0"}, {"id", 1}, {"error", {{"code", r.code}, {"message", r.message}}}};
    auto parsed = parse_submit_response(r.http, body.dump());
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.error().code.cls == r.cls);
    CHECK(parsed.error().message == r.message);
  }
  // Upper case does not hide a known text.
  CHECK(classify(200, 1, "BLOB: NOT FOUND") == error_class::not_found);
}

TEST_CASE("celestia classification: HTTP statuses without a JSON-RPC reply") {
  CHECK(classify_http_status(401) == error_class::auth);
  CHECK(classify_http_status(403) == error_class::auth);
  CHECK(classify_http_status(400) == error_class::invalid_request);
  CHECK(classify_http_status(404) == error_class::node_config);
  CHECK(classify_http_status(413) == error_class::too_large);
  CHECK(classify_http_status(429) == error_class::busy);
  CHECK(classify_http_status(503) == error_class::busy);
  CHECK(classify_http_status(500) == error_class::server_error);
  CHECK(classify_http_status(502) == error_class::server_error);
  CHECK(classify_http_status(504) == error_class::server_error);
  CHECK(classify_http_status(200) == error_class::malformed);
  CHECK(classify_http_status(302) == error_class::other);
}

TEST_CASE("celestia classification: retry, ambiguity and da_errc per class") {
  struct expect {
    error_class cls;
    bool retry;
    bool ambiguous;
    da_errc code;
  };
  const expect rows[] = {
      {error_class::not_found, false, false, da_errc::bad_request},
      {error_class::future_height, false, false, da_errc::unavailable},
      {error_class::not_ready, true, false, da_errc::unavailable},
      {error_class::pruned, false, false, da_errc::unavailable},
      {error_class::auth, false, false, da_errc::unavailable},
      {error_class::node_config, false, false, da_errc::unavailable},
      {error_class::funds, false, false, da_errc::unavailable},
      {error_class::fee, true, false, da_errc::unavailable},
      {error_class::sequence, true, false, da_errc::unavailable},
      {error_class::rejected, true, false, da_errc::unavailable},
      {error_class::pending, true, true, da_errc::timeout},
      {error_class::execution_failed, false, false, da_errc::bad_request},
      {error_class::invalid_request, false, false, da_errc::bad_request},
      {error_class::too_large, false, false, da_errc::too_large},
      {error_class::busy, true, false, da_errc::unavailable},
      {error_class::server_error, true, true, da_errc::unavailable},
      {error_class::malformed, false, true, da_errc::corrupt},
      {error_class::unreachable, true, false, da_errc::unavailable},
      {error_class::timed_out, true, true, da_errc::timeout},
      {error_class::transport, true, true, da_errc::unavailable},
      {error_class::other, false, false, da_errc::unavailable},
  };
  for (const auto& e : rows) {
    CAPTURE(to_string(e.cls));
    CHECK(is_retryable(e.cls) == e.retry);
    CHECK(is_ambiguous(e.cls) == e.ambiguous);
    CHECK(to_da_errc(e.cls) == e.code);
  }
}

TEST_CASE("celestia classification: every error literal in EXAMPLES.md is known") {
  const std::string path = std::string(DSDN_SPECS_DIR) + "/celestia/EXAMPLES.md";
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path);
  std::string line;
  int seen = 0;
  while (std::getline(in, line)) {
    if (line.rfind("{\"jsonrpc\":\"2.0\"", 0) != 0 || line.find("\"error\"") == std::string::npos) {
      continue;
    }
    // Some literals carry a trailing `// comment`.
    auto end = line.rfind('}');
    std::string body = line.substr(0, end + 1);
    auto j = nlohmann::json::parse(body, nullptr, false);
    REQUIRE_MESSAGE(j.is_object(), body);
    const int64_t code = j["error"]["code"].get<int64_t>();
    const int http = code < 0 ? 500 : 200;  // EXAMPLES.md section 6
    auto parsed = parse_submit_response(http, body);
    REQUIRE_FALSE(parsed.ok());
    CAPTURE(body);
    const auto cls = parsed.error().code.cls;
    CHECK(cls != error_class::malformed);
    // Only the DAS stub (a call the client never makes) is outside the table.
    if (body.find("dasing is disabled") == std::string::npos) {
      CHECK(cls != error_class::other);
    }
    ++seen;
  }
  CHECK(seen >= 15);
}
