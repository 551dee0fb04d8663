// Actor-level tests of the write path on CAF's deterministic scheduler:
// registry -> event_publisher -> DA -> da_consumer -> state_machine -> registry.

#include <optional>

#include "actors/caf_doctest.hpp"
#include "dsdn/actors/actors.hpp"
#include "dsdn/da/memory_da.hpp"

using namespace dsdn;

namespace {

struct pipeline_fixture : dsdn_fixture {
  std::shared_ptr<da::memory_da_faults> faults = std::make_shared<da::memory_da_faults>();
  std::shared_ptr<da::da_backend> backend = da::make_memory_da(faults);
  core::identity_key key = core::identity_key::from_seed(seed(7));
  da_actor da;
  state_machine_actor sm;
  da_consumer_actor consumer;
  event_publisher_actor publisher;
  registry_actor registry;

  static std::array<uint8_t, 32> seed(uint8_t b) {
    std::array<uint8_t, 32> s{};
    s.fill(b);
    return s;
  }

  pipeline_fixture() {
    core::trusted_publishers trusted;
    trusted.add(key.public_key_bytes());
    da = spawn_da(sys, backend, false);
    sm = spawn_state_machine(sys, state_machine_config{trusted, key.public_key_bytes()});
    da_consumer_config ccfg;
    ccfg.trusted = trusted;
    consumer = spawn_da_consumer(sys, ccfg, da, sm);
    event_publisher_config pcfg;
    pcfg.key = key;
    publisher = spawn_event_publisher(sys, pcfg, da, consumer);
    registry = spawn_registry(sys, sm, publisher);
    sched.run();
  }

  ~pipeline_fixture() override {
    for (auto h : {caf::actor_cast<caf::actor>(registry), caf::actor_cast<caf::actor>(publisher),
                   caf::actor_cast<caf::actor>(consumer), caf::actor_cast<caf::actor>(sm),
                   caf::actor_cast<caf::actor>(da)})
      caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
    sched.run();
  }

  void start(uint64_t epoch = 1) {
    self->send(publisher, atom::start_v, epoch);
    self->send(consumer, atom::start_v, uint64_t{1});
    sched.run();
  }

  /// Runs messages and steps the clock through a few group-commit / retry windows.
  void drive(int steps = 40) {
    sched.run();
    for (int i = 0; i < steps; ++i) {
      advance_time(defaults::flush_interval);
      sched.run();
    }
  }

  /// Sends a request, drives the system, and collects the answer or the error.
  template <class T, class Handle, class... Ts>
  std::pair<std::optional<T>, caf::error> call(const Handle& h, Ts&&... xs) {
    std::optional<T> out;
    caf::error err;
    auto rh = self->request(h, caf::infinite, std::forward<Ts>(xs)...);
    drive();
    rh.receive([&](T& x) { out = std::move(x); }, [&](caf::error& e) { err = std::move(e); });
    return {std::move(out), std::move(err)};
  }

  static core::node_registered node(std::string id, std::string zone = "zone-a") {
    return core::node_registered{std::move(id), std::move(zone), "10.0.0.1:7000", 100};
  }

  state_status status() { return call<state_status>(sm, atom::status_v).first.value(); }
};

}  // namespace

TEST_CASE_FIXTURE(pipeline_fixture, "writes are refused until the publisher is started") {
  auto [res, err] = call<write_result>(registry, atom::write_v, write_mode::applied, node("n1"));
  CHECK(!res);
  CHECK(err == ec::not_ready);
  CHECK(status().node_count == 0);
}

TEST_CASE_FIXTURE(pipeline_fixture, "publish -> DA -> consume -> apply, answered after apply") {
  start();
  auto [res, err] = call<write_result>(registry, atom::write_v, write_mode::applied, node("n1"));
  REQUIRE(res);
  CHECK(res->applied);
  CHECK(res->height == 1);
  auto n = call<core::node_info>(registry, atom::node_v, std::string{"n1"}).first;
  REQUIRE(n);
  CHECK(n->zone == "zone-a");
  // The blob really is on DA, signed by our key, and decodes to the event.
  auto blobs = backend->get_all(1);
  REQUIRE(blobs.ok());
  REQUIRE(blobs.value().size() == 1);
  auto decoded = core::decode_blob(blobs.value()[0].data);
  REQUIRE(decoded.ok());
  CHECK(decoded.value().header.publisher == key.public_key_bytes());
  CHECK(decoded.value().header.epoch == 1);
  CHECK(decoded.value().header.sequence == 1);
  CHECK(status().applied_height == 1);
}

TEST_CASE_FIXTURE(pipeline_fixture,
                  "concurrent writes share one blob and every waiter is answered") {
  start();
  std::vector<decltype(self->request(registry, caf::infinite, atom::write_v, write_mode::applied,
                                     node("x")))>
      pending;
  for (int i = 0; i < 20; ++i)
    pending.push_back(self->request(registry, caf::infinite, atom::write_v, write_mode::applied,
                                    node("n" + std::to_string(i))));
  drive();
  int answered = 0;
  for (auto& rh : pending)
    rh.receive(
        [&](write_result& r) {
          CHECK(r.applied);
          CHECK(r.height == 1);
          ++answered;
        },
        [&](caf::error& e) { FAIL_CHECK(sys.render(e)); });
  CHECK(answered == 20);
  CHECK(backend->head_height().value() == 1);
  CHECK(status().node_count == 20);
}

TEST_CASE_FIXTURE(pipeline_fixture, "wait=durable answers before apply with the blob height") {
  start();
  auto [res, err] = call<write_result>(registry, atom::write_v, write_mode::durable, node("n1"));
  REQUIRE(res);
  CHECK(!res->applied);
  CHECK(res->height == 1);
}

TEST_CASE_FIXTURE(pipeline_fixture,
                  "a failing DA write answers its waiters with an error, loses nothing, retries "
                  "in order") {
  start();
  faults->fail_submits = 1;
  auto first =
      self->request(registry, caf::infinite, atom::write_v, write_mode::applied, node("first"));
  sched.run();
  advance_time(defaults::flush_interval);  // seal the first blob; its write fails
  sched.run();
  // Queued behind the failed blob.
  auto second =
      self->request(registry, caf::infinite, atom::write_v, write_mode::applied, node("second"));
  sched.run();
  bool first_failed = false;
  first.receive([&](write_result&) {},
                [&](caf::error& e) { first_failed = (e == ec::da_unavailable); });
  CHECK(first_failed);
  CHECK(backend->head_height().value() == 0);
  // The retry (after the backoff) writes the failed blob first, then the queued one.
  drive(100);
  bool second_ok = false;
  second.receive([&](write_result& r) { second_ok = r.applied && r.height == 2; },
                 [&](caf::error& e) { FAIL_CHECK(sys.render(e)); });
  CHECK(second_ok);
  auto b1 = core::decode_blob(backend->get_all(1).value().at(0).data);
  auto b2 = core::decode_blob(backend->get_all(2).value().at(0).data);
  REQUIRE(b1.ok());
  REQUIRE(b2.ok());
  CHECK(b1.value().header.sequence == 1);
  CHECK(std::get<core::node_registered>(b1.value().events.at(0)).node_id == "first");
  CHECK(b2.value().header.sequence == 2);
  CHECK(std::get<core::node_registered>(b2.value().events.at(0)).node_id == "second");
  auto st = status();
  CHECK(st.node_count == 2);  // the failed write was retried and applied: nothing lost
  CHECK(st.counters.events_applied == 2);
  auto pub = call<publisher_status>(publisher, atom::status_v).first.value();
  CHECK(pub.write_failures == 1);
  CHECK(pub.blobs_written == 2);
}

TEST_CASE_FIXTURE(pipeline_fixture, "a request that breaks a rule is refused before publishing") {
  start();
  auto [res, err] = call<write_result>(registry, atom::write_v, write_mode::applied,
                                       core::replica_added{"abcd", "n1"});
  CHECK(!res);
  CHECK(err == ec::not_found);
  CHECK(backend->head_height().value() == 0);
  auto bad = call<write_result>(registry, atom::write_v, write_mode::applied,
                                core::node_registered{"bad id!", "z", "h:1", 1});
  CHECK(bad.second == ec::invalid_argument);
  CHECK(error_details(bad.second).first == "node_id");
}

TEST_CASE_FIXTURE(pipeline_fixture,
                  "a conflict that raced the check comes back from the state "
                  "machine as a conflict") {
  start();
  auto a = self->request(registry, caf::infinite, atom::write_v, write_mode::applied,
                         core::object_registered{"ABCD", 10});
  auto b = self->request(registry, caf::infinite, atom::write_v, write_mode::applied,
                         core::object_registered{"abcd", 20});
  drive();
  bool a_ok = false, b_conflict = false;
  a.receive([&](write_result& r) { a_ok = r.applied; }, [&](caf::error&) {});
  b.receive([&](write_result&) {}, [&](caf::error& e) { b_conflict = (e == ec::conflict); });
  CHECK(a_ok);
  CHECK(b_conflict);
  auto obj = call<core::object_info>(registry, atom::object_v, std::string{"ABCD"}).first;
  REQUIRE(obj);
  CHECK(obj->hash == "abcd");
  CHECK(obj->size == 10);
  auto st = status();
  CHECK(st.counters.events_rejected == 1);
}

TEST_CASE_FIXTURE(pipeline_fixture, "a corrupt or foreign blob on DA is counted and skipped") {
  start();
  REQUIRE(backend->submit({da::blob_bytes{1, 2, 3, 4}}).ok());
  auto stranger = core::identity_key::from_seed(seed(9));
  core::blob_header h;
  h.epoch = 1;
  h.sequence = 1;
  REQUIRE(backend->submit({core::encode_blob(h, {core::event{node("evil")}}, stranger)}).ok());
  self->send(consumer, atom::wake_v);
  drive();
  auto st = status();
  CHECK(st.node_count == 0);
  CHECK(st.counters.blobs_rejected == 2);
  // The pipeline keeps working afterwards.
  auto [res, err] = call<write_result>(registry, atom::write_v, write_mode::applied, node("n1"));
  REQUIRE(res);
  CHECK(res->height == 3);
}

TEST_CASE_FIXTURE(pipeline_fixture, "placement, schedule and node stats through the registry") {
  start();
  for (auto& [id, zone] :
       std::vector<std::pair<std::string, std::string>>{{"a", "z1"}, {"b", "z2"}, {"c", "z3"}})
    REQUIRE(call<write_result>(registry, atom::write_v, write_mode::applied, node(id, zone)).first);
  auto place = call<id_list>(registry, atom::placement_v, std::string{"abcdef"}, uint64_t{3});
  REQUIRE(place.first);
  CHECK(place.first->size() == 3);
  auto bad_rf = call<id_list>(registry, atom::placement_v, std::string{"abcdef"}, uint64_t{65});
  CHECK(bad_rf.second == ec::invalid_argument);
  core::node_stats fast{0.9, 4000, 1, 5, 0.05};
  CHECK(call<bool>(registry, atom::stats_v, std::string{"b"}, fast).first.value_or(false));
  auto unknown = call<bool>(registry, atom::stats_v, std::string{"zz"}, fast);
  CHECK(unknown.second == ec::not_found);
  auto picked = call<std::string>(registry, atom::schedule_v, core::workload{});
  REQUIRE(picked.first);
  CHECK(*picked.first == "b");
  core::workload heavy;
  heavy.cpu_req = 0.95;
  CHECK(call<std::string>(registry, atom::schedule_v, heavy).second == ec::not_found);
}
