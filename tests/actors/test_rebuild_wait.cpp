// Actor-level tests of the startup replay while the primary is unreachable: the rebuilder
// retries the head with a doubling backoff (simulated clock) and fails only at its timeout.

#include <atomic>
#include <climits>

#include "actors/caf_doctest.hpp"
#include "dsdn/actors/actors.hpp"
#include "dsdn/core/codec.hpp"
#include "dsdn/da/memory_da.hpp"

using namespace dsdn;
using namespace std::chrono_literals;

namespace {

/// The memory DA, except that the head request fails while `head_failures` is positive (each
/// failure uses one up). Reads keep working: only the head decides whether a start can begin.
class flaky_head_da : public da::da_backend {
 public:
  explicit flaky_head_da(std::shared_ptr<da::da_backend> inner) : inner_(std::move(inner)) {}

  std::atomic<int> head_failures{0};
  std::atomic<int> head_calls{0};

  const char* kind() const override { return "flaky-head"; }
  da::da_result<da::submit_receipt> submit(const std::vector<da::blob_bytes>& blobs) override {
    return inner_->submit(blobs);
  }
  da::da_result<std::vector<da::stored_blob>> get_all(uint64_t height) override {
    return inner_->get_all(height);
  }
  da::da_result<std::vector<da::stored_blob>> get_range(uint64_t from, uint64_t to,
                                                        size_t max_blobs) override {
    return inner_->get_range(from, to, max_blobs);
  }
  da::da_result<uint64_t> head_height() override {
    ++head_calls;
    if (head_failures > 0) {
      --head_failures;
      return {da::da_errc::unavailable, "primary down (test)"};
    }
    return inner_->head_height();
  }
  bool healthy() override { return head_failures <= 0 && inner_->healthy(); }

 private:
  std::shared_ptr<da::da_backend> inner_;
};

struct rebuild_wait_fixture : dsdn_fixture {
  core::identity_key key = core::identity_key::from_seed(std::array<uint8_t, 32>{11});
  std::shared_ptr<flaky_head_da> backend = std::make_shared<flaky_head_da>(da::make_memory_da());
  da_actor da;
  state_machine_actor sm;
  da_consumer_actor consumer;
  state_rebuilder_actor rebuilder;

  explicit rebuild_wait_fixture(caf::timespan timeout = 30s) {
    // History to replay: two blobs of ours (epoch 3), one node each.
    for (uint64_t seq = 1; seq <= 2; ++seq) {
      core::blob_header h;
      h.epoch = 3;
      h.sequence = seq;
      h.timestamp_ms = 1000 * seq;
      core::node_registered n{"n" + std::to_string(seq), "zone-a", "10.0.0.1:7000", 100};
      REQUIRE(backend->submit({core::encode_blob(h, {n}, key)}).ok());
    }
    core::trusted_publishers trusted;
    trusted.add(key.public_key_bytes());
    da = spawn_da(sys, backend, false);
    sm = spawn_state_machine(sys, state_machine_config{trusted, key.public_key_bytes()});
    da_consumer_config ccfg;
    ccfg.trusted = trusted;
    consumer = spawn_da_consumer(sys, ccfg, da, sm);
    state_rebuilder_config rcfg;
    rcfg.timeout = timeout;
    rebuilder = spawn_state_rebuilder(sys, da, consumer, sm, key.public_key_bytes(), rcfg);
    sched.run();
  }

  ~rebuild_wait_fixture() override {
    for (auto h : {caf::actor_cast<caf::actor>(rebuilder), caf::actor_cast<caf::actor>(consumer),
                   caf::actor_cast<caf::actor>(sm), caf::actor_cast<caf::actor>(da)})
      caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// Steps the simulated clock by `step` until `total` has passed, running messages between.
  void advance(caf::timespan total, caf::timespan step = 50ms) {
    sched.run();
    for (caf::timespan t{0}; t < total; t += step) {
      advance_time(step);
      sched.run();
    }
  }

  /// True when a response (report or error) waits in the test's mailbox.
  bool answered() { return self->mailbox().size() > 0; }

  /// The error a failed rebuild answered (none, and a failed check, if it succeeded).
  template <class Handle>
  caf::error failure_of(Handle& rh) {
    caf::error out;
    rh.receive([&](const rebuild_report&) { FAIL_CHECK("rebuild succeeded without a primary"); },
               [&](const caf::error& err) { out = err; });
    return out;
  }
};

struct short_timeout_fixture : rebuild_wait_fixture {
  short_timeout_fixture() : rebuild_wait_fixture(10s) {}
};

}  // namespace

TEST_CASE_FIXTURE(rebuild_wait_fixture,
                  "rebuild waits for a primary whose head fails twice, then replays it") {
  backend->head_failures = 2;
  auto rh = self->request(rebuilder, caf::infinite, atom::rebuild_v);
  sched.run();
  // First attempt failed; the retries follow after 100 ms and then 200 ms.
  CHECK(backend->head_calls == 1);
  CHECK(!answered());
  advance(100ms);
  CHECK(backend->head_calls == 2);
  CHECK(!answered());
  advance(5s);
  CHECK(backend->head_failures == 0);
  REQUIRE(answered());
  rh.receive(
      [&](const rebuild_report& r) {
        CHECK(r.head_height == 2);
        CHECK(r.blobs == 2);
        CHECK(r.events == 2);
        CHECK(r.status.applied_height == 2);
        CHECK(r.status.node_count == 2);
        CHECK(r.status.counters.events_rejected == 0);
        CHECK(r.own_cursor.epoch == 3);
        CHECK(r.own_cursor.sequence == 2);
      },
      [&](const caf::error& err) { FAIL_CHECK(sys.render(err)); });
}

TEST_CASE_FIXTURE(short_timeout_fixture,
                  "rebuild fails at its timeout when the primary never answers its head") {
  backend->head_failures = INT_MAX;
  auto rh = self->request(rebuilder, caf::infinite, atom::rebuild_v);
  // Retries at 0.1, 0.3, 0.7, 1.5, 3.1 and 6.3 s (the backoff doubles; capped at 5 s later).
  advance(9900ms);
  CHECK(!answered());
  CHECK(backend->head_calls == 7);
  advance(200ms);
  REQUIRE(answered());
  auto err = failure_of(rh);
  CHECK(err);
  CHECK(sys.render(err).find("primary down (test)") != std::string::npos);
  // A failed rebuild stops retrying.
  auto calls = backend->head_calls.load();
  advance(10s, 1s);
  CHECK(backend->head_calls == calls);
}

TEST_CASE_FIXTURE(rebuild_wait_fixture,
                  "an exit while waiting for the primary fails the rebuild at once") {
  backend->head_failures = INT_MAX;
  auto rh = self->request(rebuilder, caf::infinite, atom::rebuild_v);
  advance(1s);
  CHECK(!answered());
  caf::anon_send_exit(rebuilder, caf::exit_reason::user_shutdown);
  sched.run();
  REQUIRE(answered());
  CHECK(failure_of(rh) == caf::exit_reason::user_shutdown);
}
