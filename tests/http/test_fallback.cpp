// The DA fallback through the HTTP API, with real data: an in-process coordinator whose
// primary, secondary and emergency layers are memory DAs with fault injection. An outage is
// simulated by switching a layer down; the answers of /fallback/*, /da/*, /health, /system/info
// and /metrics, and the 202 pending_primary of writes, are checked against what happened.

#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "dsdn/da/memory_da.hpp"
#include "http/server_fixture.hpp"

using namespace dsdn;
using namespace dsdn::http_test;
using namespace std::chrono_literals;
using S = std::set<std::string>;

namespace {

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

struct layer {
  std::shared_ptr<da::memory_da_faults> faults = std::make_shared<da::memory_da_faults>();
  std::shared_ptr<da::da_backend> backend = da::make_memory_da(faults);
};

/// A coordinator with three memory DA layers and fast health probes, restartable on the same
/// data dir and the same layers.
struct fallback_server {
  std::string dir;
  layer primary, secondary, emergency;
  da::outbox_limits limits{1000, 1 << 24};
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<coordinator> node;
  std::unique_ptr<http::http_server> server;
  uint16_t port = 0;

  explicit fallback_server(size_t max_entries = 1000) {
    limits.max_entries = max_entries;
    configure_logging("warn", "text");
    char tmpl[] = "/tmp/dsdn-httpfbk-XXXXXX";
    dir = mkdtemp(tmpl);
    configure_actor_system(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    start();
  }

  void start() {
    coordinator_config cc;
    cc.data_dir = dir + "/data";
    cc.backend = primary.backend;
    cc.secondary = secondary.backend;
    cc.emergency = emergency.backend;
    cc.outbox_limits = limits;
    cc.health.interval = 50ms;
    cc.health.probe_timeout = 1s;
    cc.health.thresholds.failure_threshold = 1;
    cc.health.thresholds.recovery_threshold = 1;
    cc.reconcile.batch_size = 2;
    cc.reconcile.retry_delay = 20ms;
    cc.reconcile.retry_delay_max = 200ms;
    auto opened = coordinator::start(*sys, cc);
    if (!opened)
      FAIL("coordinator failed to start: " << opened.error().message);
    node = std::move(opened).value();
    http::server_config sc;
    sc.port = 0;
    auto started = http::http_server::start(*sys, *node, sc);
    if (!started)
      FAIL("http server failed to start: " << started.error().message);
    server = std::move(started).value();
    port = server->port();
  }

  void stop() {
    if (server)
      server->stop();
    server.reset();
    node.reset();
  }

  ~fallback_server() {
    stop();
    sys.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  response send(const request& r) const { return fetch(port, r); }
  json get_json(const std::string& target) const { return body_of(send(get(target))); }
};

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("outage: writes answered 202 pending_primary; /fallback and /da report it; drained") {
  fallback_server s;
  REQUIRE(s.send(post("/register", node_body("n1"))).status == 200);
  CHECK(s.get_json("/fallback/status")["current_status"] == "primary_healthy");

  s.primary.faults->down = true;
  auto r = s.send(post("/register", node_body("n2")));
  CHECK(r.status == 202);
  CHECK(body_of(r) == json{{"ok", true}, {"status", "pending_primary"}});
  r = s.send(post("/object/register", R"({"hash":"0a0b","size":5})"));
  CHECK(r.status == 202);
  CHECK(s.send(get("/node/n2")).status == 404);  // applied only once it reaches the primary

  json status;
  CHECK(eventually([&] {
    status = s.get_json("/fallback/status");
    return status["current_status"] == "fallback_secondary";
  }));
  CHECK(status["fallback_active"] == true);
  CHECK(status["fallback_reason"].is_string());
  CHECK(status["pending_reconcile_count"] == 2);
  CHECK(status["last_fallback_at"].get<uint64_t>() > 1600000000000ull);
  CHECK(status["da_status"] == "degraded");
  CHECK(status["transitions"].size() >= 1);
  CHECK(s.get_json("/da/routing") == json{{"current_state", "secondary"},
                                          {"primary_healthy", false},
                                          {"secondary_healthy", true},
                                          {"emergency_healthy", true},
                                          {"fallback_active", true},
                                          {"pending_reconcile", 2}});

  auto pending = s.get_json("/fallback/pending");
  REQUIRE(pending.is_array());
  REQUIRE(pending.size() == 2);
  for (auto& p : pending) {
    for (auto k : {"blob_id", "source_da", "target_da", "stored_at", "retry_count", "last_error"})
      CHECK_MESSAGE(p.contains(k), k);
    CHECK(p["blob_id"].get<std::string>().size() == 64);
    CHECK(p["source_da"] == "secondary");
    CHECK(p["target_da"] == "primary");
    CHECK(p["stored_at"].get<uint64_t>() > 1600000000000ull);
    CHECK(p["retry_count"] == 0);
    CHECK(p["last_error"].is_null());
  }
  CHECK(pending[0]["sequence"].get<uint64_t>() < pending[1]["sequence"].get<uint64_t>());

  auto m = s.get_json("/da/metrics");
  CHECK(m["layers"]["primary"]["error_count"].get<uint64_t>() >= 1);
  CHECK(m["layers"]["secondary"]["post_count"] == 2);
  CHECK(m["layers"]["emergency"]["post_count"] == 0);
  CHECK(m["outbox"]["entries"] == 2);
  CHECK(m["writes"]["pending_primary"] == 2);

  auto h = s.get_json("/health");
  CHECK(h["status"] == "degraded");
  CHECK(h["da_available"] == true);
  CHECK(h["da_health"] == "degraded");
  CHECK(s.send(get("/ready")).status == 200);  // writes are accepted (pending the primary)
  auto info = s.get_json("/system/info");
  CHECK(info["da_status"] == "degraded");
  CHECK(info["routing_state"] == "secondary");
  CHECK(info["fallback_active"] == true);

  r = s.send(post("/fallback/reconcile", "{}"));
  CHECK(r.status == 500);
  auto failed = body_of(r);
  CHECK(failed["error"] == "reconciliation_failed");
  CHECK(failed["message"] == "Primary DA is not healthy, cannot reconcile");
  CHECK(failed["report"]["success"] == false);
  CHECK(failed["report"]["blobs_processed"] == 0);

  auto report = s.get_json("/fallback/consistency");
  CHECK(report["pending_checked"] == 2);  // both copies found on the secondary

  auto text = s.send(get("/metrics")).body;
  CHECK(contains(text, "dsdn_da_layer_operations_total{layer=\"secondary\",op=\"post\"} 2"));
  CHECK(contains(text, "dsdn_da_routed_writes_total{route=\"pending_primary\"} 2"));
  CHECK(contains(text, "dsdn_da_status{status=\"degraded\"} 1"));
  CHECK(contains(text, "dsdn_state{figure=\"outbox_entries\"} 2"));

  // The primary is back: Recovering, drained in order, Healthy; the writes are applied.
  s.primary.faults->down = false;
  CHECK(eventually([&] { return s.send(get("/node/n2")).status == 200; }));
  CHECK(eventually([&] {
    status = s.get_json("/fallback/status");
    return status["current_status"] == "primary_healthy" &&
           status["pending_reconcile_count"] == 0 && status["fallback_active"] == false;
  }));
  CHECK(status["fallback_reason"].is_null());
  CHECK(s.send(get("/object/0a0b")).status == 200);
  CHECK(s.get_json("/fallback/pending") == json::array());
  CHECK(eventually([&] { return s.get_json("/health")["da_health"] == "healthy"; }));
  CHECK(eventually([&] {
    report = s.get_json("/fallback/consistency");
    return report["is_consistent"] == true;
  }));
  CHECK(report["reconciled_checked"] == 2);
  CHECK(report["rebuilt_checksum"] == report["state_checksum"]);
  CHECK(report["unverified"] == json::array());
  r = s.send(post("/fallback/reconcile", ""));
  REQUIRE(r.status == 200);
  auto rep = body_of(r);
  for (auto k :
       {"success", "blobs_processed", "blobs_reconciled", "blobs_failed", "duration_ms", "errors"})
    CHECK_MESSAGE(rep.contains(k), k);
  CHECK(rep["success"] == true);
  CHECK(rep["blobs_processed"] == 0);
  // Writes go straight to the primary again.
  r = s.send(post("/register", node_body("n3")));
  CHECK(r.status == 200);
  CHECK(body_of(r)["height"].get<uint64_t>() >= 2);
}

TEST_CASE("/da/post during an outage: the fallback layer's commitment, pending_primary") {
  fallback_server s;
  s.primary.faults->down = true;
  s.secondary.faults->down = true;
  auto r = s.send(post("/da/post", R"({"data_hex":"00ff00ff"})"));
  REQUIRE(r.status == 200);
  auto posted = body_of(r);
  CHECK(keys(posted) == S{"success", "commitment", "height", "layer", "role", "pending_primary"});
  CHECK(posted["layer"] == "memory");
  CHECK(posted["role"] == "emergency");
  CHECK(posted["pending_primary"] == true);
  CHECK(posted["height"] == 1);
  CHECK(posted["commitment"].get<std::string>().size() == 64);
  auto pending = s.get_json("/fallback/pending");
  REQUIRE(pending.size() == 1);
  CHECK(pending[0]["source_da"] == "emergency");
  CHECK(pending[0]["blob_id"] == posted["commitment"]);
  CHECK(eventually(
      [&] { return s.get_json("/fallback/status")["current_status"] == "fallback_emergency"; }));
  CHECK(eventually([&] { return s.get_json("/health")["da_health"] == "emergency"; }));
  CHECK(s.get_json("/da/routing")["current_state"] == "emergency");
  s.primary.faults->down = false;
  CHECK(eventually([&] { return s.get_json("/fallback/pending") == json::array(); }));
  CHECK(s.primary.backend->head_height().value() == 1);
}

TEST_CASE("every layer down: writes 503, /da/post 500, health unavailable") {
  fallback_server s;
  for (auto* l : {&s.primary, &s.secondary, &s.emergency})
    l->faults->down = true;
  auto r = s.send(post("/register", node_body("n1")));
  CHECK(r.status == 503);
  CHECK(r.header("retry-after") == "1");
  CHECK(is_error_body(r));
  r = s.send(post("/da/post", R"({"data_hex":"00ff"})"));
  CHECK(r.status == 500);
  CHECK(body_of(r)["success"] == false);
  CHECK(contains(body_of(r)["error"].get<std::string>(), "every DA layer failed"));
  CHECK(eventually([&] { return s.get_json("/health")["status"] == "unavailable"; }));
  CHECK(s.get_json("/health")["da_health"] == "unavailable");
  CHECK(s.get_json("/fallback/status")["current_status"] == "unavailable");
  CHECK(s.get_json("/fallback/pending") == json::array());
  CHECK(s.send(get("/ready")).status == 503);
}

TEST_CASE("an outbox over its cap: 503; the refused blob is retried and lands after all") {
  fallback_server s(1);
  s.primary.faults->down = true;
  CHECK(s.send(post("/register", node_body("n1"))).status == 202);
  auto r = s.send(post("/register", node_body("n2")));
  CHECK(r.status == 503);
  CHECK(contains(body_of(r)["error"].get<std::string>(), "outbox full"));
  r = s.send(post("/da/post", R"({"data_hex":"00ff"})"));
  CHECK(r.status == 503);
  CHECK(s.get_json("/da/metrics")["writes"]["refused"].get<uint64_t>() >= 2);
  s.primary.faults->down = false;
  CHECK(eventually([&] { return s.send(get("/node/n2")).status == 200; }));
  CHECK(s.send(get("/node/n1")).status == 200);
}

TEST_CASE("a restart with a non-empty outbox: new writes queue behind it; drained in order") {
  fallback_server s;
  s.primary.faults->down = true;
  for (auto id : {"a", "b", "c"})
    REQUIRE(s.send(post("/register", node_body(id))).status == 202);
  // The primary answers reads again (a start needs them to rebuild) but refuses every write.
  s.primary.faults->fail_submits = 1000000;
  s.primary.faults->down = false;
  s.stop();
  s.start();  // same data dir and layers
  CHECK(s.get_json("/fallback/status")["pending_reconcile_count"] == 3);
  REQUIRE(s.send(post("/register", node_body("d"))).status == 202);
  CHECK(s.get_json("/fallback/pending").size() == 4);
  CHECK(s.send(get("/node/a")).status == 404);
  s.primary.faults->fail_submits = 0;
  CHECK(eventually([&] { return s.send(get("/node/d")).status == 200; }));
  for (auto id : {"a", "b", "c"})
    CHECK(s.send(get(std::string("/node/") + id)).status == 200);
  // The primary holds the old epoch's blobs before the new epoch's first one.
  auto all = s.primary.backend->get_range(1, UINT64_MAX, 1000).value();
  std::vector<std::pair<uint64_t, uint64_t>> order;
  for (auto& b : all) {
    auto d = core::decode_blob(b.data);
    REQUIRE(d.ok());
    order.emplace_back(d.value().header.epoch, d.value().header.sequence);
  }
  CHECK(order == std::vector<std::pair<uint64_t, uint64_t>>{{1, 1}, {1, 2}, {1, 3}, {2, 1}});
  auto info = s.get_json("/system/info");
  CHECK(info["events_applied"] == 4);
}
