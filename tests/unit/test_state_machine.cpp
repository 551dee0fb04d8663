// The state machine: every event's success and rejection, sequencing (duplicates, gaps,
// epochs, the hold buffer, trust), and the checksum (determinism, batching independence,
// the documented canonical encoding).

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "dsdn/core/codec.hpp"
#include "dsdn/core/crypto.hpp"
#include "dsdn/core/state_machine.hpp"
#include "dsdn/core/validation.hpp"

using namespace dsdn::core;

namespace {

identity_key key_for(uint8_t n) {
  std::array<uint8_t, 32> seed{};
  seed[0] = n;
  seed[31] = 0x5a;
  return identity_key::from_seed(seed);
}

const public_key& alice() {
  static const public_key k = key_for(1).public_key_bytes();
  return k;
}
const public_key& bob() {
  static const public_key k = key_for(2).public_key_bytes();
  return k;
}
const public_key& mallory() {
  static const public_key k = key_for(3).public_key_bytes();
  return k;
}

event_blob make_blob(const public_key& pub, uint64_t epoch, uint64_t seq,
                     std::vector<event> events) {
  event_blob b;
  b.header.publisher = pub;
  b.header.epoch = epoch;
  b.header.sequence = seq;
  b.header.timestamp_ms = 1700000000000 + seq;
  b.events = std::move(events);
  return b;
}

state_machine make_sm(size_t max_held = 4096) {
  return state_machine(trusted_publishers({alice(), bob()}), max_held);
}

std::string hash_of(int i) {
  char buf[65];
  std::snprintf(buf, sizeof(buf), "%064x", i * 2654435761u);
  return buf;
}

event reg(std::string id, std::string zone = "z1", std::string addr = "10.0.0.1:80",
          uint64_t cap = 100) {
  return node_registered{std::move(id), std::move(zone), std::move(addr), cap};
}

// Applies single-event blobs from alice in sequence.
struct harness {
  state_machine sm = make_sm();
  uint64_t seq = 0;

  event_outcome apply(event e) {
    ++seq;
    auto r = sm.apply(make_blob(alice(), 1, seq, {std::move(e)}), da_position{seq, 0});
    REQUIRE(r.disposition == blob_disposition::applied);
    REQUIRE(r.applied.size() == 1);
    REQUIRE(r.applied[0].outcomes.size() == 1);
    return r.applied[0].outcomes[0];
  }

  void ok(event e) {
    auto o = apply(std::move(e));
    CHECK_MESSAGE(o.applied, o.message);
  }

  // A rejected event changes nothing (checksum, queries) and is counted.
  event_outcome rejected(event e, reject_reason reason, const std::string& field) {
    auto sum = sm.checksum();
    auto before = sm.counters();
    auto nodes = sm.nodes().size();
    auto objects = sm.object_count();
    auto checked = sm.check(e);
    auto o = apply(std::move(e));
    CHECK_FALSE(o.applied);
    CHECK(o.reason == reason);
    CHECK(o.field == field);
    CHECK_FALSE(o.message.empty());
    CHECK(checked.applied == o.applied);
    CHECK(checked.reason == o.reason);
    CHECK(checked.message == o.message);
    CHECK(sm.checksum() == sum);
    CHECK(sm.counters().events_rejected == before.events_rejected + 1);
    CHECK(sm.counters().events_applied == before.events_applied);
    CHECK(sm.nodes().size() == nodes);
    CHECK(sm.object_count() == objects);
    return o;
  }

  // An idempotent no-op counts as applied and changes nothing.
  void noop(event e) {
    auto sum = sm.checksum();
    auto before = sm.counters();
    auto o = apply(std::move(e));
    CHECK(o.applied);
    CHECK(sm.checksum() == sum);
    CHECK(sm.counters().events_applied == before.events_applied + 1);
  }

  void changes(event e) {
    auto sum = sm.checksum();
    ok(std::move(e));
    CHECK(sm.checksum() != sum);
  }
};

std::vector<std::string> strs(std::initializer_list<const char*> l) {
  return std::vector<std::string>(l.begin(), l.end());
}

// A mixed list of events that touches every kind.
std::vector<event> scenario_events() {
  std::vector<event> ev;
  for (int i = 0; i < 5; ++i)
    ev.push_back(reg("n" + std::to_string(i), "z" + std::to_string(i % 2)));
  for (int i = 0; i < 8; ++i)
    ev.push_back(object_registered{hash_of(i), uint64_t(100 + i)});
  for (int i = 0; i < 8; ++i) {
    ev.push_back(replica_added{hash_of(i), "n" + std::to_string(i % 5)});
    ev.push_back(replica_added{hash_of(i), "n" + std::to_string((i + 1) % 5)});
  }
  ev.push_back(replica_marked_missing{hash_of(2), "n2"});
  ev.push_back(replica_healed{hash_of(2), "n2"});
  ev.push_back(replica_marked_missing{hash_of(3), "n4"});
  ev.push_back(zone_assigned{"n1", "z9"});
  ev.push_back(zone_unassigned{"n2", "z0"});
  ev.push_back(object_removed{hash_of(7)});
  ev.push_back(node_unregistered{"n3"});
  ev.push_back(scheduler_weights_updated{0x05, 3.0, 0, 4.0, 0, 0});
  ev.push_back(object_registered{hash_of(1), 999});  // conflict: rejected in every batching
  return ev;
}

sha256_digest apply_in_blobs(const std::vector<event>& events, size_t per_blob,
                             const public_key& pub = alice()) {
  auto sm = make_sm();
  uint64_t seq = 0;
  for (size_t i = 0; i < events.size(); i += per_blob) {
    std::vector<event> chunk(events.begin() + long(i),
                             events.begin() + long(std::min(events.size(), i + per_blob)));
    auto r = sm.apply(make_blob(pub, 1, ++seq, std::move(chunk)), da_position{seq, 0});
    REQUIRE(r.disposition == blob_disposition::applied);
  }
  CHECK(sm.counters().events_applied + sm.counters().events_rejected == events.size());
  return sm.checksum();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Events

TEST_CASE("node_registered: insert, replace, no-op, and each invalid field") {
  harness h;
  h.changes(reg("n1", "us-east", "10.0.0.1:50051", 100));
  auto n = h.sm.node("n1");
  REQUIRE(n);
  CHECK(n->id == "n1");
  CHECK(n->zone == "us-east");
  CHECK(n->addr == "10.0.0.1:50051");
  CHECK(n->capacity_gb == 100);
  CHECK(h.sm.node_count() == 1);

  h.noop(reg("n1", "us-east", "10.0.0.1:50051", 100));
  h.changes(reg("n1", "eu-west", "[::1]:9000", 7));
  n = h.sm.node("n1");
  REQUIRE(n);
  CHECK(n->zone == "eu-west");
  CHECK(n->addr == "[::1]:9000");
  CHECK(n->capacity_gb == 7);
  CHECK(h.sm.node_count() == 1);

  h.rejected(reg("bad id"), reject_reason::invalid, "node_id");
  h.rejected(reg(std::string(129, 'n')), reject_reason::invalid, "node_id");
  h.rejected(reg("n2", ""), reject_reason::invalid, "zone");
  h.rejected(reg("n2", "z", "::1:80"), reject_reason::invalid, "addr");
  h.rejected(reg("n2", "z", "h:0"), reject_reason::invalid, "addr");
  auto o = h.rejected(reg("n2", "z", "h:1", 0), reject_reason::invalid, "capacity_gb");
  CHECK(o.message == "capacity_gb must be between 1 and 1000000, got 0");
  h.rejected(reg("n2", "z", "h:1", 1000001), reject_reason::invalid, "capacity_gb");
  CHECK_FALSE(h.sm.node("n2"));
  CHECK(h.sm.counters().events_rejected == 7);
}

TEST_CASE("node_unregistered: removes the node, keeps its replicas; unknown is not_found") {
  harness h;
  h.ok(reg("n1"));
  h.ok(object_registered{"ab", 10});
  h.ok(replica_added{"ab", "n1"});
  h.changes(node_unregistered{"n1"});
  CHECK_FALSE(h.sm.node("n1"));
  CHECK(h.sm.node_count() == 0);
  CHECK(h.sm.nodes().empty());
  auto obj = h.sm.object("ab");
  REQUIRE(obj);
  CHECK(obj->replicas == strs({"n1"}));
  h.rejected(node_unregistered{"n1"}, reject_reason::not_found, "node_id");
  h.rejected(node_unregistered{"ghost"}, reject_reason::not_found, "node_id");
  h.rejected(node_unregistered{""}, reject_reason::invalid, "node_id");
  // The replica of an unregistered node can still be marked missing; re-registering brings
  // the node back with the same identity.
  h.changes(replica_marked_missing{"ab", "n1"});
  h.changes(reg("n1", "z2"));
  CHECK(h.sm.node("n1")->zone == "z2");
  CHECK(h.sm.object("ab")->missing == strs({"n1"}));
}

TEST_CASE("zone_assigned and zone_unassigned") {
  harness h;
  h.ok(reg("n1", "a"));
  h.changes(zone_assigned{"n1", "b"});
  CHECK(h.sm.node("n1")->zone == "b");
  h.noop(zone_assigned{"n1", "b"});
  h.rejected(zone_assigned{"ghost", "b"}, reject_reason::not_found, "node_id");
  h.rejected(zone_assigned{"n1", ""}, reject_reason::invalid, "zone");
  h.rejected(zone_assigned{"n1", std::string(65, 'z')}, reject_reason::invalid, "zone");
  h.rejected(zone_assigned{"n 1", "b"}, reject_reason::invalid, "node_id");

  h.rejected(zone_unassigned{"n1", "a"}, reject_reason::conflict, "zone");
  h.rejected(zone_unassigned{"ghost", "b"}, reject_reason::not_found, "node_id");
  h.rejected(zone_unassigned{"n1", "\t"}, reject_reason::invalid, "zone");
  h.changes(zone_unassigned{"n1", "b"});
  CHECK(h.sm.node("n1")->zone == "");
  // In no zone now: unassigning any zone conflicts.
  h.rejected(zone_unassigned{"n1", "b"}, reject_reason::conflict, "zone");
  h.changes(zone_assigned{"n1", "c"});
  CHECK(h.sm.node("n1")->zone == "c");
}

TEST_CASE("object_registered: stored lower-case, same size no-op, other size conflict") {
  harness h;
  std::string upper = "ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789";
  h.changes(object_registered{upper, 42});
  auto o = h.sm.object(upper);
  REQUIRE(o);
  CHECK(o->hash == normalize_hash(upper));
  CHECK(o->size == 42);
  CHECK(o->replicas.empty());
  CHECK(o->missing.empty());
  CHECK(h.sm.object(normalize_hash(upper)));
  CHECK(h.sm.object_count() == 1);
  h.noop(object_registered{normalize_hash(upper), 42});
  auto c = h.rejected(object_registered{upper, 43}, reject_reason::conflict, "size");
  CHECK(c.message.find("42") != std::string::npos);
  CHECK(c.message.find("43") != std::string::npos);
  h.rejected(object_registered{"xyz", 1}, reject_reason::invalid, "hash");
  h.rejected(object_registered{"", 1}, reject_reason::invalid, "hash");
  h.rejected(object_registered{std::string(129, 'a'), 1}, reject_reason::invalid, "hash");
  h.rejected(object_registered{"ab", 0}, reject_reason::invalid, "size");
  CHECK(h.sm.object_count() == 1);
  CHECK_FALSE(h.sm.object("not hex"));
  CHECK_FALSE(h.sm.object("ab"));
}

TEST_CASE("object hashes of every length up to 128 digits are distinct keys") {
  harness h;
  // "a", "a0", "a00", ... share packed nibbles; odd and even lengths, inline and heap keys.
  std::string k;
  for (int len = 1; len <= 128; ++len) {
    k += len == 1 ? 'a' : '0';
    h.ok(object_registered{k, uint64_t(len)});
  }
  CHECK(h.sm.object_count() == 128);
  k.clear();
  for (int len = 1; len <= 128; ++len) {
    k += len == 1 ? 'A' : '0';
    auto o = h.sm.object(k);
    REQUIRE(o);
    CHECK(o->size == uint64_t(len));
    CHECK(o->hash == normalize_hash(k));
  }
  std::string long_key(128, 'F');
  h.ok(object_registered{long_key, 1000});
  h.ok(reg("n1"));
  h.ok(replica_added{long_key, "n1"});
  CHECK(h.sm.object(long_key)->replicas == strs({"n1"}));
  h.changes(object_removed{long_key});
  CHECK_FALSE(h.sm.object(long_key));
}

TEST_CASE("object_removed: removes; unknown is not_found") {
  harness h;
  h.ok(object_registered{"abc", 5});
  h.changes(object_removed{"ABC"});
  CHECK_FALSE(h.sm.object("abc"));
  CHECK(h.sm.object_count() == 0);
  h.rejected(object_removed{"abc"}, reject_reason::not_found, "hash");
  h.rejected(object_removed{"zz"}, reject_reason::invalid, "hash");
  // Registering again starts from no replicas.
  h.ok(reg("n1"));
  h.ok(object_registered{"abc", 6});
  CHECK(h.sm.object("abc")->size == 6);
  CHECK(h.sm.object("abc")->replicas.empty());
}

TEST_CASE("replica_added: appends in order, no-op when present, needs object and node") {
  harness h;
  for (const char* id : {"n1", "n2", "n3", "n4", "n5", "n6"})
    h.ok(reg(id));
  h.ok(object_registered{"ab", 10});
  h.changes(replica_added{"ab", "n3"});
  h.changes(replica_added{"AB", "n1"});
  h.noop(replica_added{"ab", "n3"});
  // Beyond the inline capacity.
  h.changes(replica_added{"ab", "n2"});
  h.changes(replica_added{"ab", "n6"});
  h.changes(replica_added{"ab", "n5"});
  CHECK(h.sm.object("ab")->replicas == strs({"n3", "n1", "n2", "n6", "n5"}));
  h.rejected(replica_added{"cd", "n1"}, reject_reason::not_found, "hash");
  h.rejected(replica_added{"ab", "ghost"}, reject_reason::not_found, "node_id");
  h.rejected(replica_added{"a b", "n1"}, reject_reason::invalid, "hash");
  h.rejected(replica_added{"ab", "n 1"}, reject_reason::invalid, "node_id");
  h.ok(node_unregistered{"n4"});
  h.rejected(replica_added{"ab", "n4"}, reject_reason::not_found, "node_id");
}

TEST_CASE("replica_marked_missing and replica_healed") {
  harness h;
  for (const char* id : {"n1", "n2", "n3"})
    h.ok(reg(id));
  h.ok(object_registered{"ab", 10});
  h.ok(replica_added{"ab", "n1"});
  h.ok(replica_added{"ab", "n2"});
  h.ok(replica_added{"ab", "n3"});

  h.changes(replica_marked_missing{"ab", "n2"});
  auto o = h.sm.object("ab");
  CHECK(o->replicas == strs({"n1", "n3"}));
  CHECK(o->missing == strs({"n2"}));
  h.noop(replica_marked_missing{"ab", "n2"});     // no longer a replica
  h.noop(replica_marked_missing{"ab", "ghost"});  // never a replica
  h.rejected(replica_marked_missing{"cd", "n1"}, reject_reason::not_found, "hash");
  h.rejected(replica_marked_missing{"ab", "n/1"}, reject_reason::invalid, "node_id");
  h.changes(replica_marked_missing{"ab", "n1"});
  CHECK(h.sm.object("ab")->missing == strs({"n2", "n1"}));

  h.changes(replica_healed{"ab", "n2"});
  o = h.sm.object("ab");
  CHECK(o->replicas == strs({"n3", "n2"}));
  CHECK(o->missing == strs({"n1"}));
  h.noop(replica_healed{"ab", "n2"});
  h.rejected(replica_healed{"cd", "n2"}, reject_reason::not_found, "hash");
  h.rejected(replica_healed{"ab", "ghost"}, reject_reason::not_found, "node_id");

  // replica_added clears a missing mark too: a node that holds the replica is not missing.
  h.changes(replica_added{"ab", "n1"});
  o = h.sm.object("ab");
  CHECK(o->replicas == strs({"n3", "n2", "n1"}));
  CHECK(o->missing.empty());
  h.noop(replica_healed{"ab", "n1"});
  h.noop(replica_added{"ab", "n1"});
  // A healed node that was never a replica becomes one.
  h.ok(object_registered{"cd", 1});
  h.changes(replica_healed{"cd", "n2"});
  CHECK(h.sm.object("cd")->replicas == strs({"n2"}));
}

TEST_CASE("scheduler_weights_updated: only present fields, finite only") {
  harness h;
  scheduler_weights d = h.sm.weights();
  CHECK(d.w_cpu == 1.0);
  CHECK(d.w_ram == 0.001);
  CHECK(d.w_gpu == 2.0);
  CHECK(d.w_latency == 50.0);
  CHECK(d.w_io == 1.5);
  h.changes(scheduler_weights_updated{0x01 | 0x10, -2.0, 99, 99, 99, 7.5});
  auto w = h.sm.weights();
  CHECK(w.w_cpu == -2.0);
  CHECK(w.w_ram == 0.001);
  CHECK(w.w_gpu == 2.0);
  CHECK(w.w_latency == 50.0);
  CHECK(w.w_io == 7.5);
  h.noop(scheduler_weights_updated{0x01, -2.0, 0, 0, 0, 0});
  h.noop(scheduler_weights_updated{0x00, 1, 2, 3, 4, 5});
  // -0.0 differs from 0.0 in bits: a real change.
  h.ok(scheduler_weights_updated{0x02, 0, 0.0, 0, 0, 0});
  h.changes(scheduler_weights_updated{0x02, 0, -0.0, 0, 0, 0});
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  h.rejected(scheduler_weights_updated{0x04, 0, 0, nan, 0, 0}, reject_reason::invalid, "w_gpu");
  h.rejected(scheduler_weights_updated{0x09, 1, 0, 0, inf, 0}, reject_reason::invalid, "w_latency");
  // A NaN in an absent field is ignored.
  h.changes(scheduler_weights_updated{0x08, nan, nan, nan, 10, nan});
  CHECK(h.sm.weights().w_latency == 10);
  CHECK(h.sm.weights().w_cpu == -2.0);
  h.rejected(scheduler_weights_updated{0x20, 0, 0, 0, 0, 0}, reject_reason::invalid, "present");
}

TEST_CASE("check() validates without changing anything") {
  harness h;
  h.ok(reg("n1"));
  auto sum = h.sm.checksum();
  auto counters = h.sm.counters();
  CHECK(h.sm.check(reg("n2")).applied);
  CHECK(h.sm.check(object_registered{"ab", 1}).applied);
  auto nf = h.sm.check(replica_added{"ab", "n1"});
  CHECK_FALSE(nf.applied);
  CHECK(nf.reason == reject_reason::not_found);
  CHECK(nf.field == "hash");
  CHECK_FALSE(h.sm.node("n2"));
  CHECK(h.sm.checksum() == sum);
  CHECK(h.sm.counters().events_applied == counters.events_applied);
  CHECK(h.sm.counters().events_rejected == counters.events_rejected);
}

TEST_CASE("nodes() is sorted by id") {
  harness h;
  for (const char* id : {"m", "b", "z", "a", "B"})
    h.ok(reg(id));
  std::vector<std::string> ids;
  for (const auto& n : h.sm.nodes())
    ids.push_back(n.id);
  CHECK(ids == strs({"B", "a", "b", "m", "z"}));
}

TEST_CASE("events within a blob apply in order, each on the state the previous left") {
  auto sm = make_sm();
  auto r = sm.apply(make_blob(alice(), 1, 1,
                              {reg("n1"), object_registered{"ab", 1}, replica_added{"ab", "n1"},
                               replica_added{"ab", "ghost"}, node_unregistered{"n1"}}),
                    da_position{7, 2});
  REQUIRE(r.disposition == blob_disposition::applied);
  REQUIRE(r.applied.size() == 1);
  CHECK(r.applied[0].position.height == 7);
  CHECK(r.applied[0].position.index == 2);
  CHECK(r.applied[0].header.sequence == 1);
  auto& out = r.applied[0].outcomes;
  REQUIRE(out.size() == 5);
  CHECK(out[0].applied);
  CHECK(out[1].applied);
  CHECK(out[2].applied);
  CHECK_FALSE(out[3].applied);
  CHECK(out[3].reason == reject_reason::not_found);
  CHECK(out[4].applied);
  CHECK(sm.counters().events_applied == 4);
  CHECK(sm.counters().events_rejected == 1);
  CHECK(sm.counters().blobs_applied == 1);
  CHECK(sm.applied_height() == 7);
}

// ---------------------------------------------------------------------------------------------
// Sequencing

TEST_CASE("same blobs in the same order give the same checksum") {
  auto events = scenario_events();
  CHECK(apply_in_blobs(events, 4) == apply_in_blobs(events, 4));
  CHECK(apply_in_blobs(events, 4) !=
        apply_in_blobs(std::vector<event>(events.begin(), events.end() - 3), 4));
}

TEST_CASE("different batchings of the same events give the same checksum") {
  auto events = scenario_events();
  auto one = apply_in_blobs(events, events.size());
  CHECK(apply_in_blobs(events, 1) == one);
  CHECK(apply_in_blobs(events, 3) == one);
  CHECK(apply_in_blobs(events, 7) == one);
  // The publisher does not enter the facts either.
  CHECK(apply_in_blobs(events, 5, bob()) == one);
}

TEST_CASE("re-applying every blob changes nothing and counts duplicates") {
  auto sm = make_sm();
  auto events = scenario_events();
  std::vector<event_blob> blobs;
  for (size_t i = 0; i < events.size(); ++i)
    blobs.push_back(make_blob(alice(), 1, i + 1, {events[i]}));
  for (size_t i = 0; i < blobs.size(); ++i)
    CHECK(sm.apply(blobs[i], da_position{i + 1, 0}).disposition == blob_disposition::applied);
  auto sum = sm.checksum();
  auto counters = sm.counters();
  for (size_t i = 0; i < blobs.size(); ++i) {
    auto r = sm.apply(blobs[i], da_position{100 + i, 0});
    CHECK(r.disposition == blob_disposition::duplicate);
    CHECK(r.applied.empty());
  }
  CHECK(sm.checksum() == sum);
  CHECK(sm.counters().blobs_duplicate == blobs.size());
  CHECK(sm.counters().blobs_applied == counters.blobs_applied);
  CHECK(sm.counters().events_applied == counters.events_applied);
  CHECK(sm.counters().events_rejected == counters.events_rejected);
  CHECK(sm.applied_height() == blobs.size());
  auto c = sm.cursor(alice());
  REQUIRE(c);
  CHECK(c->epoch == 1);
  CHECK(c->sequence == blobs.size());
}

TEST_CASE("a gap holds later blobs and releases them in order") {
  auto sm = make_sm();
  CHECK(sm.apply(make_blob(alice(), 1, 1, {reg("n1")}), {10, 0}).disposition ==
        blob_disposition::applied);
  auto held = sm.apply(make_blob(alice(), 1, 3, {zone_assigned{"n1", "three"}}), {11, 0});
  CHECK(held.disposition == blob_disposition::held);
  CHECK(held.applied.empty());
  CHECK(sm.counters().blobs_held == 1);
  CHECK(sm.node("n1")->zone == "z1");
  auto gaps = sm.gaps();
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0].publisher == alice());
  CHECK(gaps[0].cursor_epoch == 1);
  CHECK(gaps[0].cursor_sequence == 1);
  CHECK(gaps[0].held_blobs == 1);
  CHECK(sm.applied_height() == 10);

  auto r = sm.apply(make_blob(alice(), 1, 2, {zone_assigned{"n1", "two"}}), {12, 1});
  CHECK(r.disposition == blob_disposition::applied);
  REQUIRE(r.applied.size() == 2);
  CHECK(r.applied[0].header.sequence == 2);
  CHECK(r.applied[0].position.height == 12);
  CHECK(r.applied[0].position.index == 1);
  CHECK(r.applied[1].header.sequence == 3);
  CHECK(r.applied[1].position.height == 11);  // where it was found
  CHECK(r.applied[1].outcomes.size() == 1);
  CHECK(sm.node("n1")->zone == "three");
  CHECK(sm.gaps().empty());
  CHECK(sm.counters().blobs_held == 0);
  CHECK(sm.counters().blobs_applied == 3);
  CHECK(sm.applied_height() == 12);
  CHECK(sm.cursor(alice())->sequence == 3);
}

TEST_CASE("a held blob received twice is a duplicate") {
  auto sm = make_sm();
  sm.apply(make_blob(alice(), 1, 1, {reg("n1")}), {1, 0});
  CHECK(sm.apply(make_blob(alice(), 1, 3, {reg("n3")}), {2, 0}).disposition ==
        blob_disposition::held);
  CHECK(sm.apply(make_blob(alice(), 1, 3, {reg("other")}), {3, 0}).disposition ==
        blob_disposition::duplicate);
  CHECK(sm.counters().blobs_held == 1);
  auto r = sm.apply(make_blob(alice(), 1, 2, {reg("n2")}), {4, 0});
  CHECK(r.applied.size() == 2);
  CHECK(sm.node("n3"));
  CHECK_FALSE(sm.node("other"));
}

TEST_CASE("an epoch change is accepted; late blobs of the old epoch are duplicates") {
  auto sm = make_sm();
  for (uint64_t s = 1; s <= 3; ++s) {
    CHECK(sm.apply(make_blob(alice(), 1, s, {reg("n" + std::to_string(s))}), {s, 0}).disposition ==
          blob_disposition::applied);
  }
  CHECK(sm.apply(make_blob(alice(), 2, 1, {reg("e2")}), {4, 0}).disposition ==
        blob_disposition::applied);
  auto c = sm.cursor(alice());
  REQUIRE(c);
  CHECK(c->epoch == 2);
  CHECK(c->sequence == 1);
  auto late = sm.apply(make_blob(alice(), 1, 4, {reg("late")}), {5, 0});
  CHECK(late.disposition == blob_disposition::duplicate);
  CHECK_FALSE(sm.node("late"));
  // A higher epoch must start at sequence 1.
  CHECK(sm.apply(make_blob(alice(), 3, 2, {reg("x")}), {6, 0}).disposition ==
        blob_disposition::held);
  // Skipping epochs is fine.
  CHECK(sm.apply(make_blob(alice(), 5, 1, {reg("e5")}), {7, 0}).disposition ==
        blob_disposition::applied);
  // The held (3, 2) became a duplicate and was discarded.
  CHECK(sm.gaps().empty());
  CHECK(sm.counters().blobs_held == 0);
  CHECK_FALSE(sm.node("x"));
  CHECK(sm.counters().blobs_duplicate == 2);
}

TEST_CASE("the first blob of a new publisher must have sequence 1, any epoch") {
  auto sm = make_sm();
  CHECK(sm.apply(make_blob(alice(), 1, 2, {reg("a")}), {1, 0}).disposition ==
        blob_disposition::held);
  CHECK(sm.apply(make_blob(bob(), 7, 1, {reg("b")}), {2, 0}).disposition ==
        blob_disposition::applied);
  auto gaps = sm.gaps();
  REQUIRE(gaps.size() == 1);
  CHECK(gaps[0].cursor_epoch == 0);
  CHECK(gaps[0].cursor_sequence == 0);
  // Epoch or sequence 0 never comes out of the codec and is never next.
  CHECK(sm.apply(make_blob(alice(), 0, 1, {reg("z")}), {3, 0}).disposition ==
        blob_disposition::duplicate);
  CHECK(sm.apply(make_blob(alice(), 9, 0, {reg("z")}), {3, 0}).disposition ==
        blob_disposition::duplicate);
  CHECK_FALSE(sm.node("z"));
  auto cursors = sm.cursors();
  REQUIRE(cursors.size() == 1);
  CHECK(cursors[0].publisher == bob());
  CHECK(cursors[0].epoch == 7);
}

TEST_CASE("the hold buffer is bounded across publishers") {
  auto sm = make_sm(3);
  CHECK(sm.apply(make_blob(alice(), 1, 3, {reg("a3")}), {1, 0}).disposition ==
        blob_disposition::held);
  CHECK(sm.apply(make_blob(alice(), 1, 4, {reg("a4")}), {2, 0}).disposition ==
        blob_disposition::held);
  CHECK(sm.apply(make_blob(bob(), 1, 5, {reg("b5")}), {3, 0}).disposition ==
        blob_disposition::held);
  auto over = sm.apply(make_blob(bob(), 1, 6, {reg("b6")}), {4, 0});
  CHECK(over.disposition == blob_disposition::gap_overflow);
  CHECK(over.applied.empty());
  CHECK(sm.counters().blobs_rejected == 1);
  CHECK(sm.counters().blobs_held == 3);
  auto gaps = sm.gaps();
  REQUIRE(gaps.size() == 2);
  CHECK(gaps[0].publisher < gaps[1].publisher);
  size_t alice_at = gaps[0].publisher == alice() ? 0 : 1;
  CHECK(gaps[alice_at].held_blobs == 2);
  CHECK(gaps[1 - alice_at].held_blobs == 1);
  // Next blobs still apply while the buffer is full, and free room as they release.
  CHECK(sm.apply(make_blob(alice(), 1, 1, {reg("a1")}), {5, 0}).applied.size() == 1);
  auto r = sm.apply(make_blob(alice(), 1, 2, {reg("a2")}), {6, 0});
  CHECK(r.applied.size() == 3);
  CHECK(sm.counters().blobs_held == 1);
  CHECK(sm.apply(make_blob(bob(), 1, 6, {reg("b6")}), {7, 0}).disposition ==
        blob_disposition::held);
  CHECK(sm.node("a4"));
}

TEST_CASE("untrusted publishers are rejected whole; trust() admits them at run time") {
  auto sm = make_sm();
  sm.apply(make_blob(alice(), 1, 1, {reg("n1")}), {1, 0});
  auto sum = sm.checksum();
  auto r = sm.apply(make_blob(mallory(), 1, 1, {reg("evil"), node_unregistered{"n1"}}), {2, 0});
  CHECK(r.disposition == blob_disposition::untrusted);
  CHECK(r.applied.empty());
  CHECK(sm.checksum() == sum);
  CHECK(sm.node("n1"));
  CHECK_FALSE(sm.node("evil"));
  CHECK(sm.counters().blobs_rejected == 1);
  CHECK(sm.counters().events_applied == 1);
  CHECK_FALSE(sm.cursor(mallory()));
  CHECK(sm.applied_height() == 1);

  CHECK_FALSE(sm.trusted().contains(mallory()));
  sm.trust(mallory());
  CHECK(sm.trusted().contains(mallory()));
  CHECK(sm.apply(make_blob(mallory(), 1, 1, {reg("m1")}), {3, 0}).disposition ==
        blob_disposition::applied);
  CHECK(sm.node("m1"));
  sm.note_rejected_blob();
  CHECK(sm.counters().blobs_rejected == 2);
}

TEST_CASE("encoded, signed and decoded blobs apply like constructed ones") {
  crypto_init();
  auto key = key_for(1);
  std::vector<event> events = {reg("n1"), object_registered{"ABCD", 9}, replica_added{"abcd", "n1"},
                               scheduler_weights_updated{0x1f, 1, 2, 3, 4, 5}};
  blob_header header;
  header.epoch = 1;
  header.sequence = 1;
  header.timestamp_ms = 123;
  auto bytes = encode_blob(header, events, key);
  auto decoded = decode_blob(bytes);
  REQUIRE(decoded.ok());
  auto sm = make_sm();
  auto r = sm.apply(std::move(decoded).value(), {1, 0});
  CHECK(r.disposition == blob_disposition::applied);
  CHECK(sm.checksum() == apply_in_blobs(events, 1));
  CHECK(sm.object("abcd")->replicas == strs({"n1"}));
}

// ---------------------------------------------------------------------------------------------
// Checksum

TEST_CASE("checksum: stable across recomputation, changes with facts") {
  auto a = make_sm();
  auto b = make_sm();
  CHECK(a.checksum() == b.checksum());
  auto empty = a.checksum();
  CHECK(a.checksum() == empty);
  a.apply(make_blob(alice(), 1, 1, {reg("n1")}), {1, 0});
  auto one = a.checksum();
  CHECK(one != empty);
  CHECK(a.checksum() == one);
  // A rejected event and a no-op leave it alone; a real change moves it.
  a.apply(make_blob(alice(), 1, 2, {reg("n1"), node_unregistered{"ghost"}}), {2, 0});
  CHECK(a.checksum() == one);
  a.apply(make_blob(alice(), 1, 3, {zone_assigned{"n1", "other"}}), {3, 0});
  CHECK(a.checksum() != one);
  // Back to the same facts, back to the same checksum.
  a.apply(make_blob(alice(), 1, 4, {zone_assigned{"n1", "z1"}}), {4, 0});
  CHECK(a.checksum() == one);
}

TEST_CASE("checksum: the order facts arrived in does not matter when the facts are equal") {
  auto a = make_sm();
  auto b = make_sm();
  a.apply(make_blob(alice(), 1, 1,
                    {reg("n1"), reg("n2"), object_registered{"aa", 1}, object_registered{"bb", 2}}),
          {1, 0});
  b.apply(make_blob(alice(), 1, 1,
                    {object_registered{"BB", 2}, reg("n2"), object_registered{"aa", 1}, reg("n1")}),
          {1, 0});
  CHECK(a.checksum() == b.checksum());
  // Replica order is a fact.
  a.apply(make_blob(alice(), 1, 2, {replica_added{"aa", "n1"}, replica_added{"aa", "n2"}}), {2, 0});
  b.apply(make_blob(alice(), 1, 2, {replica_added{"aa", "n2"}, replica_added{"aa", "n1"}}), {2, 0});
  CHECK(a.checksum() != b.checksum());
}

namespace {

struct encoder {
  std::vector<uint8_t> out;
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i)
      out.push_back(uint8_t(v >> (8 * i)));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i)
      out.push_back(uint8_t(v >> (8 * i)));
  }
  void str(const std::string& s) {
    u32(uint32_t(s.size()));
    out.insert(out.end(), s.begin(), s.end());
  }
  void f64(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, 8);
    u64(bits);
  }
};

}  // namespace

TEST_CASE("checksum: matches the documented canonical encoding") {
  auto sm = make_sm();
  sm.apply(make_blob(
               alice(), 1, 1,
               {reg("nb", "zb", "b:2", 20), reg("na", "za", "[::1]:1", 10), reg("gone"),
                object_registered{"FF", 7}, object_registered{"0a1", 3}, object_registered{"0a", 4},
                replica_added{"ff", "nb"}, replica_added{"ff", "na"}, replica_added{"ff", "gone"},
                replica_marked_missing{"ff", "nb"}, node_unregistered{"gone"},
                zone_unassigned{"nb", "zb"}, scheduler_weights_updated{0x02, 0, 0.25, 0, 0, 0}}),
           {1, 0});
  encoder e;
  e.str("DSDN/state/v1");
  e.u64(2);
  e.str("na");
  e.str("za");
  e.str("[::1]:1");
  e.u64(10);
  e.str("nb");
  e.str("");
  e.str("b:2");
  e.u64(20);
  e.u64(3);
  for (auto [hash, size] : {std::pair<const char*, uint64_t>{"0a", 4}, {"0a1", 3}}) {
    e.str(hash);
    e.u64(size);
    e.u32(0);
    e.u32(0);
  }
  e.str("ff");
  e.u64(7);
  e.u32(2);
  e.str("na");
  e.str("gone");
  e.u32(1);
  e.str("nb");
  for (double w : {1.0, 0.25, 2.0, 50.0, 1.5})
    e.f64(w);
  CHECK(sm.checksum() == sha256(e.out.data(), e.out.size()));
}

TEST_CASE("moved-from and moved-to state machines") {
  auto a = make_sm();
  a.apply(make_blob(alice(), 1, 1, {reg("n1"), object_registered{"ab", 1}}), {1, 0});
  auto sum = a.checksum();
  state_machine b(std::move(a));
  CHECK(b.checksum() == sum);
  CHECK(b.object("ab"));
  auto c = make_sm();
  c = std::move(b);
  CHECK(c.checksum() == sum);
  CHECK(c.node("n1"));
}

// A randomized differential test against a straightforward model, to exercise the compact
// object records, the index tables (including deletion) and the holder lists.
TEST_CASE("randomized: agrees with a simple model") {
  struct model_object {
    uint64_t size;
    std::vector<std::string> replicas, missing;
  };
  std::map<std::string, model_object> model;
  std::map<std::string, bool> model_nodes;  // id -> registered
  auto sm = make_sm();
  std::mt19937 rng(12345);
  auto pick = [&](int n) { return int(rng() % unsigned(n)); };
  auto find = [](std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s);
  };
  uint64_t seq = 0;
  for (int round = 0; round < 200; ++round) {
    std::vector<event> batch;
    for (int k = 0; k < 200; ++k) {
      std::string hash = hash_of(pick(300));
      std::string node = "n" + std::to_string(pick(12));
      switch (pick(6)) {
        case 0:
          batch.push_back(object_registered{hash, uint64_t(1 + pick(2))});
          break;
        case 1:
          batch.push_back(object_removed{hash});
          break;
        case 2:
          batch.push_back(pick(4) == 0 ? event{node_unregistered{node}} : event{reg(node)});
          break;
        case 3:
          batch.push_back(replica_added{hash, node});
          break;
        case 4:
          batch.push_back(replica_marked_missing{hash, node});
          break;
        default:
          batch.push_back(replica_healed{hash, node});
          break;
      }
    }
    // The model's expectation, event by event.
    std::vector<bool> expect;
    for (const auto& ev : batch) {
      bool ok = true;
      if (auto* r = std::get_if<object_registered>(&ev)) {
        auto it = model.find(r->hash);
        if (it == model.end())
          model[r->hash] = model_object{r->size, {}, {}};
        else
          ok = it->second.size == r->size;
      } else if (auto* r = std::get_if<object_removed>(&ev)) {
        ok = model.erase(r->hash) == 1;
      } else if (auto* r = std::get_if<node_registered>(&ev)) {
        model_nodes[r->node_id] = true;
      } else if (auto* r = std::get_if<node_unregistered>(&ev)) {
        ok = model_nodes[r->node_id];
        model_nodes[r->node_id] = false;
      } else if (auto* r = std::get_if<replica_added>(&ev)) {
        auto it = model.find(r->hash);
        ok = it != model.end() && model_nodes[r->node_id];
        if (ok) {
          auto& o = it->second;
          if (find(o.replicas, r->node_id) == o.replicas.end())
            o.replicas.push_back(r->node_id);
          auto m = find(o.missing, r->node_id);
          if (m != o.missing.end())
            o.missing.erase(m);
        }
      } else if (auto* r = std::get_if<replica_marked_missing>(&ev)) {
        auto it = model.find(r->hash);
        ok = it != model.end();
        if (ok) {
          auto& o = it->second;
          auto rep = find(o.replicas, r->node_id);
          if (rep != o.replicas.end()) {
            o.replicas.erase(rep);
            if (find(o.missing, r->node_id) == o.missing.end())
              o.missing.push_back(r->node_id);
          }
        }
      } else if (auto* r = std::get_if<replica_healed>(&ev)) {
        auto it = model.find(r->hash);
        ok = it != model.end() && model_nodes[r->node_id];
        if (ok) {
          auto& o = it->second;
          if (find(o.replicas, r->node_id) == o.replicas.end())
            o.replicas.push_back(r->node_id);
          auto m = find(o.missing, r->node_id);
          if (m != o.missing.end())
            o.missing.erase(m);
        }
      }
      expect.push_back(ok);
    }
    ++seq;
    auto r = sm.apply(make_blob(alice(), 1, seq, batch), {seq, 0});
    REQUIRE(r.applied.size() == 1);
    for (size_t i = 0; i < expect.size(); ++i)
      REQUIRE_MESSAGE(r.applied[0].outcomes[i].applied == expect[i],
                      r.applied[0].outcomes[i].message);
    REQUIRE(sm.object_count() == model.size());
    for (int i = 0; i < 300; ++i) {
      auto hash = hash_of(i);
      auto got = sm.object(hash);
      auto it = model.find(hash);
      REQUIRE(got.has_value() == (it != model.end()));
      if (got) {
        CHECK(got->size == it->second.size);
        CHECK(got->replicas == it->second.replicas);
        CHECK(got->missing == it->second.missing);
      }
    }
  }
}
