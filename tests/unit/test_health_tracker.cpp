// The DA status machine: every transition of the diagram in health_tracker.hpp driven by
// scripted probe sequences, hysteresis, Recovering -> Healthy only on an empty outbox,
// unavailable when every layer is down, and the routing decision in each state.

#include "dsdn/da/health_tracker.hpp"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

namespace dsdn::da {
namespace {

constexpr da_layer P = da_layer::primary;
constexpr da_layer S = da_layer::secondary;
constexpr da_layer E = da_layer::emergency;
constexpr da_status healthy = da_status::healthy;
constexpr da_status warning = da_status::warning;
constexpr da_status degraded = da_status::degraded;
constexpr da_status emergency = da_status::emergency;
constexpr da_status recovering = da_status::recovering;

health_config all_layers() {
  health_config c;
  c.secondary_configured = true;
  c.emergency_configured = true;
  return c;
}

// Drives a tracker with a probe script and a clock that advances 1000 ms per probe.
struct driver {
  health_tracker t;
  uint64_t now = 0;
  explicit driver(health_config c = all_layers()) : t(c, 0) {}

  // Each character is one probe of `layer`: 'o' ok (10 ms), 's' ok but slow, 'f' failed.
  // Returns the number of status changes the script caused.
  int run(da_layer layer, const std::string& script) {
    int changes = 0;
    for (char c : script) {
      now += 1000;
      probe_result r;
      r.ok = c != 'f';
      r.latency_ms = c == 's' ? t.config().warning_latency_ms + 1 : 10;
      r.error = c == 'f' ? std::string(to_string(layer)) + ": connection refused" : "";
      changes += t.record_probe(layer, r, now) ? 1 : 0;
    }
    return changes;
  }
  bool outbox(size_t n) {
    now += 1000;
    return t.set_outbox_size(n, now);
  }
  // The status word after the script: "healthy", ..., or "unavailable".
  std::string after(da_layer layer, const std::string& script) {
    run(layer, script);
    return t.status_word();
  }
};

void check_routing(const health_tracker& t, write_target target, bool via_outbox) {
  CAPTURE(t.status_word());
  CHECK(t.routing().target == target);
  CHECK(t.routing().via_outbox == via_outbox);
  CHECK(t.fallback_active() == via_outbox);
}

TEST_CASE("health_tracker starts Healthy with every configured layer up") {
  driver d;
  CHECK(d.t.status() == healthy);
  CHECK_FALSE(d.t.unavailable());
  CHECK(std::string(d.t.status_word()) == "healthy");
  check_routing(d.t, write_target::primary, false);
  CHECK_FALSE(d.t.fallback_reason().has_value());
  CHECK_FALSE(d.t.last_fallback_at_ms().has_value());
  CHECK(d.t.transitions().empty());
  for (auto l : {P, S, E}) {
    CHECK(d.t.layer(l).configured);
    CHECK(d.t.layer(l).up);
  }
  health_tracker primary_only;
  CHECK(primary_only.layer(P).up);
  CHECK_FALSE(primary_only.layer(S).configured);
  CHECK_FALSE(primary_only.layer(E).up);
  CHECK_FALSE(primary_only.record_probe(S, probe_result{true, 1, ""}, 5));  // ignored
  CHECK(primary_only.layer(S).probes == 0);
}

TEST_CASE("health_tracker: Healthy <-> Warning on failed or slow primary probes") {
  driver d;
  CHECK(d.after(P, "f") == "warning");
  REQUIRE(d.t.transitions().size() == 1);
  const auto& t = d.t.transitions().back();
  CHECK(t.from == healthy);
  CHECK(t.to == warning);
  CHECK(t.at_ms == 1000);
  CHECK(t.reason ==
        "primary DA probe failed (1 of 3 in a row before failover): primary: "
        "connection refused");
  CHECK(d.t.status_since_ms() == 1000);
  check_routing(d.t, write_target::primary, false);
  CHECK_FALSE(d.t.fallback_reason().has_value());  // Warning is not a fallback

  CHECK(d.after(P, "o") == "warning");  // one clean probe is not enough (recovery_threshold 2)
  CHECK(d.after(P, "o") == "healthy");
  CHECK(d.t.transitions().back().from == warning);
  CHECK(d.t.transitions().back().to == healthy);
  CHECK(d.t.transitions().back().at_ms == 3000);

  CHECK(d.after(P, "s") == "warning");
  CHECK(d.t.transitions().back().reason.find("slow") != std::string::npos);
  CHECK(d.after(P, "so") == "warning");
  CHECK(d.after(P, "o") == "healthy");
  CHECK(d.t.transitions().size() == 4);
}

TEST_CASE("health_tracker: a flapping primary does not bounce per probe") {
  driver d;
  // Below the failure threshold: one transition into Warning, then nothing.
  CHECK(d.run(P, "fofofofofofofofofofo") == 1);
  CHECK(d.t.status() == warning);
  CHECK(d.t.layer(P).up);
  check_routing(d.t, write_target::primary, false);
  // Two failures in a row are still below 3.
  CHECK(d.run(P, "ffoffoffo") == 0);
  CHECK(d.t.layer(P).up);

  // Once down, alternating results never bring it back up (recovery_threshold 2).
  CHECK(d.after(P, "fff") == "degraded");
  CHECK(d.run(P, "ofofofofofofofof") == 0);
  CHECK_FALSE(d.t.layer(P).up);
  check_routing(d.t, write_target::secondary, true);
  CHECK(d.after(P, "oo") == "healthy");  // outbox empty: straight back
}

TEST_CASE("health_tracker: failover Warning -> Degraded -> Emergency -> Degraded") {
  driver d;
  CHECK(d.after(P, "ff") == "warning");
  CHECK(d.after(P, "f") == "degraded");
  auto tr = d.t.transitions().back();
  CHECK(tr.from == warning);
  CHECK(tr.to == degraded);
  CHECK(tr.at_ms == 3000);
  CHECK(tr.reason ==
        "primary DA down (3 failed probes in a row, last error: primary: connection refused); "
        "writes go to the secondary DA");
  CHECK(d.t.fallback_reason() == tr.reason);
  CHECK(d.t.last_fallback_at_ms() == 3000u);
  CHECK_FALSE(d.t.layer(P).up);
  CHECK(d.t.layer(P).changed_at_ms == 3000u);
  check_routing(d.t, write_target::secondary, true);

  CHECK(d.after(S, "ff") == "degraded");  // hysteresis on the secondary too
  CHECK(d.after(S, "f") == "emergency");
  tr = d.t.transitions().back();
  CHECK(tr.from == degraded);
  CHECK(tr.to == emergency);
  CHECK(tr.reason.find("secondary DA down; writes go to the emergency DA") != std::string::npos);
  check_routing(d.t, write_target::emergency, true);
  CHECK(d.t.last_fallback_at_ms() == 3000u);  // still the same fallback episode
  CHECK(d.t.fallback_reason() == tr.reason);

  CHECK(d.after(S, "o") == "emergency");
  CHECK(d.after(S, "o") == "degraded");
  CHECK(d.t.transitions().back().from == emergency);
  check_routing(d.t, write_target::secondary, true);
}

TEST_CASE("health_tracker: Healthy -> Degraded directly with failure_threshold 1") {
  health_config c = all_layers();
  c.failure_threshold = 1;
  c.recovery_threshold = 3;
  driver d(c);
  CHECK(d.after(P, "f") == "degraded");
  CHECK(d.t.transitions().back().from == healthy);
  CHECK(d.after(P, "oo") == "degraded");
  CHECK(d.after(P, "o") == "healthy");  // 3 successes; outbox empty
  CHECK(d.t.transitions().back().from == degraded);
  CHECK_FALSE(d.t.fallback_reason().has_value());
  CHECK(d.t.last_fallback_at_ms() == 1000u);  // kept after recovery
}

TEST_CASE("health_tracker: Degraded -> Recovering -> Healthy only when the outbox is empty") {
  driver d;
  d.run(P, "fff");
  CHECK_FALSE(d.outbox(5));  // blobs pile up while Degraded: still Degraded
  CHECK(d.t.status() == degraded);
  CHECK(d.after(P, "o") == "degraded");  // 1 of 2
  CHECK(d.after(P, "o") == "recovering");
  auto tr = d.t.transitions().back();
  CHECK(tr.from == degraded);
  CHECK(tr.to == recovering);
  CHECK(tr.reason == "primary DA up; 5 outbox blob(s) to replay before writes go to it directly");
  CHECK(d.t.fallback_reason() == tr.reason);
  check_routing(d.t, write_target::secondary, true);  // new blobs queue behind the backlog

  CHECK_FALSE(d.outbox(3));
  CHECK(d.t.status() == recovering);
  CHECK(d.after(P, "oooooo") == "recovering");  // primary fine, but the outbox is not empty
  CHECK(d.outbox(0));
  CHECK(d.t.status() == healthy);
  CHECK(d.t.transitions().back().from == recovering);
  CHECK(d.t.transitions().back().reason == "primary DA up and the outbox is empty");
  CHECK_FALSE(d.t.fallback_reason().has_value());
  check_routing(d.t, write_target::primary, false);
  CHECK(d.t.outbox_size() == 0);
}

TEST_CASE("health_tracker: Recovering falls back again when the primary goes down") {
  driver d;
  d.run(P, "fff");
  d.outbox(2);
  d.run(P, "oo");
  REQUIRE(d.t.status() == recovering);
  CHECK(d.after(P, "fff") == "degraded");
  CHECK(d.t.transitions().back().from == recovering);
  d.run(P, "oo");
  REQUIRE(d.t.status() == recovering);
  d.run(S, "fff");
  CHECK(d.t.status() == recovering);
  check_routing(d.t, write_target::emergency, true);  // safekeeping copy to emergency
  CHECK(d.after(P, "fff") == "emergency");
  CHECK(d.t.transitions().back().from == recovering);
  CHECK(d.after(P, "oo") == "recovering");  // Emergency -> Recovering
  CHECK(d.t.transitions().back().from == emergency);
  d.run(E, "fff");
  CHECK(d.t.status() == recovering);
  check_routing(d.t, write_target::primary, true);  // only the outbox holds new blobs
  CHECK(d.outbox(0));
  CHECK(d.t.status() == healthy);
}

TEST_CASE("health_tracker: Recovering -> Warning when the drained primary is slow") {
  driver d;
  d.run(P, "fff");
  d.outbox(1);
  d.run(P, "oo");
  REQUIRE(d.t.status() == recovering);
  d.run(P, "s");
  CHECK(d.t.status() == recovering);
  CHECK(d.outbox(0));
  CHECK(d.t.status() == warning);
  CHECK(d.t.transitions().back().from == recovering);
  CHECK_FALSE(d.t.fallback_reason().has_value());
}

TEST_CASE("health_tracker: Healthy or Warning -> Recovering when a write fell back") {
  driver d;
  CHECK(d.outbox(1));
  CHECK(d.t.status() == recovering);
  CHECK(d.t.transitions().back().from == healthy);
  CHECK(d.t.last_fallback_at_ms() == 1000u);
  check_routing(d.t, write_target::secondary, true);
  CHECK(d.outbox(0));
  CHECK(d.t.status() == healthy);

  d.run(P, "f");
  REQUIRE(d.t.status() == warning);
  CHECK(d.outbox(2));
  CHECK(d.t.status() == recovering);
  CHECK(d.t.transitions().back().from == warning);
  CHECK(d.t.last_fallback_at_ms() == d.now);  // a new fallback episode
  CHECK(d.outbox(0));
  CHECK(d.t.status() == warning);  // the primary has not had 2 clean probes since
}

TEST_CASE("health_tracker: Emergency -> Healthy when the primary returns with an empty outbox") {
  driver d;
  d.run(S, "fff");
  CHECK(d.t.status() == healthy);  // a fallback layer down does not change the status
  CHECK_FALSE(d.t.layer(S).up);
  CHECK(d.after(P, "fff") == "emergency");
  CHECK(d.t.transitions().back().from == warning);
  CHECK(d.after(P, "oo") == "healthy");
  CHECK(d.t.transitions().back().from == emergency);
}

TEST_CASE("health_tracker: unavailable when every layer is down, and back") {
  driver d;
  d.run(S, "fff");
  d.run(E, "fff");
  CHECK(d.after(P, "fff") == "unavailable");
  CHECK(d.t.unavailable());
  CHECK(d.t.status() == emergency);
  check_routing(d.t, write_target::none, false);
  auto tr = d.t.transitions().back();
  CHECK(tr.from == warning);
  CHECK(tr.to_unavailable);
  CHECK(tr.reason.rfind("every DA layer is down; writes are refused", 0) == 0);
  CHECK(d.t.fallback_reason() == tr.reason);
  CHECK(d.t.last_fallback_at_ms() == d.now);

  CHECK(d.after(E, "oo") == "emergency");
  CHECK(d.t.transitions().back().from_unavailable);
  CHECK_FALSE(d.t.transitions().back().to_unavailable);
  check_routing(d.t, write_target::emergency, true);
  CHECK(d.after(E, "fff") == "unavailable");
  CHECK(d.after(S, "oo") == "degraded");
  check_routing(d.t, write_target::secondary, true);
  d.outbox(4);
  CHECK(d.after(P, "oo") == "recovering");

  // Primary only: three failures and nothing is left.
  health_tracker alone;
  for (uint64_t i = 1; i <= 3; ++i) {
    alone.record_probe(P, probe_result{false, 0, "timeout"}, i);
  }
  CHECK(alone.unavailable());
  CHECK(std::string(alone.status_word()) == "unavailable");
  CHECK(alone.routing().target == write_target::none);
  CHECK(alone.transitions().back().reason.find("last error: timeout") != std::string::npos);
}

TEST_CASE("health_tracker: configuration, bounded history, determinism") {
  CHECK_FALSE(health_tracker::check(health_config{}).has_value());
  health_config bad;
  bad.failure_threshold = 0;
  CHECK(health_tracker::check(bad).value() == "failure_threshold must be at least 1");
  bad.failure_threshold = 1;
  bad.recovery_threshold = 0;
  CHECK(health_tracker::check(bad).has_value());
  health_tracker clamped(bad);
  CHECK(clamped.config().recovery_threshold == 1);

  health_config small = all_layers();
  small.history_size = 3;
  driver d(small);
  d.run(P, "fooffooffo");
  CHECK(d.t.transitions().size() == 3);
  CHECK(d.t.transitions().back().at_ms == d.t.status_since_ms());

  // Same inputs, same transitions.
  auto script = [](driver& x) {
    x.run(P, "ffsfoofffo");
    x.outbox(3);
    x.run(S, "ffffo");
    x.run(P, "oo");
    x.outbox(0);
  };
  driver a, b;
  script(a);
  script(b);
  REQUIRE(a.t.transitions().size() == b.t.transitions().size());
  CHECK(a.t.transitions().size() >= 5);
  for (size_t i = 0; i < a.t.transitions().size(); ++i) {
    CHECK(a.t.transitions()[i].reason == b.t.transitions()[i].reason);
    CHECK(a.t.transitions()[i].at_ms == b.t.transitions()[i].at_ms);
  }
  CHECK(std::string(to_string(write_target::none)) == "none");
  CHECK(std::string(to_string(da_layer::emergency)) == "emergency");
  CHECK(std::string(to_string(recovering)) == "recovering");
}

}  // namespace
}  // namespace dsdn::da
