// System test: state survives a restart because it is rebuilt from the embedded DA.
// Writes 10k events through the registry, stops, starts the real `serve` binary on the same
// data dir (the rebuilt checksum must match), checks that a second process is refused the
// data dir, and finally writes again in a new epoch.

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include <doctest/doctest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>

#include "dsdn/actors/coordinator.hpp"
#include "system/process.hpp"

using namespace dsdn;
using namespace std::chrono_literals;

namespace {

/// A coordinator inside this process, with its own actor system.
struct in_process {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::unique_ptr<coordinator> node;

  explicit in_process(const std::string& data_dir) {
    configure_actor_system(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
    coordinator_config cc;
    cc.data_dir = data_dir;
    auto started = coordinator::start(*sys, cc);
    if (!started)
      FAIL("coordinator failed to start: " << started.error().message);
    node = std::move(started).value();
  }
  ~in_process() {
    node.reset();
    sys.reset();
  }

  state_status status() {
    caf::scoped_actor self{*sys};
    state_status out;
    self->request(node->state_machine(), 10s, atom::status_v)
        .receive([&](const state_status& s) { out = s; },
                 [&](caf::error& e) { FAIL(sys->render(e)); });
    return out;
  }

  /// Writes `events` through the registry, `window` requests in flight at a time.
  template <class MakeEvent>
  void write_all(size_t count, MakeEvent make, size_t window = 500) {
    caf::scoped_actor self{*sys};
    size_t ok = 0;
    for (size_t start = 0; start < count; start += window) {
      size_t n = std::min(window, count - start);
      for (size_t i = 0; i < n; ++i)
        self->request(node->registry(), 60s, atom::write_v, write_mode::applied, make(start + i))
            .receive([&](const write_result& r) { ok += r.applied ? 1 : 0; },
                     [&](caf::error& e) { FAIL_CHECK(sys->render(e)); });
    }
    CHECK(ok == count);
  }
};

std::string make_temp_dir() {
  char tmpl[] = "/tmp/dsdn-systest-XXXXXX";
  return mkdtemp(tmpl);
}

}  // namespace

TEST_CASE("10k events survive a restart of the real binary; new writes use a new epoch") {
  auto dir = make_temp_dir();
  auto data_dir = dir + "/data";
  std::string checksum_before;
  uint64_t height_before = 0;
  {
    in_process c(data_dir);
    CHECK(c.node->epoch() == 1);
    // 10k events: 2000 nodes, 4000 objects, 4000 replicas.
    c.write_all(2000, [](size_t i) {
      return core::node_registered{
          "node-" + std::to_string(i), "zone-" + std::to_string(i % 7),
          "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250) + ":7000", 100 + i};
    });
    auto hash = [](size_t i) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%016zx", i * 2654435761u);
      return std::string(buf);
    };
    c.write_all(4000, [&](size_t i) { return core::object_registered{hash(i), 1024 + i}; });
    c.write_all(4000, [&](size_t i) {
      return core::replica_added{hash(i), "node-" + std::to_string(i % 2000)};
    });
    auto s = c.status();
    CHECK(s.node_count == 2000);
    CHECK(s.object_count == 4000);
    CHECK(s.counters.events_applied == 10000);
    checksum_before = s.checksum_hex;
    height_before = s.applied_height;
  }

  // The real binary rebuilds the same state from the embedded DA, in epoch 2.
  {
    systest::child_process serve(
        {DSDN_COORDINATOR_BIN, "serve", "--port", "0", "--data-dir", data_dir},
        dir + "/serve1.log");
    REQUIRE(serve.started());
    REQUIRE_MESSAGE(serve.wait_for_output("coordinator_ready", 60s), serve.output());
    auto out = serve.output();
    CHECK(systest::log_field(out, "rebuild_complete", "checksum") == checksum_before);
    CHECK(systest::log_field(out, "coordinator_ready", "epoch") == "2");
    CHECK(systest::log_field(out, "coordinator_ready", "applied_height") ==
          std::to_string(height_before));
    CHECK(systest::log_field(out, "coordinator_ready", "data_dir") == data_dir);

    // A second process on the same data dir is refused with a clear error.
    systest::child_process second(
        {DSDN_COORDINATOR_BIN, "serve", "--port", "0", "--data-dir", data_dir},
        dir + "/serve2.log");
    auto code = second.wait(30s);
    REQUIRE(code);
    CHECK(*code == 1);
    CHECK(second.output().find("in use by another process") != std::string::npos);

    serve.signal(SIGTERM);
    auto exit_code = serve.wait(30s);
    REQUIRE(exit_code);
    CHECK(*exit_code == 0);
    CHECK(serve.output().find("shutdown_complete") != std::string::npos);
  }

  // Start again in-process: same checksum, epoch 3, and new writes land in epoch 3.
  {
    in_process c(data_dir);
    CHECK(c.node->epoch() == 3);
    CHECK(c.node->rebuild().status.checksum_hex == checksum_before);
    c.write_all(10, [](size_t i) {
      return core::node_registered{"late-" + std::to_string(i), "zone-x", "h:1", 1};
    });
    auto s = c.status();
    CHECK(s.node_count == 2010);
    CHECK(s.checksum_hex != checksum_before);
    caf::scoped_actor self{*c.sys};
    self->request(c.node->state_machine(), 10s, atom::cursor_v, c.node->publisher_id())
        .receive(
            [&](const core::publisher_cursor& cur) {
              CHECK(cur.epoch == 3);
              CHECK(cur.sequence >= 1);
            },
            [&](caf::error& e) { FAIL_CHECK(c.sys->render(e)); });
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("serve refuses an identity key readable by others") {
  auto dir = make_temp_dir();
  auto data_dir = dir + "/data";
  { in_process c(data_dir); }
  chmod((data_dir + "/identity.key").c_str(), 0644);
  systest::child_process serve(
      {DSDN_COORDINATOR_BIN, "serve", "--port", "0", "--data-dir", data_dir}, dir + "/serve.log");
  auto code = serve.wait(30s);
  REQUIRE(code);
  CHECK(*code == 1);
  CHECK(serve.output().find("identity.key") != std::string::npos);
  std::filesystem::remove_all(dir);
}
