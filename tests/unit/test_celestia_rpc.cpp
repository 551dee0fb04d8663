// celestia-node JSON-RPC framing and reply parsing (dsdn/da/celestia_rpc.hpp) against the
// literal requests and responses of ../shared/specs/celestia/EXAMPLES.md. No sockets.
#include <doctest/doctest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "dsdn/da/celestia_rpc.hpp"

using namespace dsdn::da;
using namespace dsdn::da::celestia;
using json = nlohmann::json;

namespace {

template <class R>
std::string why(const R& r) {
  return r.ok() ? std::string() : r.error().message;
}

blob_bytes bytes_of(std::string_view s) {
  return blob_bytes(s.begin(), s.end());
}

// The namespace of EXAMPLES.md sections 1a, 1b, 2, 3.
celestia_namespace example_ns() {
  auto ns = parse_blob_namespace("000000000000000000000000000000000000000102030405060708090a");
  REQUIRE(ns.ok());
  return ns.value();
}

// The OpenRPC examples' namespace (sub-ID c27fc4694d31d1).
celestia_namespace openrpc_ns() {
  auto ns = parse_blob_namespace("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAMJ/xGlNMdE=");
  REQUIRE(ns.ok());
  return ns.value();
}

commitment_bytes commit_of(std::string_view b64) {
  auto raw = base64_decode(b64);
  REQUIRE(raw);
  REQUIRE(raw->size() == 32);
  commitment_bytes c{};
  std::copy(raw->begin(), raw->end(), c.begin());
  return c;
}

const char* const deposit = R"({"seq":1,"event":"deposit"})";
const char* const withdraw = R"({"seq":2,"event":"withdraw"})";

// EXAMPLES.md section 3, "Found: two blobs, in square order".
const char* const get_all_found =
    R"({"jsonrpc":"2.0","id":4,"result":[
 {"namespace":"AAAAAAAAAAAAAAAAAAAAAAAAAAECAwQFBgcICQo=","data":"eyJzZXEiOjEsImV2ZW50IjoiZGVwb3NpdCJ9","share_version":0,"commitment":"fwQ9QRIwfLX2jmCcATKQr8ZCzI3GUgIiNol+zmIgK1Q=","index":10},
 {"namespace":"AAAAAAAAAAAAAAAAAAAAAAAAAAECAwQFBgcICQo=","data":"eyJzZXEiOjIsImV2ZW50Ijoid2l0aGRyYXcifQ==","share_version":0,"commitment":"bl03uvBqwbXa1WLn6YpQgta0caunv2d7ee9amIiU9e8=","index":11}
]})";

}  // namespace

// ---- Requests -------------------------------------------------------------------------------

TEST_CASE("celestia framing: blob.Submit is byte-for-byte EXAMPLES.md 1a") {
  auto c = share_commitment(example_ns(), bytes_of("hello world"));
  REQUIRE(c.ok());
  std::string got = submit_request(1, example_ns(), {bytes_of("hello world")}, {c.value()}, {});
  CHECK(
      got ==
      R"({"id":1,"jsonrpc":"2.0","method":"blob.Submit","params":[[{"namespace":"AAAAAAAAAAAAAAAAAAAAAAAAAAECAwQFBgcICQo=","data":"aGVsbG8gd29ybGQ=","share_version":0,"commitment":"D6fgf3g85iWdskQ6A8aRBaMimX1SbU6PPBJ/+pK9cMQ=","index":-1}],{}]})");
}

TEST_CASE("celestia framing: two blobs with explicit TxConfig match EXAMPLES.md 1b") {
  std::vector<blob_bytes> blobs{bytes_of(deposit), bytes_of(withdraw)};
  std::vector<commitment_bytes> cs;
  for (auto& b : blobs) {
    auto c = share_commitment(example_ns(), b);
    REQUIRE(c.ok());
    cs.push_back(c.value());
  }
  celestia_tx_config tx;
  tx.gas_price = 0.004;
  tx.max_gas_price = 0.4;
  tx.tx_priority = 2;
  json got = json::parse(submit_request(2, example_ns(), blobs, cs, tx));
  json want = json::parse(R"({"id":2,"jsonrpc":"2.0","method":"blob.Submit","params":[[
  {"namespace":"AAAAAAAAAAAAAAAAAAAAAAAAAAECAwQFBgcICQo=","data":"eyJzZXEiOjEsImV2ZW50IjoiZGVwb3NpdCJ9","share_version":0,"commitment":"fwQ9QRIwfLX2jmCcATKQr8ZCzI3GUgIiNol+zmIgK1Q="},
  {"namespace":"AAAAAAAAAAAAAAAAAAAAAAAAAAECAwQFBgcICQo=","data":"eyJzZXEiOjIsImV2ZW50Ijoid2l0aGRyYXcifQ==","share_version":0,"commitment":"bl03uvBqwbXa1WLn6YpQgta0caunv2d7ee9amIiU9e8="}
 ],{"gas_price":0.004,"is_gas_price_set":true,"max_gas_price":0.4,"tx_priority":2}]})");
  // 1b omits `index`; we send -1 as 1a does (the node ignores it on input).
  for (auto& b : got["params"][0]) {
    CHECK(b["index"] == -1);
    b.erase("index");
  }
  CHECK(got == want);
}

TEST_CASE("celestia framing: TxConfig is an object, never null, defaults omitted") {
  CHECK(tx_config_json({}) == "{}");
  celestia_tx_config tx;  // EXAMPLES.md 1e, every field
  tx.gas_price = 0.002;
  tx.max_gas_price = 0.4;
  tx.gas = 142225;
  tx.tx_priority = 1;
  tx.key_name = "my_celes_key";
  tx.signer_address = "celestia1pjcmwj8w6hyr2c4wehakc5g8cfs36aysgucx66";
  tx.fee_granter_address = "celestia1hakc56ax66ypjcmwj8w6hyr2c4g8cfs3wesguc";
  CHECK(
      tx_config_json(tx) ==
      R"({"gas_price":0.002,"is_gas_price_set":true,"max_gas_price":0.4,"gas":142225,"tx_priority":1,"key_name":"my_celes_key","signer_address":"celestia1pjcmwj8w6hyr2c4wehakc5g8cfs36aysgucx66","fee_granter_address":"celestia1hakc56ax66ypjcmwj8w6hyr2c4g8cfs3wesguc"})");
  celestia_tx_config zero_price;  // 0 is a legal price: it still needs is_gas_price_set
  zero_price.gas_price = 0.0;
  CHECK(tx_config_json(zero_price) == R"({"gas_price":0.0,"is_gas_price_set":true})");
  celestia_tx_config key_only;  // EXAMPLES.md 1d
  key_only.key_name = "rollup-a";
  CHECK(tx_config_json(key_only) == R"({"key_name":"rollup-a"})");

  auto c = share_commitment(example_ns(), bytes_of("x"));
  REQUIRE(c.ok());
  json req = json::parse(submit_request(9, example_ns(), {bytes_of("x")}, {c.value()}, {}));
  REQUIRE(req["params"].size() == 2);
  CHECK(req["params"][1].is_object());
}

TEST_CASE("celestia framing: GetAll, Get and the head calls match EXAMPLES.md") {
  CHECK(
      get_all_request(4, 8069982, example_ns()) ==
      R"({"id":4,"jsonrpc":"2.0","method":"blob.GetAll","params":[8069982,["AAAAAAAAAAAAAAAAAAAAAAAAAAECAwQFBgcICQo="]]})");
  CHECK(
      get_request(3, 8069982, example_ns(),
                  commit_of("fwQ9QRIwfLX2jmCcATKQr8ZCzI3GUgIiNol+zmIgK1Q=")) ==
      R"({"id":3,"jsonrpc":"2.0","method":"blob.Get","params":[8069982,"AAAAAAAAAAAAAAAAAAAAAAAAAAECAwQFBgcICQo=","fwQ9QRIwfLX2jmCcATKQr8ZCzI3GUgIiNol+zmIgK1Q="]})");
  CHECK(network_head_request(5) ==
        R"({"id":5,"jsonrpc":"2.0","method":"header.NetworkHead","params":[]})");
  CHECK(local_head_request(6) ==
        R"({"id":6,"jsonrpc":"2.0","method":"header.LocalHead","params":[]})");
  // Heights are JSON numbers, even past 2^53.
  json big = json::parse(get_all_request(1, UINT64_MAX, example_ns()));
  CHECK(big["params"][0].is_number_unsigned());
  CHECK(big["params"][0].get<uint64_t>() == UINT64_MAX);
}

// ---- Replies --------------------------------------------------------------------------------

TEST_CASE("celestia parsing: blob.Submit heights") {
  auto r = parse_submit_response(200, R"({"jsonrpc":"2.0","id":1,"result":8069981})");
  REQUIRE_MESSAGE(r.ok(), why(r));
  CHECK(r.value() == 8069981);
  r = parse_submit_response(200, R"({"jsonrpc":"2.0","id":2,"result":8069982})");
  REQUIRE(r.ok());
  CHECK(r.value() == 8069982);
  for (const char* bad :
       {R"({"jsonrpc":"2.0","id":1,"result":null})", R"({"jsonrpc":"2.0","id":1})",
        R"({"jsonrpc":"2.0","id":1,"result":"8069981"})", R"({"jsonrpc":"2.0","id":1,"result":-5})",
        R"({"jsonrpc":"2.0","id":1,"result":0})", R"({"jsonrpc":"2.0","id":1,"result":1.5})"}) {
    auto b = parse_submit_response(200, bad);
    REQUIRE_FALSE(b.ok());
    CHECK(b.error().code.cls == error_class::malformed);
  }
}

TEST_CASE("celestia parsing: blob.GetAll found, in square order, commitments verified") {
  auto r = parse_get_all_response(200, get_all_found);
  REQUIRE_MESSAGE(r.ok(), why(r));
  auto blobs = r.value();
  REQUIRE(blobs.size() == 2);
  CHECK(blobs[0].index == 10);
  CHECK(blobs[1].index == 11);
  CHECK(blobs[0].ns == example_ns());
  CHECK(blobs[0].data == bytes_of(deposit));
  CHECK(blobs[1].data == bytes_of(withdraw));
  CHECK(blobs[0].share_version == 0);
  CHECK_FALSE(blobs[0].signer);
  REQUIRE(blobs[0].commitment);
  CHECK(*blobs[0].commitment == commit_of("fwQ9QRIwfLX2jmCcATKQr8ZCzI3GUgIiNol+zmIgK1Q="));
  CHECK(check_blob(blobs[0]).empty());
  CHECK(check_blob(blobs[1]).empty());

  std::swap(blobs[0], blobs[1]);  // out of square order: `index` puts them back
  order_blobs(blobs);
  CHECK(blobs[0].index == 10);

  blobs[0].commitment = blobs[1].commitment;  // a commitment that is not the data's
  CHECK(check_blob(blobs[0]).find("does not match") != std::string::npos);
}

TEST_CASE("celestia parsing: the OpenRPC GetAll example (index -1) keeps response order") {
  const char* body =
      R"({"jsonrpc":"2.0","id":4,"result":[{"namespace":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAMJ/xGlNMdE=","data":"z8QyNztvogN7NYU27gI+nJgg1vMJtkK3vbduSDz7/8mhmos37I7duH51kkgouxrsdhdOBJ1431OmipNfVedbtwe6zQ06EbJBl/jk4QwwU3S29YBTUZcUfTzXpEJIuMrYzU6YPxN8Zce/KNdsEIy4zxdfxekXpvsgZMBhf83iYgfHvsFAoJmmCp/ORAUoAFf7tJ7cF8RZyA20ftqRa1uhAmktxIb58abpGTG+TNgq3mjyvswECVykJYqGjqNtInyIx2EQOnVp2q69YHkegdoBvoOKzEFigQTdrL2TZBex4MhkrYt7Zf0DQyNMRkCPL/zKYE3bhvXNWMThWCmhD5TOApzirORXKOTB0nxhjDF/aFYkrS+IKBw1KfJ5isldWvmasJBWwRgDuli6Cty67vMMk7fUUTUf0St6rvQeftSoEVlC1xEw46+h5kIXaWiM0g/EzGIAdZHycUFWCSdnt3p7BS5ttEpSf1d6ZbVYYL2y0XguH41k54JqufEMAw9ukmaF0IbN9Jk6fNefV1dsWTdCP6Mz6e+RTCd9DQGqb2VrsvMzx5uVidLD8ND79pvXgL1VzyhJaMTcjSfZK15jOxLwGh1arZc2gyTNiq2pu6wNz0tdJp+fFU+peG8rHN8=","share_version":0,"commitment":"aHlbp+J9yub6hw/uhK6dP8hBLR2mFy78XNRRdLf2794=","index":-1}]})";
  auto r = parse_get_all_response(200, body);
  REQUIRE_MESSAGE(r.ok(), why(r));
  REQUIRE(r.value().size() == 1);
  CHECK(r.value()[0].index == -1);
  CHECK(r.value()[0].ns == openrpc_ns());
  CHECK(r.value()[0].defect.empty());

  std::vector<rpc_blob> mixed(3);
  mixed[0].index = 7;
  mixed[1].index = -1;
  mixed[2].index = 3;
  order_blobs(mixed);  // one blob without an index: the response order stands
  CHECK(mixed[0].index == 7);
  CHECK(mixed[2].index == 3);
}

TEST_CASE("celestia parsing: an empty height in all three documented forms") {
  for (const char* body :
       {R"({"jsonrpc":"2.0","id":4,"result":null})",
        R"({"jsonrpc":"2.0","id":4,"error":{"code":1,"message":"blob: not found"}})",
        R"({"jsonrpc":"2.0","id":4})", R"({"jsonrpc":"2.0","id":4,"result":[]})"}) {
    CAPTURE(body);
    auto r = parse_get_all_response(200, body);
    REQUIRE_MESSAGE(r.ok(), why(r));
    CHECK(r.value().empty());
  }
}

TEST_CASE("celestia parsing: GetAll garbage is malformed, never an empty height") {
  for (const char* body :
       {"", "not json", "{}", "[]", "null", R"({"jsonrpc":"1.0","id":4,"result":null})",
        R"({"id":4,"result":null})", R"({"jsonrpc":"2.0","result":null})",
        R"({"jsonrpc":"2.0","id":4,"result":{"blobs":[]}})",
        R"({"jsonrpc":"2.0","id":4,"result":7})", "{\"jsonrpc\":\"2.0\",\"id\":4,\"result\":[",
        "<html>502 Bad Gateway</html>"}) {
    CAPTURE(body);
    auto r = parse_get_all_response(200, body);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code.cls == error_class::malformed);
    CHECK(r.error().message.size() < 400);
  }
}

TEST_CASE("celestia parsing: undecodable blobs are kept in place with a defect") {
  const char* body = R"({"jsonrpc":"2.0","id":4,"result":[
    {"namespace":"AAAAAAAAAAAAAAAAAAAAAAAAAAECAwQFBgcICQo=","data":"!!!","share_version":0},
    {"namespace":"AAAA","data":"aGk=","share_version":0},
    {"namespace":"AAAAAAAAAAAAAAAAAAAAAAAAAAECAwQFBgcICQo=","data":"aGk=","share_version":0,"commitment":"AAAA"},
    {"namespace":"AAAAAAAAAAAAAAAAAAAAAAAAAAECAwQFBgcICQo=","data":"","share_version":0},
    {"namespace":"AAAAAAAAAAAAAAAAAAAAAAAAAAECAwQFBgcICQo=","data":"aGk=","share_version":0,"index":"3"},
    "string",
    {"namespace":"AAAAAAAAAAAAAAAAAAAAAAAAAAECAwQFBgcICQo=","data":"aGk=","share_version":0}
  ]})";
  auto r = parse_get_all_response(200, body);
  REQUIRE_MESSAGE(r.ok(), why(r));
  REQUIRE(r.value().size() == 7);
  for (size_t i = 0; i < 6; ++i) {
    CAPTURE(i);
    CHECK_FALSE(r.value()[i].defect.empty());
    CHECK_FALSE(check_blob(r.value()[i]).empty());
  }
  CHECK(r.value()[6].defect.empty());
  CHECK(check_blob(r.value()[6]).empty());  // no commitment sent: nothing to contradict
}

TEST_CASE("celestia parsing: blob.Get found and not found") {
  auto r = parse_get_response(
      200,
      R"({"jsonrpc":"2.0","id":3,"result":{"namespace":"AAAAAAAAAAAAAAAAAAAAAAAAAAECAwQFBgcICQo=","data":"eyJzZXEiOjEsImV2ZW50IjoiZGVwb3NpdCJ9","share_version":0,"commitment":"fwQ9QRIwfLX2jmCcATKQr8ZCzI3GUgIiNol+zmIgK1Q=","index":10}})");
  REQUIRE_MESSAGE(r.ok(), why(r));
  REQUIRE(r.value());
  CHECK(r.value()->index == 10);
  CHECK(r.value()->data == bytes_of(deposit));
  CHECK(check_blob(*r.value()).empty());

  r = parse_get_response(
      200, R"({"jsonrpc":"2.0","id":3,"error":{"code":1,"message":"blob: not found"}})");
  REQUIRE(r.ok());
  CHECK_FALSE(r.value());

  // Partially missing shares are not "absent": the data exists but cannot be served.
  r = parse_get_response(
      200,
      R"({"jsonrpc":"2.0","id":3,"error":{"code":1,"message":"incomplete blob with the namespace: 000000000000000000000000000000000000000102030405060708090a detected at 8069982: blob: not found"}})");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code.cls == error_class::not_ready);
}

TEST_CASE("celestia parsing: ExtendedHeader heights are strings (numbers accepted)") {
  // EXAMPLES.md section 4, trimmed to the fields around the height (the full literal is in
  // the socket tests).
  auto r = parse_header_response(
      200,
      R"({"jsonrpc":"2.0","id":5,"result":{"header":{"version":{"block":"11"},"chain_id":"mocha-4","height":"67374","time":"2023-02-25T12:10:28.067566292Z"},"commit":{"height":"67374","round":0},"dah":{"row_roots":[],"column_roots":[]}}})");
  REQUIRE_MESSAGE(r.ok(), why(r));
  CHECK(r.value() == 67374);
  r = parse_header_response(200, R"({"jsonrpc":"2.0","id":5,"result":{"header":{"height":27}}})");
  REQUIRE(r.ok());
  CHECK(r.value() == 27);
  for (const char* bad :
       {R"({"jsonrpc":"2.0","id":5,"result":null})", R"({"jsonrpc":"2.0","id":5,"result":{}})",
        R"({"jsonrpc":"2.0","id":5,"result":{"header":{"height":"12a"}}})",
        R"({"jsonrpc":"2.0","id":5,"result":{"header":{"height":"-1"}}})",
        R"({"jsonrpc":"2.0","id":5,"result":{"header":{"height":""}}})",
        R"({"jsonrpc":"2.0","id":5,"result":{"header":{"height":"99999999999999999999999"}}})",
        R"({"jsonrpc":"2.0","id":5,"result":{"header":{"height":"0"}}})",
        R"({"jsonrpc":"2.0","id":5,"result":{"height":"67374"}})"}) {
    CAPTURE(bad);
    auto b = parse_header_response(200, bad);
    REQUIRE_FALSE(b.ok());
    CHECK(b.error().code.cls == error_class::malformed);
  }
  r = parse_header_response(
      200, R"({"jsonrpc":"2.0","id":5,"result":{"header":{"height":"18446744073709551615"}}})");
  REQUIRE(r.ok());
  CHECK(r.value() == UINT64_MAX);
}

TEST_CASE("celestia parsing: HTTP 401 with an empty body is an auth failure") {
  auto r = parse_submit_response(401, "");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code.cls == error_class::auth);
  CHECK(r.error().code.http_status == 401);
  auto f = to_failure(method_submit, r.error());
  CHECK(f.code == da_errc::unavailable);
  CHECK(f.message.find("auth") != std::string::npos);
  CHECK(f.message.find("401") != std::string::npos);
}

TEST_CASE("celestia parsing: error replies carry the node's text and code") {
  auto r = parse_submit_response(
      200,
      R"js({"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"missing permission to invoke 'Submit' (need 'write')"}})js");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code.cls == error_class::auth);
  REQUIRE(r.error().code.code);
  CHECK(*r.error().code.code == 1);
  CHECK(r.error().message == "missing permission to invoke 'Submit' (need 'write')");
  auto f = to_failure(method_submit, r.error(), 4);
  CHECK(f.message ==
        "celestia blob.Submit failed [auth, HTTP 200, code 1]: missing permission to invoke "
        "'Submit' (need 'write') (after 4 attempts)");

  // Protocol errors come with HTTP 500 and a JSON body: the body decides, not the status.
  r = parse_submit_response(
      500,
      R"({"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"method 'blob.Sbmit' not found"}})");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code.cls == error_class::invalid_request);
  CHECK(r.error().code.http_status == 500);
  CHECK(to_failure(method_submit, r.error()).code == da_errc::bad_request);

  // A 503 with the node's plain-text busy body, a 500 with an HTML page.
  r = parse_submit_response(503, "server busy, try again later");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code.cls == error_class::busy);
  CHECK(r.error().message.find("server busy") != std::string::npos);
  r = parse_submit_response(500, "<html>oops</html>");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code.cls == error_class::server_error);

  // A hostile message is bounded and loses its control characters.
  std::string huge = R"({"jsonrpc":"2.0","id":1,"error":{"code":1,"message":")" +
                     std::string(100000, 'x') + R"(\n"}})";
  r = parse_submit_response(200, huge);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message.size() < 1100);
  CHECK(r.error().message.find('\n') == std::string::npos);
}
