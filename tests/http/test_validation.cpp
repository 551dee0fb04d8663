// Status codes of bad input, every validation rule (one case or more each), the API token.

#include "http/server_fixture.hpp"

using namespace dsdn::http_test;

namespace {

struct bad_case {
  const char* name;
  request req;
  int status;
  const char* field;  // expected "field", or nullptr when none
};

request with_type(request r, std::string content_type) {
  r.content_type = std::move(content_type);
  return r;
}

request method(std::string m, std::string target) {
  request r = get(std::move(target));
  r.method = std::move(m);
  return r;
}

void check_cases(test_server& s, const std::vector<bad_case>& cases) {
  auto before = s.checksum();
  REQUIRE(before.size() == 64);
  for (auto& c : cases) {
    auto r = s.send(c.req);
    INFO(c.name << ": " << r.status << " " << r.body);
    CHECK(r.status == c.status);
    CHECK(is_error_body(r));
    if (c.field)
      CHECK(body_of(r).value("field", std::string()) == c.field);
  }
  // Nothing a rejected request sent changed anything.
  CHECK(s.checksum() == before);
}

}  // namespace

TEST_CASE("JSON shape and syntax errors: 400 malformed, 422 wrong shape, 415 content type") {
  test_server s;
  REQUIRE(s.send(post("/register", node_body("n1"))).status == 200);
  check_cases(
      s,
      {
          {"malformed JSON", post("/register", R"({"id":"x",)"), 400, nullptr},
          {"empty body", post("/register", ""), 400, nullptr},
          {"NaN literal", post("/node/n1/stats", R"({"cpu_free":NaN,"ram_free_mb":1})"), 400,
           nullptr},
          {"Infinity literal", post("/node/n1/stats", R"({"cpu_free":0.1,"ram_free_mb":Infinity})"),
           400, nullptr},
          {"overflowing float", post("/scheduler/config", R"({"w_cpu":1e999})"), 400, nullptr},
          {"trailing garbage", post("/register", node_body("n2") + "}"), 400, nullptr},
          {"not an object", post("/register", "[1,2]"), 422, nullptr},
          {"missing field", post("/register", R"({"id":"n2","zone":"z"})"), 422, "addr"},
          {"null required field", post("/register", R"({"id":null,"zone":"z","addr":"h:1"})"), 422,
           "id"},
          {"wrong type", post("/register", R"({"id":5,"zone":"z","addr":"h:1"})"), 422, "id"},
          {"negative unsigned",
           post("/register", R"({"id":"n2","zone":"z","addr":"h:1","capacity_gb":-5})"), 422,
           "capacity_gb"},
          {"float for unsigned", post("/object/register", R"({"hash":"ab","size":1.5})"), 422,
           "size"},
          {"beyond u64",
           post("/object/register", R"({"hash":"ab","size":99999999999999999999999})"), 422,
           "size"},
          {"string for number", post("/node/n1/stats", R"({"cpu_free":"0.5","ram_free_mb":1})"),
           422, "cpu_free"},
          {"bool for weight", post("/scheduler/config", R"({"w_io":true})"), 422, "w_io"},
          {"missing data_hex", post("/da/post", "{}"), 422, "data_hex"},
          {"text/plain", with_type(post("/register", node_body("n2")), "text/plain"), 415, nullptr},
          {"no content type", with_type(post("/register", node_body("n2")), ""), 415, nullptr},
      });
  // Content-Type parameters are fine; integers are accepted for f64 fields.
  CHECK(s.send(with_type(post("/node/n1/stats", R"({"cpu_free":1,"ram_free_mb":2})"),
                         "application/json; charset=utf-8"))
            .status == 200);
}

TEST_CASE("routing errors: unknown paths 404, wrong methods 405 with Allow") {
  test_server s;
  for (auto target : {"/nope", "/nodes/", "/node/a/b/c", "/", "/node//stats", "/NODES"}) {
    auto r = s.send(get(target));
    INFO(target);
    CHECK(r.status == 404);
    CHECK(is_error_body(r));
  }
  struct method_case {
    const char* method;
    const char* target;
    const char* allow;
  };
  for (auto& m : {method_case{"DELETE", "/nodes", "GET"}, method_case{"GET", "/register", "POST"},
                  method_case{"PUT", "/scheduler/config", "GET, POST"},
                  method_case{"POST", "/health", "GET"}, method_case{"POST", "/object/abcd", "GET"},
                  method_case{"DELETE", "/node/n1/stats", "GET, POST"}}) {
    auto r = s.send(method(m.method, m.target));
    INFO(m.method << " " << m.target);
    CHECK(r.status == 405);
    CHECK(r.header("allow") == m.allow);
    CHECK(is_error_body(r));
  }
}

TEST_CASE("validation rules: each failure is a 400 naming the field, and changes nothing") {
  test_server s;
  REQUIRE(s.send(post("/register", node_body("n1"))).status == 200);
  REQUIRE(s.send(post("/object/register", R"({"hash":"aa","size":1})")).status == 200);
  std::string long_id(129, 'a');
  std::string long_zone(65, 'z');
  std::string long_hash(129, 'f');
  auto reg = [](const std::string& id, const std::string& zone, const std::string& addr,
                const std::string& extra = "") {
    json j{{"id", id}, {"zone", zone}, {"addr", addr}};
    if (!extra.empty())
      j["capacity_gb"] = json::parse(extra);
    return post("/register", j.dump());
  };
  auto stats = [](const std::string& body) { return post("/node/n1/stats", body); };
  check_cases(
      s, {
             {"node id charset", reg("bad id", "z", "h:1"), 400, "id"},
             {"node id empty", reg("", "z", "h:1"), 400, "id"},
             {"node id too long", reg(long_id, "z", "h:1"), 400, "id"},
             {"zone empty", reg("n2", "", "h:1"), 400, "zone"},
             {"zone too long", reg("n2", long_zone, "h:1"), 400, "zone"},
             {"zone not printable", reg("n2", "z\n1", "h:1"), 400, "zone"},
             {"addr without port", reg("n2", "z", "host"), 400, "addr"},
             {"addr port 0", reg("n2", "z", "host:0"), 400, "addr"},
             {"addr port too big", reg("n2", "z", "host:65536"), 400, "addr"},
             {"addr bad v6", reg("n2", "z", "[zz]:80"), 400, "addr"},
             {"addr v6 without brackets", reg("n2", "z", "::1:80"), 400, "addr"},
             {"capacity 0", reg("n2", "z", "h:1", "0"), 400, "capacity_gb"},
             {"capacity too big", reg("n2", "z", "h:1", "1000001"), 400, "capacity_gb"},
             {"hash not hex", post("/object/register", R"({"hash":"xyz","size":1})"), 400, "hash"},
             {"hash empty", post("/object/register", R"({"hash":"","size":1})"), 400, "hash"},
             {"hash too long",
              post("/object/register", json{{"hash", long_hash}, {"size", 1}}.dump()), 400, "hash"},
             {"size 0", post("/object/register", R"({"hash":"ab","size":0})"), 400, "size"},
             {"cpu_free above 1", stats(R"({"cpu_free":1.5,"ram_free_mb":1})"), 400, "cpu_free"},
             {"io_pressure negative",
              stats(R"({"cpu_free":0.5,"ram_free_mb":1,"io_pressure":-0.1})"), 400, "io_pressure"},
             {"ram negative", stats(R"({"cpu_free":0.5,"ram_free_mb":-1})"), 400, "ram_free_mb"},
             {"gpu negative", stats(R"({"cpu_free":0.5,"ram_free_mb":1,"gpu_free":-1})"), 400,
              "gpu_free"},
             {"latency negative", stats(R"({"cpu_free":0.5,"ram_free_mb":1,"latency_ms":-3})"), 400,
              "latency_ms"},
             {"stats for a bad id",
              post("/node/bad%20id/stats", R"({"cpu_free":0,"ram_free_mb":0})"), 400, "node_id"},
             {"rf 0", get("/placement/ab?rf=0"), 400, "rf"},
             {"rf 65", get("/placement/ab?rf=65"), 400, "rf"},
             {"rf not a number", get("/placement/ab?rf=abc"), 400, "rf"},
             {"rf negative", get("/placement/ab?rf=-1"), 400, "rf"},
             {"placement hash", get("/placement/xyz"), 400, "hash"},
             {"object hash", get("/object/not-hex"), 400, "hash"},
             {"node id in path", get("/node/a%20b"), 400, "node_id"},
             {"replica hash", post("/replica/mark_missing", R"({"hash":"q","node_id":"n1"})"), 400,
              "hash"},
             {"replica node id", post("/replica/mark_healed", R"({"hash":"aa","node_id":"a b"})"),
              400, "node_id"},
             {"wait value", post("/register?wait=soon", node_body("n9")), 400, "wait"},
         });
  // Boundaries that are allowed.
  CHECK(s.send(reg(std::string(128, 'b'), std::string(64, 'z'), "[::1]:65535", "1000000")).status ==
        200);
  CHECK(s.send(post("/object/register", json{{"hash", std::string(128, 'F')}, {"size", 1}}.dump()))
            .status == 200);
  CHECK(s.send(get("/placement/ab?rf=64")).status == 200);
  CHECK(s.send(get("/placement/ab?rf=1")).status == 200);
}

TEST_CASE("API token: POSTs need Bearer, GETs stay open") {
  dsdn::http::server_config cfg;
  cfg.api_token = "s3cret-token";
  test_server s(cfg);
  auto r = s.send(post("/register", node_body("n1")));
  CHECK(r.status == 401);
  CHECK(body_of(r) == json{{"error", "missing or invalid API token"}});
  CHECK(s.send(post("/register", node_body("n1"), "wrong")).status == 401);
  CHECK(s.send(post("/register", node_body("n1"), "s3cret-token-and-more")).status == 401);
  CHECK(s.send(post("/register", node_body("n1"), "s3cret-toke")).status == 401);
  request basic = post("/register", node_body("n1"));
  basic.headers.emplace_back("Authorization", "Basic czNjcmV0LXRva2Vu");
  CHECK(s.send(basic).status == 401);
  CHECK(s.send(post("/fallback/reconcile", "", "")).status == 401);
  CHECK(s.send(post("/da/post", R"({"data_hex":"00"})")).status == 401);
  CHECK(body_of(s.send(get("/nodes"))) == json::array());  // nothing was written

  r = s.send(post("/register", node_body("n1"), "s3cret-token"));
  CHECK(r.status == 200);
  CHECK(s.send(post("/fallback/reconcile", "", "s3cret-token")).status == 200);
  for (auto target : {"/nodes", "/node/n1", "/health", "/system/info", "/scheduler/config",
                      "/fallback/status", "/metrics"})
    CHECK_MESSAGE(s.send(get(target)).status == 200, target);
  CHECK(body_of(s.send(get("/nodes"))).size() == 1);
}
