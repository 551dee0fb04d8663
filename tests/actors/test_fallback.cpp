// Actor-level tests of the DA fallback on CAF's deterministic scheduler: three memory DAs
// (primary, secondary, emergency) with fault injection, the health monitor, the da_router with
// a real SQLite outbox, the reconciliation engine, and the write path in front of them.

#include <stdlib.h>

#include <filesystem>
#include <functional>
#include <map>
#include <optional>

#include "actors/caf_doctest.hpp"
#include "dsdn/actors/actors.hpp"
#include "dsdn/da/memory_da.hpp"

using namespace dsdn;
using namespace std::chrono_literals;

namespace {

/// One memory DA with its fault switches.
struct test_layer {
  std::shared_ptr<da::memory_da_faults> faults = std::make_shared<da::memory_da_faults>();
  std::shared_ptr<da::da_backend> backend = da::make_memory_da(faults);
  da_actor actor;
};

/// Submits held like a blocking client's call that has not returned (a node killed mid-write,
/// a retry chain): while `hold` is set, a submit's answer waits until release(), which the
/// gated actor runs (a promise is delivered from its actor) on any atom::status.
struct submit_gate {
  using promise = caf::typed_response_promise<da::submit_receipt>;
  bool hold = false;
  std::vector<std::pair<promise, blob_list>> held;
  /// Runs once the held blobs are stored, before their answers go out (e.g. the node dies).
  std::function<void()> after_store;

  /// Answers every held submit as the backend does now (late).
  void release(da::da_backend& backend) {
    std::vector<da::da_result<da::submit_receipt>> stored;
    for (auto& h : held)
      stored.push_back(backend.submit(h.second));
    if (after_store)
      after_store();
    for (size_t i = 0; i < held.size(); ++i) {
      if (stored[i])
        held[i].first.deliver(std::move(stored[i]).value());
      else
        held[i].first.deliver(make_dsdn_error(ec::da_unavailable, "", stored[i].error().message));
    }
    held.clear();
  }
};

/// A primary's write actor in front of `backend` whose submits `gate` can hold; everything
/// else goes straight to the backend.
da_actor::behavior_type gated_da(da_actor::pointer self, std::shared_ptr<da::da_backend> backend,
                                 std::shared_ptr<submit_gate> gate) {
  auto unavailable = [](const failure<da::da_errc>& f) {
    return make_dsdn_error(ec::da_unavailable, "", f.message);
  };
  return {
      [=](atom::submit, blob_list& blobs) -> caf::result<da::submit_receipt> {
        if (gate->hold) {
          auto rp = self->make_response_promise<da::submit_receipt>();
          gate->held.emplace_back(rp, std::move(blobs));
          return rp;
        }
        auto r = backend->submit(blobs);
        if (!r)
          return unavailable(r.error());
        return std::move(r).value();
      },
      [=](atom::read, uint64_t from, uint64_t to,
          uint64_t max_blobs) -> caf::result<stored_blob_list> {
        auto r = backend->get_range(from, to, static_cast<size_t>(max_blobs));
        if (!r)
          return unavailable(r.error());
        return std::move(r).value();
      },
      [=](atom::head) -> caf::result<uint64_t> {
        auto r = backend->head_height();
        if (!r)
          return unavailable(r.error());
        return r.value();
      },
      [=](atom::health) { return backend->healthy(); },
      [=](atom::status) {
        gate->release(*backend);
        return da_metrics{};
      },
  };
}

/// How the fixture wires the primary. `gated`: the router and the reconciliation engine write
/// through a gated actor of their own, while the health monitor and the consumer use the plain
/// one (as `serve` does with a networked primary).
struct primary_wiring {
  bool gated = false;
  caf::timespan failover_deadline{0};
};

struct fallback_fixture : dsdn_fixture {
  test_layer primary, secondary, emergency;
  core::identity_key key = core::identity_key::from_seed(seed(7));
  core::identity_key key2 = core::identity_key::from_seed(seed(8));
  std::string dir;
  state_machine_actor sm;
  da_consumer_actor consumer;
  health_monitor_actor monitor;
  da_router_actor router;
  reconciliation_engine_actor engine;
  event_publisher_actor publisher;
  event_publisher_actor publisher2;
  registry_actor registry;
  registry_actor registry2;

  static std::array<uint8_t, 32> seed(uint8_t b) {
    std::array<uint8_t, 32> s{};
    s.fill(b);
    return s;
  }

  std::shared_ptr<submit_gate> gate = std::make_shared<submit_gate>();
  da_actor writes;  // the primary as the router and the engine see it

  explicit fallback_fixture(da::outbox_limits limits = {}, primary_wiring wiring = {}) {
    char tmpl[] = "/tmp/dsdn-fallback-XXXXXX";
    dir = mkdtemp(tmpl);
    core::trusted_publishers trusted;
    trusted.add(key.public_key_bytes());
    trusted.add(key2.public_key_bytes());
    da_layer_set layers;
    for (auto* l : {&primary, &secondary, &emergency})
      l->actor = spawn_da(sys, l->backend, false);
    layers.primary = primary.actor;
    layers.secondary = secondary.actor;
    layers.emergency = emergency.actor;
    layers.primary_kind = layers.secondary_kind = layers.emergency_kind = "memory";
    writes = wiring.gated ? caf::actor_cast<da_actor>(sys.spawn(gated_da, primary.backend, gate))
                          : primary.actor;
    auto routed = layers;
    routed.primary = writes;
    sm = spawn_state_machine(sys, state_machine_config{trusted, key.public_key_bytes()});
    da_consumer_config ccfg;
    ccfg.trusted = trusted;
    consumer = spawn_da_consumer(sys, ccfg, primary.actor, sm);
    health_monitor_config hcfg;
    hcfg.interval = 1s;
    hcfg.probe_timeout = 500ms;
    hcfg.thresholds.failure_threshold = 1;
    hcfg.thresholds.recovery_threshold = 1;
    hcfg.probe_at_start = false;
    monitor = spawn_health_monitor(sys, hcfg, layers);
    auto outbox = da::outbox::open(dir + "/outbox.sqlite", limits);
    REQUIRE(outbox.ok());
    da_router_config rcfg;
    rcfg.detached = false;
    rcfg.health_interval = hcfg.interval;
    rcfg.failover_deadline = wiring.failover_deadline;
    router = spawn_da_router(sys, rcfg, routed, monitor,
                             std::make_shared<da::outbox>(std::move(outbox).value()));
    reconciliation_config ecfg;
    ecfg.batch_size = 2;
    ecfg.retry_delay = 100ms;
    ecfg.retry_delay_max = 1s;
    ecfg.parallel = 2;
    engine = spawn_reconciliation_engine(sys, ecfg, router, writes, monitor, consumer);
    event_publisher_config pcfg;
    pcfg.key = key;
    publisher = spawn_event_publisher(sys, pcfg, router, consumer);
    pcfg.key = key2;
    publisher2 = spawn_event_publisher(sys, pcfg, router, consumer);
    registry = spawn_registry(sys, sm, publisher, monitor);
    registry2 = spawn_registry(sys, sm, publisher2, monitor);
    sched.run();
    self->send(publisher, atom::start_v, uint64_t{1});
    self->send(publisher2, atom::start_v, uint64_t{1});
    self->send(consumer, atom::start_v, uint64_t{1});
    sched.run();
  }

  ~fallback_fixture() override {
    for (auto h :
         {caf::actor_cast<caf::actor>(registry), caf::actor_cast<caf::actor>(registry2),
          caf::actor_cast<caf::actor>(publisher), caf::actor_cast<caf::actor>(publisher2),
          caf::actor_cast<caf::actor>(engine), caf::actor_cast<caf::actor>(router),
          caf::actor_cast<caf::actor>(monitor), caf::actor_cast<caf::actor>(consumer),
          caf::actor_cast<caf::actor>(sm), caf::actor_cast<caf::actor>(primary.actor),
          caf::actor_cast<caf::actor>(writes), caf::actor_cast<caf::actor>(secondary.actor),
          caf::actor_cast<caf::actor>(emergency.actor)})
      caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
    sched.run();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }

  /// Steps the clock by `step` until `total` has passed, running every message in between.
  void run_for(caf::timespan total, caf::timespan step = 2ms) {
    sched.run();
    for (caf::timespan t{0}; t < total; t += step) {
      advance_time(step);
      sched.run();
    }
  }

  /// One probe round of the health monitor (its interval is 1 s).
  void probe() { run_for(1s, 1s); }

  /// Sends a request, runs the system for a while, and collects the answer or the error.
  template <class T, class Handle, class... Ts>
  std::pair<std::optional<T>, caf::error> call(const Handle& h, Ts&&... xs) {
    std::optional<T> out;
    caf::error err;
    auto rh = self->request(h, caf::infinite, std::forward<Ts>(xs)...);
    run_for(50ms);
    rh.receive([&](T& x) { out = std::move(x); }, [&](caf::error& e) { err = std::move(e); });
    return {std::move(out), std::move(err)};
  }

  std::pair<std::optional<write_result>, caf::error> write(const std::string& id,
                                                           bool second = false) {
    return call<write_result>(second ? registry2 : registry, atom::write_v, write_mode::applied,
                              core::node_registered{id, "zone-a", "10.0.0.1:7000", 100});
  }

  health_snapshot health() { return call<health_snapshot>(monitor, atom::status_v).first.value(); }
  router_status routing() { return call<router_status>(router, atom::status_v).first.value(); }
  state_status state() { return call<state_status>(sm, atom::status_v).first.value(); }
  reconcile_status reconciling() {
    return call<reconcile_status>(engine, atom::status_v).first.value();
  }
  outbox_info_list pending() {
    return call<outbox_info_list>(router, atom::pending_v, uint64_t{100}).first.value();
  }

  /// Every blob on a layer, decoded, in DA order.
  static std::vector<core::event_blob> blobs_on(const test_layer& l) {
    std::vector<core::event_blob> out;
    auto all = l.backend->get_range(1, UINT64_MAX, 1 << 20);
    REQUIRE(all.ok());
    for (auto& b : all.value()) {
      auto d = core::decode_blob(b.data);
      REQUIRE(d.ok());
      out.push_back(std::move(d).value());
    }
    return out;
  }

  static uint64_t head(const test_layer& l) { return l.backend->head_height().value(); }

  /// The held primary submits complete now, as the backend answers them.
  void release_held() {
    caf::anon_send(writes, atom::status_v);
    sched.run();
  }
};

struct small_outbox_fixture : fallback_fixture {
  small_outbox_fixture() : fallback_fixture(da::outbox_limits{2, 1 << 20}) {}
};

/// The derived failover deadline: one probe interval (1 s) plus twice the slowest primary
/// write (instant here), so 1 s.
struct gated_fixture : fallback_fixture {
  gated_fixture() : fallback_fixture({}, primary_wiring{true, caf::timespan{0}}) {}
};

/// A deadline far beyond the test: only the health monitor can move a stuck write on.
struct gated_long_deadline_fixture : fallback_fixture {
  gated_long_deadline_fixture() : fallback_fixture({}, primary_wiring{true, 60s}) {}
};

/// The (publisher, sequence) pairs of `blobs`, in order.
std::vector<std::pair<core::public_key, uint64_t>> order_of(
    const std::vector<core::event_blob>& blobs) {
  std::vector<std::pair<core::public_key, uint64_t>> out;
  for (auto& b : blobs)
    out.emplace_back(b.header.publisher, b.header.sequence);
  return out;
}

}  // namespace

TEST_CASE_FIXTURE(fallback_fixture, "healthy: writes go to the primary directly") {
  auto [res, err] = write("n1");
  REQUIRE(res);
  CHECK(res->applied);
  CHECK_FALSE(res->pending_primary);
  CHECK(res->height == 1);
  CHECK(head(primary) == 1);
  CHECK(head(secondary) == 0);
  auto r = routing();
  CHECK(r.writes_direct == 1);
  CHECK(r.outbox_entries == 0);
  CHECK(r.layers.at(0).post_count == 1);
  CHECK(health().word == "healthy");
}

TEST_CASE_FIXTURE(fallback_fixture,
                  "primary fails: acknowledged pending, in outbox and secondary; drained in "
                  "order in batches when it is back; Healthy again") {
  primary.faults->down = true;
  for (int i = 1; i <= 5; ++i) {
    auto [res, err] = write("n" + std::to_string(i));
    REQUIRE_MESSAGE(res, sys.render(err));
    CHECK(res->pending_primary);
    CHECK_FALSE(res->applied);
  }
  // The failed primary write counted toward the threshold (1 here): Degraded at once.
  auto h = health();
  CHECK(h.word == "degraded");
  CHECK(h.fallback_reason.has_value());
  CHECK(h.last_fallback_at_ms.has_value());
  auto r = routing();
  CHECK(r.outbox_entries == 5);
  CHECK(r.writes_pending == 5);
  CHECK(r.layers.at(0).error_count == 1);  // only the first write tried the primary
  CHECK(head(secondary) == 5);
  auto listed = pending();
  REQUIRE(listed.size() == 5);
  for (uint64_t i = 0; i < 5; ++i) {
    CHECK(listed[i].sequence == i + 1);
    CHECK(listed[i].layer == da::holding_layer::secondary);
    CHECK(listed[i].layer_height == i + 1);
  }
  CHECK(state().node_count == 0);  // applied only once on the primary

  primary.faults->down = false;
  probe();  // primary up -> Recovering -> the engine drains
  run_for(500ms);
  CHECK(head(primary) == 3);  // batches of 2: heights {1,2}, {3,4}, {5}
  CHECK(primary.backend->get_all(1).value().size() == 2);
  CHECK(primary.backend->get_all(3).value().size() == 1);
  auto on_primary = blobs_on(primary);
  REQUIRE(on_primary.size() == 5);
  for (uint64_t i = 0; i < 5; ++i)
    CHECK(on_primary[i].header.sequence == i + 1);
  CHECK(routing().outbox_entries == 0);
  h = health();
  CHECK(h.word == "healthy");
  CHECK_FALSE(h.fallback_reason.has_value());
  std::vector<std::string> path;
  for (auto& t : h.transitions)
    path.push_back(da::to_string(t.to));
  CHECK(path == std::vector<std::string>{"degraded", "recovering", "healthy"});
  auto rs = reconciling();
  CHECK(rs.rounds == 3);
  CHECK(rs.reconciled_total == 5);
  CHECK(rs.recent.size() == 5);
  auto st = state();
  CHECK(st.node_count == 5);
  CHECK(st.counters.events_applied == 5);
  // Writes go directly to the primary again.
  auto [res, err] = write("n6");
  REQUIRE(res);
  CHECK(res->applied);
  CHECK(res->height == 4);
}

TEST_CASE_FIXTURE(fallback_fixture, "primary and secondary down: the emergency layer holds it") {
  primary.faults->down = true;
  secondary.faults->down = true;
  auto [res, err] = write("n1");
  REQUIRE_MESSAGE(res, sys.render(err));
  CHECK(res->pending_primary);
  CHECK(head(emergency) == 1);
  auto listed = pending();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].layer == da::holding_layer::emergency);
  auto raw = call<routed_receipt>(router, atom::submit_v, blob_list{{1, 2, 3}});
  REQUIRE(raw.first);
  CHECK(raw.first->layer == "emergency");
  CHECK(raw.first->kind == "memory");
  CHECK(raw.first->pending_primary);
  CHECK(raw.first->receipt.height == 2);
  probe();
  CHECK(health().word == "emergency");
  CHECK(routing().layers.at(1).error_count >= 1);
}

TEST_CASE_FIXTURE(fallback_fixture, "every layer down: the write fails and nothing is queued") {
  for (auto* l : {&primary, &secondary, &emergency})
    l->faults->down = true;
  auto [res, err] = write("n1");
  CHECK_FALSE(res);
  CHECK(err == ec::da_unavailable);
  auto raw = call<routed_receipt>(router, atom::submit_v, blob_list{{1, 2, 3}});
  CHECK_FALSE(raw.first);
  CHECK(raw.second == ec::da_unavailable);
  CHECK(error_details(raw.second).second.find("every DA layer failed") != std::string::npos);
  CHECK(routing().outbox_entries == 0);
  CHECK(routing().writes_failed >= 2);
  probe();
  auto h = health();
  CHECK(h.unavailable);
  CHECK(h.word == "unavailable");
}

TEST_CASE_FIXTURE(small_outbox_fixture, "an outbox over its cap refuses writes") {
  primary.faults->down = true;
  for (uint8_t i = 1; i <= 2; ++i)
    REQUIRE(call<routed_receipt>(router, atom::submit_v, blob_list{{i}}).first);
  auto third = call<routed_receipt>(router, atom::submit_v, blob_list{{3}});
  CHECK_FALSE(third.first);
  CHECK(third.second == ec::da_unavailable);
  CHECK(error_details(third.second).first == "outbox");
  auto [res, err] = write("n1");
  CHECK_FALSE(res);
  CHECK(err == ec::da_unavailable);
  auto r = routing();
  CHECK(r.outbox_entries == 2);
  CHECK(r.writes_refused == 2);
  CHECK(head(secondary) == 2);  // refused before any layer was asked
}

TEST_CASE_FIXTURE(fallback_fixture,
                  "a failed replay is retried with backoff and the entry keeps its order") {
  primary.faults->down = true;
  for (int i = 1; i <= 3; ++i)
    REQUIRE(write("n" + std::to_string(i)).first);
  primary.faults->down = false;
  primary.faults->fail_submits = 1;
  probe();  // Recovering: the first replay submit fails
  auto listed = pending();
  REQUIRE(listed.size() == 3);
  CHECK(listed[0].sequence == 1);
  CHECK(listed[0].retry_count == 1);
  REQUIRE(listed[0].last_error.has_value());
  CHECK(listed[0].last_error->find("injected") != std::string::npos);
  CHECK(head(primary) == 0);  // pending() ran 50 ms; the backoff is 100 ms
  run_for(30ms);
  CHECK(head(primary) == 0);
  run_for(500ms);
  CHECK(routing().outbox_entries == 0);
  auto on_primary = blobs_on(primary);
  REQUIRE(on_primary.size() == 3);
  for (uint64_t i = 0; i < 3; ++i)
    CHECK(on_primary[i].header.sequence == i + 1);
  CHECK(reconciling().failed_attempts_total == 1);
  CHECK(state().node_count == 3);
  CHECK(health().word == "healthy");
}

TEST_CASE_FIXTURE(fallback_fixture, "two publishers drain in parallel, each in order") {
  primary.faults->down = true;
  for (int i = 1; i <= 3; ++i) {
    REQUIRE(write("a" + std::to_string(i)).first);
    REQUIRE(write("b" + std::to_string(i), true).first);
  }
  CHECK(routing().outbox_entries == 6);
  primary.faults->down = false;
  probe();
  run_for(500ms);
  CHECK(routing().outbox_entries == 0);
  auto rs = reconciling();
  // Batches of 2 per publisher, both publishers per round: 2 rounds (one at a time needs 4).
  CHECK(rs.rounds == 2);
  REQUIRE(rs.last.has_value());
  CHECK(rs.last->publishers == 2);
  std::map<core::public_key, std::vector<uint64_t>> per_publisher;
  for (auto& [pub, seq] : order_of(blobs_on(primary)))
    per_publisher[pub].push_back(seq);
  CHECK(per_publisher[key.public_key_bytes()] == std::vector<uint64_t>{1, 2, 3});
  CHECK(per_publisher[key2.public_key_bytes()] == std::vector<uint64_t>{1, 2, 3});
  CHECK(state().node_count == 6);
}

TEST_CASE_FIXTURE(fallback_fixture,
                  "after draining every acknowledged blob is on the primary once; a duplicate "
                  "replay is skipped by sequence") {
  primary.faults->down = true;
  for (int i = 1; i <= 3; ++i)
    REQUIRE(write("n" + std::to_string(i)).first);
  primary.faults->down = false;
  probe();
  run_for(500ms);
  auto on_primary = blobs_on(primary);
  std::map<uint64_t, int> seen;
  for (auto& b : on_primary)
    seen[b.header.sequence]++;
  CHECK(seen == std::map<uint64_t, int>{{1, 1}, {2, 1}, {3, 1}});
  auto before = state();
  CHECK(before.counters.events_applied == 3);
  CHECK(before.counters.blobs_duplicate == 0);

  // A replay that lands twice (a timed-out submit that succeeded after all, then resubmitted):
  // the second copy of sequence 2 reaches the primary through the outbox again.
  auto second = primary.backend->get_all(1).value().at(1).data;
  primary.faults->down = true;
  auto queued = call<routed_receipt>(router, atom::submit_v, blob_list{second});
  REQUIRE(queued.first);
  CHECK(queued.first->pending_primary);
  primary.faults->down = false;
  probe();
  run_for(500ms);
  CHECK(routing().outbox_entries == 0);
  CHECK(blobs_on(primary).size() == 4);
  auto after = state();
  CHECK(after.counters.events_applied == 3);
  CHECK(after.counters.blobs_duplicate == 1);
  CHECK(after.checksum_hex == before.checksum_hex);
  CHECK(after.node_count == 3);
}

TEST_CASE_FIXTURE(fallback_fixture,
                  "on-demand reconcile: refused while the primary is down, a report after") {
  primary.faults->down = true;
  REQUIRE(write("n1").first);
  auto rep = call<reconcile_report>(engine, atom::reconcile_v).first.value();
  CHECK(rep.primary_unhealthy);
  CHECK_FALSE(rep.success);
  CHECK(rep.errors == std::vector<std::string>{"Primary DA is not healthy, cannot reconcile"});
  CHECK(routing().outbox_entries == 1);
  // A successful write outcome brings the primary up (recovery threshold 1): the automatic
  // drain runs; a round on demand afterwards finds nothing left.
  primary.faults->down = false;
  self->send(monitor, atom::outcome_v, da::da_layer::primary, true, uint64_t{1}, std::string{});
  run_for(100ms);
  CHECK(head(primary) == 1);
  rep = call<reconcile_report>(engine, atom::reconcile_v).first.value();
  CHECK(rep.success);
  CHECK(rep.blobs_processed == 0);
  CHECK(rep.remaining == 0);
  CHECK(reconciling().rounds == 2);
}

TEST_CASE_FIXTURE(fallback_fixture,
                  "a fallback layer that fails its probes is skipped while the status holds") {
  secondary.faults->down = true;
  probe();  // the secondary goes down; the status stays Healthy
  auto h = health();
  CHECK(h.word == "healthy");
  CHECK_FALSE(h.of(da::da_layer::secondary).up);
  CHECK(h.of(da::da_layer::emergency).up);
  primary.faults->down = true;
  auto [res, err] = write("n1");
  REQUIRE_MESSAGE(res, sys.render(err));
  CHECK(res->pending_primary);
  CHECK(head(emergency) == 1);
  auto r = routing();
  CHECK(r.layers.at(1).post_count == 0);  // the router knew the secondary was down
  CHECK(r.layers.at(2).post_count == 1);
  CHECK(health().word == "emergency");
}

TEST_CASE_FIXTURE(fallback_fixture,
                  "consistency: a head the consumer has not polled yet is read, not reported") {
  REQUIRE(write("n1").first);
  // The chain moves on without the consumer noticing (no time passes, so no poll): a copy of
  // blob 1 at height 2, which the state machine skips as a duplicate.
  auto first = primary.backend->get_range(1, 1, 10);
  REQUIRE(first.ok());
  REQUIRE(primary.backend->submit({first.value().at(0).data}).ok());
  REQUIRE(head(primary) == 2);
  REQUIRE(call<consumer_status>(consumer, atom::status_v).first->next_height == 2);

  consistency_checker_config cfg;
  cfg.layers.primary = primary.actor;
  cfg.layers.secondary = secondary.actor;
  cfg.layers.emergency = emergency.actor;
  cfg.sm = sm;
  cfg.consumer = consumer;
  cfg.router = router;
  cfg.engine = engine;
  cfg.trusted.add(key.public_key_bytes());
  cfg.trusted.add(key2.public_key_bytes());
  cfg.detached_replay = false;
  auto checker = spawn_consistency_checker(sys, cfg);
  auto rep = call<consistency_report>(checker, atom::verify_v).first;
  REQUIRE(rep);
  INFO((rep->details.empty() ? std::string() : rep->details.front()));
  CHECK(rep->is_consistent);
  CHECK(rep->da_head == 2);
  CHECK(rep->consumer_next_height == 3);
  CHECK(rep->rebuilt_checksum == rep->live_checksum);
  CHECK(state().counters.blobs_duplicate == 1);
  caf::anon_send_exit(checker, caf::exit_reason::user_shutdown);
}

TEST_CASE_FIXTURE(gated_fixture,
                  "a primary write past its deadline fails over; its late success is applied "
                  "once") {
  REQUIRE(write("n1").first);  // a direct write: the deadline is now derived (1 s)
  gate->hold = true;
  auto rh = self->request(registry, caf::infinite, atom::write_v, write_mode::applied,
                          core::node_registered{"n2", "zone-a", "10.0.0.1:7000", 100});
  run_for(800ms);
  auto r = routing();  // at 850 ms: still waiting on the primary
  CHECK(r.writes_pending == 0);
  CHECK(r.outbox_entries == 0);
  REQUIRE(gate->held.size() == 1);
  run_for(300ms);
  std::optional<write_result> res;
  rh.receive([&](write_result& x) { res = x; }, [&](caf::error& e) { FAIL_CHECK(sys.render(e)); });
  REQUIRE(res);
  CHECK(res->pending_primary);
  CHECK(head(secondary) == 1);
  CHECK(routing().outbox_entries == 1);

  // The primary's submit completes after all: n2 is there and in the outbox. The timeout
  // counted as a failure (threshold 1), so the primary is down until a probe succeeds; then
  // the outbox drains, and the replay is a duplicate the state machine skips.
  gate->hold = false;
  release_held();
  probe();
  run_for(500ms);
  CHECK(routing().outbox_entries == 0);
  CHECK(blobs_on(primary).size() == 3);  // n1, n2 late, n2 replayed
  auto st = state();
  CHECK(st.node_count == 2);
  CHECK(st.counters.events_applied == 2);
  CHECK(st.counters.blobs_duplicate == 1);
  CHECK(health().word == "healthy");
}

TEST_CASE_FIXTURE(gated_long_deadline_fixture,
                  "probes are not blocked by a stuck submit; the primary marked down fails the "
                  "waiting write over at once") {
  gate->hold = true;
  primary.faults->down = true;
  auto rh = self->request(registry, caf::infinite, atom::write_v, write_mode::applied,
                          core::node_registered{"n1", "zone-a", "10.0.0.1:7000", 100});
  run_for(100ms);
  REQUIRE(gate->held.size() == 1);
  CHECK(routing().writes_pending == 0);
  probe();  // the probe goes to the probe actor: it answers at once, and the primary goes down
  auto h = health();
  CHECK_FALSE(h.of(da::da_layer::primary).up);
  CHECK(h.of(da::da_layer::primary).last_error == "the layer reports unhealthy");
  CHECK(h.word == "degraded");
  std::optional<write_result> res;
  rh.receive([&](write_result& x) { res = x; }, [&](caf::error& e) { FAIL_CHECK(sys.render(e)); });
  REQUIRE(res);
  CHECK(res->pending_primary);
  CHECK(head(secondary) == 1);
  // No replay into the dead primary.
  CHECK(reconciling().rounds == 0);

  // The stuck submit fails late (ignored); the primary comes back and the outbox drains.
  release_held();
  gate->hold = false;
  primary.faults->down = false;
  probe();
  run_for(500ms);
  CHECK(routing().outbox_entries == 0);
  CHECK(blobs_on(primary).size() == 1);
  CHECK(state().node_count == 1);
  CHECK(health().word == "healthy");
}

TEST_CASE_FIXTURE(gated_long_deadline_fixture,
                  "a durable write still waiting to be applied when the primary goes down is "
                  "answered durable with its height") {
  REQUIRE(write("n1").first);
  gate->hold = true;
  auto rh = self->request(registry, caf::infinite, atom::write_v, write_mode::applied,
                          core::node_registered{"n2", "zone-a", "10.0.0.1:7000", 100});
  run_for(10ms);
  REQUIRE(gate->held.size() == 1);
  // The primary stores the blob and dies before the consumer has read it.
  gate->hold = false;
  gate->after_store = [this] { primary.faults->down = true; };
  release_held();
  run_for(100ms);
  probe();
  std::optional<write_result> res;
  rh.receive([&](write_result& x) { res = x; }, [&](caf::error& e) { FAIL_CHECK(sys.render(e)); });
  REQUIRE(res);
  CHECK_FALSE(res->pending_primary);
  CHECK_FALSE(res->applied);
  CHECK(res->height == 2);
  CHECK(routing().outbox_entries == 0);  // it is on the primary: nothing to replay
  primary.faults->down = false;
  probe();
  run_for(300ms);
  CHECK(state().node_count == 2);
}
