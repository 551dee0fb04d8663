// The health monitor: probes every configured DA layer each `interval` (atom::health on the
// layer's da_actor, with a timeout), feeds the outcomes into da::health_tracker (the five-state
// status machine; its diagram is in health_tracker.hpp) and pushes every status change to its
// listeners (da_router, reconciliation_engine). The router also reports failed primary writes
// (counted like failed probes, so failover does not wait for the next probe) and the outbox
// size, which decides Recovering vs Healthy.
//
//   spawn --(probe_at_start)--> probing --tick (every interval)--> probing ...
//   probing: one probe per configured layer that has none outstanding
//     ok (latency)      --> tracker.record_probe(ok)   --changed--> publish snapshot
//     error / timeout   --> tracker.record_probe(fail) --changed--> publish snapshot

#include <chrono>

#include <caf/actor_system.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "dsdn/actors/actors.hpp"
#include "dsdn/actors/logging.hpp"

namespace dsdn {

const layer_status& health_snapshot::of(da::da_layer l) const {
  static const layer_status none{};
  auto i = static_cast<size_t>(l);
  return i < layers.size() ? layers[i] : none;
}

const da_actor& da_layer_set::of(da::da_layer l) const {
  switch (l) {
    case da::da_layer::primary:
      return primary;
    case da::da_layer::secondary:
      return secondary;
    case da::da_layer::emergency:
      return emergency;
  }
  return primary;
}

const std::string& da_layer_set::kind_of(da::da_layer l) const {
  static const std::string none;
  switch (l) {
    case da::da_layer::primary:
      return primary_kind;
    case da::da_layer::secondary:
      return secondary ? secondary_kind : none;
    case da::da_layer::emergency:
      return emergency ? emergency_kind : none;
  }
  return none;
}

std::optional<std::string> check(const health_monitor_config& cfg) {
  if (cfg.interval <= caf::timespan{0})
    return std::string("the health interval must be positive");
  if (cfg.probe_timeout <= caf::timespan{0})
    return std::string("the health probe timeout must be positive");
  return da::health_tracker::check(cfg.thresholds);
}

namespace {

constexpr da::da_layer all_layers[] = {da::da_layer::primary, da::da_layer::secondary,
                                       da::da_layer::emergency};

uint64_t unix_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

struct monitor_state {
  static inline const char* name = "health-monitor";
  health_monitor_config cfg;
  da_layer_set layers;
  std::optional<da::health_tracker> tracker;
  std::vector<da_status_listener_actor> listeners;
  bool in_flight[3] = {false, false, false};
};

using monitor_pointer = health_monitor_actor::stateful_pointer<monitor_state>;

health_snapshot snapshot(const monitor_state& st) {
  const auto& t = *st.tracker;
  health_snapshot s;
  s.status = t.status();
  s.unavailable = t.unavailable();
  s.word = t.status_word();
  for (auto l : all_layers) {
    const auto& h = t.layer(l);
    layer_status ls;
    ls.layer = da::to_string(l);
    ls.kind = st.layers.kind_of(l);
    ls.configured = h.configured;
    ls.up = h.up;
    ls.consecutive_failures = h.consecutive_failures;
    ls.probes = h.probes;
    ls.failures = h.failures;
    ls.last_latency_ms = h.last_latency_ms;
    ls.last_error = h.last_error;
    s.layers.push_back(std::move(ls));
  }
  s.routing = t.routing();
  s.fallback_reason = t.fallback_reason();
  s.last_fallback_at_ms = t.last_fallback_at_ms();
  s.since_ms = t.status_since_ms();
  s.outbox_size = t.outbox_size();
  s.transitions.assign(t.transitions().begin(), t.transitions().end());
  return s;
}

/// Sends the snapshot to every listener; logs the transition when the status changed.
void publish(monitor_pointer self, bool status_changed) {
  auto& st = self->state;
  const auto& t = *st.tracker;
  if (status_changed && !t.transitions().empty()) {
    const auto& last = t.transitions().back();
    log().info("da_status_changed from={} to={} reason=\"{}\"",
               last.from_unavailable ? "unavailable" : da::to_string(last.from), t.status_word(),
               last.reason);
  }
  auto s = snapshot(st);
  for (auto& l : st.listeners)
    self->send(l, atom::health_v, s);
}

void record(monitor_pointer self, da::da_layer l, const da::probe_result& r) {
  auto& t = *self->state.tracker;
  const bool was_up = t.layer(l).up;
  const bool was_failing = t.layer(l).consecutive_failures > 0;
  // A layer flipping up or down matters to the router even when the overall status stays
  // (e.g. the secondary fails while the primary is healthy); a layer starting or ending a
  // failure streak matters to the reconciliation engine (no replays into a failing primary).
  const bool changed = t.record_probe(l, r, unix_ms());
  if (changed || t.layer(l).up != was_up || (t.layer(l).consecutive_failures > 0) != was_failing)
    publish(self, changed);
}

void probe(monitor_pointer self, da::da_layer l) {
  auto& st = self->state;
  const auto& layer = st.layers.of(l);
  auto i = static_cast<size_t>(l);
  // A probe still outstanding (its layer is busy or hung) is not doubled; its timeout counts.
  if (!layer || st.in_flight[i])
    return;
  st.in_flight[i] = true;
  auto started = std::chrono::steady_clock::now();
  auto elapsed_ms = [started] {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now() - started)
                                     .count());
  };
  self->request(layer, st.cfg.probe_timeout, atom::health_v)
      .then(
          [self, l, i, elapsed_ms](bool ok) {
            self->state.in_flight[i] = false;
            record(self, l,
                   da::probe_result{ok, elapsed_ms(), ok ? "" : "the layer reports unhealthy"});
          },
          [self, l, i, elapsed_ms](const caf::error& err) {
            self->state.in_flight[i] = false;
            record(self, l, da::probe_result{false, elapsed_ms(), self->system().render(err)});
          });
}

health_monitor_actor::behavior_type monitor_behavior(monitor_pointer self,
                                                     health_monitor_config cfg,
                                                     da_layer_set layers) {
  auto& st = self->state;
  cfg.thresholds.secondary_configured = static_cast<bool>(layers.secondary);
  cfg.thresholds.emergency_configured = static_cast<bool>(layers.emergency);
  st.cfg = cfg;
  st.layers = std::move(layers);
  st.tracker.emplace(st.cfg.thresholds, unix_ms());
  // Exactly one timer chain: the tick handler re-arms it.
  if (st.cfg.probe_at_start)
    self->send(self, atom::tick_v);
  else
    self->delayed_send(self, st.cfg.interval, atom::tick_v);
  return {
      [self](atom::tick) {
        for (auto l : all_layers)
          probe(self, l);
        self->delayed_send(self, self->state.cfg.interval, atom::tick_v);
      },
      [self](atom::outcome, da::da_layer l, bool ok, uint64_t latency_ms, std::string& error) {
        record(self, l, da::probe_result{ok, latency_ms, std::move(error)});
      },
      [self](atom::outbox, uint64_t entries) {
        if (self->state.tracker->set_outbox_size(static_cast<size_t>(entries), unix_ms()))
          publish(self, true);
      },
      [self](atom::subscribe, const da_status_listener_actor& listener) {
        self->state.listeners.push_back(listener);
        self->send(listener, atom::health_v, snapshot(self->state));
      },
      [self](atom::status) { return snapshot(self->state); },
  };
}

}  // namespace

health_monitor_actor spawn_health_monitor(caf::actor_system& sys, health_monitor_config cfg,
                                          da_layer_set layers) {
  return sys.spawn(monitor_behavior, std::move(cfg), std::move(layers));
}

}  // namespace dsdn
