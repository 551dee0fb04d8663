// The DA layer failing or slow underneath the HTTP API: truthful health answers, the original's
// /da/post failure shape, and a graceful stop that lets an in-flight request finish.

#include <atomic>
#include <chrono>
#include <thread>

#include "dsdn/da/memory_da.hpp"
#include "http/server_fixture.hpp"

using namespace dsdn;
using namespace dsdn::http_test;
using namespace std::chrono_literals;

namespace {

/// The memory DA, with submits delayed while `slow` is set.
class slow_da final : public da::da_backend {
 public:
  std::atomic<bool> slow{false};

  const char* kind() const override { return inner_->kind(); }
  da::da_result<da::submit_receipt> submit(const std::vector<da::blob_bytes>& blobs) override {
    if (slow)
      std::this_thread::sleep_for(400ms);
    return inner_->submit(blobs);
  }
  da::da_result<std::vector<da::stored_blob>> get_all(uint64_t height) override {
    return inner_->get_all(height);
  }
  da::da_result<std::vector<da::stored_blob>> get_range(uint64_t from, uint64_t to,
                                                        size_t max_blobs) override {
    return inner_->get_range(from, to, max_blobs);
  }
  da::da_result<uint64_t> head_height() override { return inner_->head_height(); }
  bool healthy() override { return inner_->healthy(); }

 private:
  std::unique_ptr<da::da_backend> inner_ = da::make_memory_da();
};

}  // namespace

TEST_CASE("DA down: health unavailable, not ready, /da/post 500, routing and fallback say so") {
  auto faults = std::make_shared<da::memory_da_faults>();
  test_server s({}, true, da::make_memory_da(faults));
  REQUIRE(s.send(post("/register", node_body("n1"))).status == 200);
  faults->down = true;

  auto r = s.send(get("/health"));
  CHECK(r.status == 200);
  CHECK(body_of(r)["status"] == "unavailable");
  CHECK(body_of(r)["da_available"] == false);
  CHECK(body_of(r)["da_health"] == "unavailable");
  r = s.send(get("/ready"));
  CHECK(r.status == 503);
  CHECK(body_of(r) == json{{"error", "DA layer unavailable"}});
  CHECK(body_of(s.send(get("/system/info")))["da_status"] == "unavailable");
  CHECK(body_of(s.send(get("/da/routing")))["primary_healthy"] == false);
  CHECK(body_of(s.send(get("/fallback/status")))["current_status"] == "unavailable");

  r = s.send(post("/da/post", R"({"data_hex":"00ff"})"));
  CHECK(r.status == 500);
  auto failed = body_of(r);
  CHECK(failed["success"] == false);
  CHECK(failed["error"].is_string());
  CHECK_FALSE(failed.contains("commitment"));
  CHECK_FALSE(failed.contains("height"));

  auto report = body_of(s.send(get("/fallback/consistency")));
  CHECK(report["is_consistent"] == false);
  CHECK(report["details"][0].get<std::string>().find("DA head") != std::string::npos);

  // Reads of derived state keep working without DA.
  CHECK(body_of(s.send(get("/nodes"))).size() == 1);
  faults->down = false;
  CHECK(s.send(get("/ready")).status == 200);
}

TEST_CASE("graceful stop: an in-flight request finishes with Connection: close") {
  auto da = std::make_shared<slow_da>();
  test_server s({}, true, da);
  raw_socket idle(s.port);
  CHECK(idle.send_all("GET /health HTTP/1.1\r\nHost: t\r\n\r\n", 5s));
  CHECK(status_of(idle.read_response(5s)) == 200);

  da->slow = true;
  response in_flight;
  std::thread client([&] { in_flight = s.send(post("/register", node_body("slow"))); });
  std::this_thread::sleep_for(150ms);  // the request is now waiting for the DA
  auto started = std::chrono::steady_clock::now();
  s.server->stop();
  auto took = std::chrono::steady_clock::now() - started;
  client.join();
  CHECK(in_flight.status == 200);
  CHECK_FALSE(in_flight.keep_alive);
  CHECK(took >= 100ms);  // it waited for the request...
  CHECK(took < 3s);      // ...not for the grace period
  CHECK(idle.wait_closed(1s));
  da->slow = false;
}
