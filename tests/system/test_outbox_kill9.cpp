// System test: kill -9 of a coordinator whose outbox is not empty. A real coordinator writes to
// a da-node primary (fixed port, so it can come back) with a da-node as the emergency layer.
// With the primary down, writes are answered 202 and wait in the outbox; the coordinator is
// killed with SIGKILL, and the outbox file still holds the same entries in the same order. A
// start while the primary is still down waits for it (not ready, the outbox listed as it was);
// once the primary is back, that same coordinator finishes its rebuild, drains the outbox to
// the primary in publish order, reaches Healthy, applies every acknowledged write exactly
// once, and the consistency check passes.

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "dsdn/core/codec.hpp"
#include "dsdn/da/outbox.hpp"
#include "system/da_processes.hpp"

using namespace std::chrono_literals;

using nlohmann::json;
using systest::coordinator_process;
using systest::da_node;
using systest::eventually;

namespace {

/// The primary makes a block every 250 ms: slow enough that the consistency check can see the
/// consumer at the head, fast enough that a write to it takes well under a second.
constexpr unsigned primary_block_ms = 250;

/// What identifies a queued blob across the HTTP listing, the outbox file and the primary.
struct queued {
  uint64_t id = 0;
  uint64_t epoch = 0;
  uint64_t sequence = 0;
  std::string commitment;
  bool operator==(const queued& o) const {
    return std::tie(id, epoch, sequence, commitment) ==
           std::tie(o.id, o.epoch, o.sequence, o.commitment);
  }
};

std::vector<queued> pending_of(const std::string& url) {
  auto a = systest::http_call(url, "GET", "/fallback/pending");
  REQUIRE(a.status == 200);
  std::vector<queued> out;
  for (auto& e : a.body)
    out.push_back(queued{e["id"].get<uint64_t>(), e["epoch"].get<uint64_t>(),
                         e["sequence"].get<uint64_t>(), e["blob_id"].get<std::string>()});
  return out;
}

/// The outbox as stored in the coordinator's data dir (the coordinator must not be running: the
/// file is opened with an exclusive lock).
std::vector<queued> outbox_file_of(const std::string& path) {
  auto box = dsdn::da::outbox::open(path);
  REQUIRE_MESSAGE(box.ok(), dsdn::da::to_string(box.error().code) << ": " << box.error().message);
  auto list = box.value().list(1000);
  REQUIRE(list.ok());
  std::vector<queued> out;
  for (auto& e : list.value())
    out.push_back(queued{e.id, e.epoch, e.sequence, dsdn::core::to_hex(e.commitment)});
  return out;
}

/// (epoch, sequence) of every blob of `publisher` on the DA node, in (height, index) order.
std::vector<std::pair<uint64_t, uint64_t>> published_by(const std::string& url,
                                                        const std::string& publisher) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  auto head = systest::da_head(url);
  for (uint64_t h = 1; h <= head; ++h)
    for (auto& data : systest::da_get_all(url, systest::test_namespace, h)) {
      auto blob = dsdn::core::decode_blob(data);
      REQUIRE_MESSAGE(blob.ok(), "height " << h << ": " << blob.error().message);
      if (dsdn::core::to_hex(blob.value().header.publisher) == publisher)
        out.emplace_back(blob.value().header.epoch, blob.value().header.sequence);
    }
  return out;
}

json node_body(const std::string& id) {
  return json{{"id", id}, {"zone", "zone-a"}, {"addr", "10.1.0.1:7000"}};
}

}  // namespace

TEST_CASE("kill -9 with a non-empty outbox: it survives, and drains to the primary in order") {
  auto dir = systest::make_temp_dir("dsdn-kill9");
  const uint16_t primary_port = systest::free_port();
  auto primary =
      std::make_unique<da_node>(dir + "/primary", dir + "/primary.log", std::vector<std::string>{},
                                primary_port, primary_block_ms);
  da_node emergency(dir + "/emergency", dir + "/emergency.log");
  auto args = coordinator_process::primary_args(primary->url);
  for (const char* a :
       {"--enable-fallback", "--fallback-da-type", "emergency", "--emergency-da-url"})
    args.push_back(a);
  args.push_back(emergency.url);
  // A refused connection is retried once, quickly: the outage is seen within one write.
  for (const char* a : {"--da-retry-count", "1", "--da-retry-delay-ms", "100", "--da-timeout-ms",
                        "3000", "--reconcile-retry-delay-ms", "200"})
    args.push_back(a);

  std::vector<queued> pending;
  std::string publisher;
  size_t writes = 0;
  {
    coordinator_process c(dir, args, "serve1.log");
    publisher = c.info()["publisher_id"].get<std::string>();
    auto r = c.http("POST", "/register", node_body("before"));
    REQUIRE_MESSAGE(r.status == 200, r.text);
    ++writes;

    primary->kill();
    // Order matters for the weights: the last update must win after the replay.
    for (int i = 0; i < 4; ++i) {
      r = c.http("POST", "/register", node_body("outage-" + std::to_string(i)));
      CHECK_MESSAGE(r.status == 202, r.text);
      r = c.http("POST", "/scheduler/config", json{{"w_cpu", 0.1 * (i + 1)}});
      CHECK_MESSAGE(r.status == 202, r.text);
      writes += 2;
    }
    pending = pending_of(c.url);
    REQUIRE(pending.size() == 8);
    for (size_t i = 1; i < pending.size(); ++i) {
      CHECK(pending[i].id > pending[i - 1].id);
      CHECK(std::tie(pending[i].epoch, pending[i].sequence) >
            std::tie(pending[i - 1].epoch, pending[i - 1].sequence));
    }
    auto status = c.http("GET", "/fallback/status").body;
    CHECK(status["fallback_active"] == true);
    CHECK(status["pending_reconcile_count"] == 8);

    c.proc->signal(SIGKILL);
    REQUIRE(c.proc->wait(30s));
  }

  // kill -9 lost nothing: the outbox file holds the same entries in the same order.
  CHECK(outbox_file_of(dir + "/coordinator/outbox.sqlite") == pending);

  {
    // The primary is still down: the coordinator listens but stays not ready, retrying the
    // primary's head with backoff, and lists the outbox as it was.
    std::vector<std::string> argv{
        DSDN_COORDINATOR_BIN,   "serve", "--port", "0", "--data-dir", dir + "/coordinator",
        "--health-interval-ms", "200"};
    argv.insert(argv.end(), args.begin(), args.end());
    systest::child_process c(argv, dir + "/serve2.log");
    REQUIRE(c.started());
    REQUIRE_MESSAGE(c.wait_for_output("serve_listening url=", 30s), c.output());
    const auto url = systest::log_field(c.output(), "serve_listening", "url");
    auto http = [&url](const std::string& method, const std::string& target,
                       const json& body = nullptr) {
      return systest::http_call(url, method, target, body.is_null() ? std::string() : body.dump());
    };
    CHECK(c.output().find("outbox_entries=8") != std::string::npos);
    REQUIRE_MESSAGE(c.wait_for_output("rebuild_head_failed attempt=3 ", 10s), c.output());
    CHECK(!c.wait(100ms));
    CHECK(http("GET", "/ready").status == 503);
    CHECK(pending_of(url) == pending);

    primary.reset();
    primary = std::make_unique<da_node>(dir + "/primary", dir + "/primary-2.log",
                                        std::vector<std::string>{}, primary_port, primary_block_ms);
    // The next head retry (at most 5 s of backoff later) finds it.
    REQUIRE_MESSAGE(eventually([&] { return http("GET", "/ready").status == 200; }, 15s),
                    c.output());
    CHECK(c.output().find("rebuild_complete") != std::string::npos);
    auto r = http("POST", "/scheduler/config", json{{"w_cpu", 0.9}});
    CHECK_MESSAGE((r.status == 200 || r.status == 202), r.text);
    ++writes;

    REQUIRE_MESSAGE(eventually(
                        [&] {
                          auto s = http("GET", "/fallback/status").body;
                          return s["pending_reconcile_count"] == 0 &&
                                 s["current_status"] == "primary_healthy";
                        },
                        15s),
                    http("GET", "/fallback/status").text);
    CHECK(pending_of(url).empty());
    auto info_of = [&] { return http("GET", "/system/info").body; };
    REQUIRE(eventually([&] { return info_of()["events_applied"] == writes; }, 10s));
    auto info = info_of();
    CHECK(info["da_status"] == "healthy");
    CHECK(info["events_rejected"] == 0);

    // On the primary: the blob written before the outage, then the queued ones in publish
    // order, then the write after the restart; each exactly once.
    auto on_primary = published_by(primary->url, publisher);
    REQUIRE(on_primary.size() == pending.size() + 2);
    CHECK(on_primary.front() == std::make_pair(uint64_t{1}, uint64_t{1}));
    for (size_t i = 0; i < pending.size(); ++i)
      CHECK(on_primary[i + 1] == std::make_pair(pending[i].epoch, pending[i].sequence));
    CHECK(on_primary.back().first > pending.back().epoch);
    CHECK(on_primary.back().second == 1);

    // The applied state: every node once, and the last weight update won.
    auto nodes = http("GET", "/nodes").body;
    REQUIRE(nodes.is_array());
    CHECK(nodes.size() == 5);
    auto weights = http("GET", "/scheduler/config").body;
    CHECK(weights["w_cpu"].get<double>() == doctest::Approx(0.9));

    // The consumer may trail the head by a block at the moment of a check.
    json report;
    CHECK_MESSAGE(eventually(
                      [&] {
                        report = http("GET", "/fallback/consistency").body;
                        return report["is_consistent"] == true;
                      },
                      10s),
                  report.dump());
    CHECK(report["rebuilt_checksum"] == info["state_checksum"]);
    CHECK(report["reconciled_checked"].get<uint64_t>() >= pending.size());

    c.signal(SIGTERM);
    auto code = c.wait(60s);
    REQUIRE(code);
    CHECK(*code == 0);
  }
  std::filesystem::remove_all(dir);
}
