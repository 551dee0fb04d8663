// Every endpoint's success shape (exact key sets) and its handler-level errors.

#include <algorithm>
#include <chrono>
#include <thread>

#include "http/server_fixture.hpp"

using namespace dsdn::http_test;
using S = std::set<std::string>;

namespace {

/// Polls `probe` until it returns true or `timeout` passes.
template <class Probe>
bool eventually(Probe probe, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (probe())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return probe();
}

}  // namespace

TEST_CASE("node endpoints: register, list, get, stats") {
  test_server s;
  auto r = s.send(post("/register", R"({"id":"n2","zone":"z1","addr":"10.0.0.2:7000"})"));
  REQUIRE(r.status == 200);
  CHECK(keys(body_of(r)) == S{"ok", "height"});
  CHECK(body_of(r)["ok"] == true);
  CHECK(body_of(r)["height"].get<uint64_t>() >= 1);
  r = s.send(post("/register",
                  R"({"id":"n1","zone":"z2","addr":"[::1]:7000","capacity_gb":7,"extra":1})"));
  REQUIRE(r.status == 200);

  r = s.send(get("/nodes"));
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type") == "application/json");
  auto nodes = body_of(r);
  REQUIRE(nodes.is_array());
  REQUIRE(nodes.size() == 2);
  CHECK(keys(nodes[0]) == S{"id", "zone", "addr", "capacity_gb", "meta"});
  CHECK(nodes[0]["id"] == "n1");  // sorted by id
  CHECK(nodes[0]["capacity_gb"] == 7);
  CHECK(nodes[0]["meta"] == json::object());
  CHECK(nodes[1]["id"] == "n2");
  CHECK(nodes[1]["capacity_gb"] == 100);  // the default

  r = s.send(get("/node/n2"));
  REQUIRE(r.status == 200);
  CHECK(body_of(r) == json{{"id", "n2"},
                           {"zone", "z1"},
                           {"addr", "10.0.0.2:7000"},
                           {"capacity_gb", 100},
                           {"meta", json::object()}});
  r = s.send(get("/node/ghost"));
  CHECK(r.status == 404);
  CHECK(is_error_body(r));
  CHECK(body_of(r)["error"] == "node not found");
  CHECK(body_of(r)["node_id"] == "ghost");

  // Stats: none yet -> found false and no "stats" key at all.
  r = s.send(get("/node/n1/stats"));
  REQUIRE(r.status == 200);
  CHECK(body_of(r) == json{{"node_id", "n1"}, {"found", false}});
  r = s.send(post("/node/n1/stats", R"({"cpu_free":0.5,"ram_free_mb":4000})"));
  REQUIRE(r.status == 200);
  CHECK(body_of(r) == json{{"ok", true}, {"node_id", "n1"}});
  r = s.send(get("/node/n1/stats"));
  REQUIRE(r.status == 200);
  auto st = body_of(r);
  CHECK(keys(st) == S{"node_id", "found", "stats"});
  CHECK(st["found"] == true);
  CHECK(keys(st["stats"]) == S{"cpu_free", "ram_free_mb", "gpu_free", "latency_ms", "io_pressure"});
  CHECK(st["stats"]["cpu_free"] == 0.5);
  CHECK(st["stats"]["ram_free_mb"] == 4000.0);
  CHECK(st["stats"]["gpu_free"] == 0.0);
  CHECK(st["stats"]["latency_ms"] == 10.0);
  CHECK(st["stats"]["io_pressure"] == 0.0);
  // Stats for a node that is not registered: 404 with node_id.
  r = s.send(post("/node/ghost/stats", R"({"cpu_free":0.5,"ram_free_mb":1})"));
  CHECK(r.status == 404);
  CHECK(body_of(r)["node_id"] == "ghost");
  CHECK(body_of(r)["field"] == "node_id");
  // Stats of an unknown node: 404 (and what was posted for it was not kept).
  r = s.send(get("/node/ghost/stats"));
  CHECK(r.status == 404);
  CHECK(body_of(r)["error"] == "node not found");
  CHECK(body_of(r)["node_id"] == "ghost");
}

TEST_CASE("placement, schedule and scheduler config") {
  test_server s;
  for (int i = 0; i < 5; ++i)
    REQUIRE(s.send(post("/register",
                        node_body("n" + std::to_string(i), "zone-" + std::to_string(i % 3))))
                .status == 200);
  auto r = s.send(get("/placement/abcdef"));
  REQUIRE(r.status == 200);
  auto ids = body_of(r);
  REQUIRE(ids.is_array());
  CHECK(ids.size() == 3);  // default rf
  r = s.send(get("/placement/ABCDEF?rf=5"));
  REQUIRE(r.status == 200);
  auto five = body_of(r).get<std::vector<std::string>>();
  CHECK(five.size() == 5);
  std::sort(five.begin(), five.end());
  CHECK(std::unique(five.begin(), five.end()) == five.end());  // distinct ids
  r = s.send(get("/placement/abcdef?rf=64"));
  CHECK(body_of(r).size() == 5);  // fewer nodes than rf: all of them

  // Schedule: no stats yet -> defaults qualify for an unconstrained workload.
  r = s.send(post("/schedule", "{}"));
  REQUIRE(r.status == 200);
  CHECK(keys(body_of(r)) == S{"node_id"});
  REQUIRE(s.send(post("/node/n3/stats", R"({"cpu_free":0.9,"ram_free_mb":64000,"gpu_free":2})"))
              .status == 200);
  r = s.send(post("/schedule", R"({"cpu_req":0.5,"ram_req_mb":1000,"gpu_req":1,
                                   "max_latency_ms":null,"io_tolerance":0.3})"));
  REQUIRE(r.status == 200);
  CHECK(body_of(r)["node_id"] == "n3");
  r = s.send(post("/schedule", R"({"cpu_req":2})"));
  CHECK(r.status == 404);
  CHECK(body_of(r) == json{{"error", "no suitable node"}});
  r = s.send(post("/schedule", R"({"cpu_req":"lots"})"));
  CHECK(r.status == 422);
  CHECK(body_of(r)["field"] == "cpu_req");

  r = s.send(get("/scheduler/config"));
  REQUIRE(r.status == 200);
  CHECK(body_of(r) ==
        json{{"w_cpu", 1.0}, {"w_ram", 0.001}, {"w_gpu", 2.0}, {"w_latency", 50.0}, {"w_io", 1.5}});
  r = s.send(post("/scheduler/config", R"({"w_gpu":3,"w_io":null})"));
  REQUIRE(r.status == 200);
  auto cfg = body_of(r);
  CHECK(keys(cfg) == S{"ok", "message", "config", "height"});
  CHECK(cfg["message"] == "scheduler config updated");
  CHECK(cfg["config"] ==
        json{{"w_cpu", 1.0}, {"w_ram", 0.001}, {"w_gpu", 3.0}, {"w_latency", 50.0}, {"w_io", 1.5}});
  CHECK(body_of(s.send(get("/scheduler/config")))["w_gpu"] == 3.0);
  r = s.send(post("/scheduler/config?wait=durable", R"({"w_cpu":-2.5})"));
  CHECK(r.status == 202);
  CHECK(body_of(r)["status"] == "pending_primary");
  CHECK(eventually([&] { return body_of(s.send(get("/scheduler/config")))["w_cpu"] == -2.5; }));
}

TEST_CASE("objects and replicas") {
  test_server s;
  REQUIRE(s.send(post("/register", node_body("a"))).status == 200);
  REQUIRE(s.send(post("/register", node_body("b"))).status == 200);
  auto r = s.send(post("/object/register", R"({"hash":"ABCDEF01","size":1024})"));
  REQUIRE(r.status == 200);
  CHECK(keys(body_of(r)) == S{"ok", "height"});
  // Same object, same size: idempotent; different size: conflict.
  CHECK(s.send(post("/object/register", R"({"hash":"abcdef01","size":1024})")).status == 200);
  r = s.send(post("/object/register", R"({"hash":"abcdef01","size":99})"));
  CHECK(r.status == 409);
  CHECK(body_of(r)["field"] == "size");

  r = s.send(get("/object/ABCDEF01"));
  REQUIRE(r.status == 200);
  CHECK(body_of(r) == json{{"hash", "abcdef01"},
                           {"size", 1024},
                           {"replicas", json::array()},
                           {"missing", json::array()}});
  r = s.send(get("/object/beef"));
  CHECK(r.status == 404);
  CHECK(body_of(r)["error"] == "not found");

  CHECK(s.send(post("/replica/mark_healed", R"({"hash":"abcdef01","node_id":"a"})")).status == 200);
  CHECK(s.send(post("/replica/mark_healed", R"({"hash":"abcdef01","node_id":"b"})")).status == 200);
  CHECK(body_of(s.send(get("/object/abcdef01")))["replicas"] == json{"a", "b"});
  r = s.send(post("/replica/mark_missing", R"({"hash":"abcdef01","node_id":"a"})"));
  REQUIRE(r.status == 200);
  CHECK(keys(body_of(r)) == S{"ok", "height"});
  auto o = body_of(s.send(get("/object/abcdef01")));
  CHECK(o["replicas"] == json{"b"});
  CHECK(o["missing"] == json{"a"});

  // Unknown object or node: 404, and nothing is created.
  auto before = s.checksum();
  r = s.send(post("/replica/mark_healed", R"({"hash":"00ff","node_id":"a"})"));
  CHECK(r.status == 404);
  CHECK(body_of(r)["field"] == "hash");
  r = s.send(post("/replica/mark_healed", R"({"hash":"abcdef01","node_id":"ghost"})"));
  CHECK(r.status == 404);
  CHECK(body_of(r)["field"] == "node_id");
  CHECK(s.send(get("/object/00ff")).status == 404);
  CHECK(s.checksum() == before);

  // wait=durable answers 202 and the write still lands.
  r = s.send(post("/object/register?wait=durable", R"({"hash":"0a0b","size":5})"));
  CHECK(r.status == 202);
  CHECK(body_of(r)["ok"] == true);
  CHECK(body_of(r)["status"] == "pending_primary");
  CHECK(eventually([&] { return s.send(get("/object/0a0b")).status == 200; }));
  r = s.send(post("/object/register?wait=later", R"({"hash":"0a0c","size":5})"));
  CHECK(r.status == 400);
  CHECK(body_of(r)["field"] == "wait");
}

TEST_CASE("DA and fallback endpoints") {
  test_server s;
  // Before anything odd is posted, the consistency check passes (once the consumer caught up).
  REQUIRE(s.send(post("/register", node_body("n1"))).status == 200);
  json report;
  CHECK(eventually([&] {
    report = body_of(s.send(get("/fallback/consistency")));
    return report.value("is_consistent", false);
  }));
  for (auto k :
       {"is_consistent", "items_verified", "inconsistencies_found", "details", "verified_at"})
    CHECK(report.contains(k));
  CHECK(report["inconsistencies_found"] == 0);
  CHECK(report["details"] == json::array());
  CHECK(report["verified_at"].get<uint64_t>() > 1600000000000ull);

  auto r = s.send(post("/da/post", R"({"data_hex":"DEADbeef"})"));
  REQUIRE(r.status == 200);
  auto posted = body_of(r);
  CHECK(keys(posted) == S{"success", "commitment", "height", "layer"});
  CHECK(posted["success"] == true);
  CHECK(posted["commitment"].get<std::string>().size() == 64);
  CHECK(posted["layer"] == "memory");
  r = s.send(post("/da/post", R"({"data_hex":"abc"})"));
  CHECK(r.status == 400);
  CHECK(body_of(r)["success"] == false);
  CHECK(body_of(r)["error"] == "invalid hex data: Odd number of digits");
  r = s.send(post("/da/post", R"({"data_hex":"0x12"})"));
  CHECK(r.status == 400);
  CHECK(body_of(r)["error"] == "invalid hex data: Invalid character 'x' at position 1");
  r = s.send(post("/da/post", R"({"data_hex":""})"));
  CHECK(r.status == 400);
  CHECK(body_of(r)["success"] == false);

  r = s.send(get("/da/metrics"));
  REQUIRE(r.status == 200);
  auto m = body_of(r);
  for (auto k : {"available", "post_count", "get_count", "error_count", "health_check_count",
                 "retry_count", "avg_post_latency_us", "avg_get_latency_us"})
    CHECK(m.contains(k));
  CHECK(m["available"] == true);
  CHECK(m["post_count"].get<uint64_t>() >= 2);  // the node's blob and the raw one

  r = s.send(get("/da/routing"));
  REQUIRE(r.status == 200);
  CHECK(body_of(r) == json{{"current_state", "primary"},
                           {"primary_healthy", true},
                           {"secondary_healthy", false},
                           {"emergency_healthy", false},
                           {"fallback_active", false},
                           {"pending_reconcile", 0}});
  r = s.send(get("/fallback/status"));
  REQUIRE(r.status == 200);
  CHECK(body_of(r) == json{{"current_status", "primary_healthy"},
                           {"fallback_active", false},
                           {"fallback_reason", nullptr},
                           {"pending_reconcile_count", 0},
                           {"last_fallback_at", nullptr}});
  r = s.send(get("/fallback/pending"));
  REQUIRE(r.status == 200);
  CHECK(body_of(r) == json::array());
  request reconcile = post("/fallback/reconcile", "ignored", "");
  reconcile.content_type = "text/plain";  // any body and content type are accepted
  r = s.send(reconcile);
  REQUIRE(r.status == 200);
  auto rep = body_of(r);
  CHECK(keys(rep) == S{"success", "blobs_processed", "blobs_reconciled", "blobs_failed",
                       "duration_ms", "errors", "message"});
  CHECK(rep["success"] == true);
  CHECK(rep["errors"] == json::array());

  // The raw blob is not an event blob: the consumer rejects it, and the check says so.
  auto mentions_rejected = [](const json& rep) {
    for (auto& d : rep.value("details", json::array()))
      if (d.get<std::string>().find("blob(s) on DA were rejected") != std::string::npos)
        return true;
    return false;
  };
  CHECK(eventually([&] {
    report = body_of(s.send(get("/fallback/consistency")));
    return mentions_rejected(report);
  }));
  CHECK(report["is_consistent"] == false);
  CHECK(report["inconsistencies_found"] == report["details"].size());
}

TEST_CASE("health, ready, system info and metrics") {
  test_server s;
  auto r = s.send(get("/health"));
  REQUIRE(r.status == 200);
  auto h = body_of(r);
  CHECK(h["status"] == "healthy");
  CHECK(h["da_available"] == true);
  CHECK(h["da_health"] == "healthy");
  for (auto k : {"status", "da_available", "da_health"})
    CHECK(h.contains(k));
  r = s.send(get("/ready"));
  CHECK(r.status == 200);
  CHECK(r.body.empty());

  REQUIRE(s.send(post("/register", node_body("n1"))).status == 200);
  r = s.send(get("/system/info"));
  REQUIRE(r.status == 200);
  auto info = body_of(r);
  for (auto k : {"version", "node_count", "da_status", "routing_state", "fallback_active",
                 "state_checksum", "applied_height", "events_applied", "events_rejected",
                 "publisher_id", "epoch", "uptime_s", "da_layer", "data_dir"})
    CHECK_MESSAGE(info.contains(k), k);
  CHECK(info["version"] == "0.1.0");
  CHECK(info["node_count"] == 1);
  CHECK(info["da_status"] == "healthy");
  CHECK(info["routing_state"] == "primary");
  CHECK(info["fallback_active"] == false);
  CHECK(info["state_checksum"].get<std::string>().size() == 64);
  CHECK(info["applied_height"].get<uint64_t>() >= 1);
  CHECK(info["events_applied"] == 1);
  CHECK(info["events_rejected"] == 0);
  CHECK(info["publisher_id"] == dsdn::core::to_hex(s.node->publisher_id()));
  CHECK(info["epoch"] == 1);
  CHECK(info["da_layer"] == "memory");
  CHECK(info["data_dir"] == s.node->data_dir_path());

  REQUIRE(s.send(get("/node/nobody")).status == 404);
  r = s.send(get("/metrics"));
  REQUIRE(r.status == 200);
  CHECK(r.header("content-type").rfind("text/plain", 0) == 0);
  auto& text = r.body;
  auto has = [&](const std::string& needle) { return text.find(needle) != std::string::npos; };
  CHECK(has("dsdn_http_requests_total{"));
  CHECK(has("route=\"/register\""));
  CHECK(has("route=\"/node/{id}\""));
  CHECK(has("code=\"404\""));
  CHECK(has("dsdn_http_request_duration_seconds_bucket{"));
  CHECK(has("dsdn_events_total{outcome=\"applied\"} 1"));
  CHECK(has("dsdn_events_total{outcome=\"rejected\"} 0"));
  CHECK(has("dsdn_da_operations_total{op=\"post\"}"));
  CHECK(has("dsdn_blobs_total{outcome=\"written\"} 1"));
  CHECK(has("dsdn_state{figure=\"applied_height\"}"));
}
