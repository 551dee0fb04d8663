#include "da_view.hpp"

namespace dsdn::http {

void derive(da_view& v) {
  using da::da_layer;
  const auto& s = v.snapshot;
  // A layer is healthy when the monitor has it up and, for the layer probed live, the probe
  // passed too. Without a snapshot only the live probe of the primary is known.
  auto healthy = [&](da_layer l) {
    bool up = v.have_snapshot ? s.of(l).up : l == da_layer::primary;
    return up && (v.active != l || v.live_ok);
  };
  v.primary_healthy = healthy(da_layer::primary);
  v.secondary_healthy = healthy(da_layer::secondary);
  v.emergency_healthy = healthy(da_layer::emergency);
  v.da_available = v.primary_healthy || v.secondary_healthy || v.emergency_healthy;
  if (!v.da_available) {
    v.da_health = "unavailable";
  } else if (!v.have_snapshot) {
    v.da_health = "healthy";
  } else if (s.unavailable) {
    // The monitor has every layer down, but the live probe passed: it has not caught up yet.
    // The tracker reads Emergency while unavailable; say so rather than "healthy".
    v.da_health = da::to_string(da::da_status::emergency);
  } else if (!v.live_ok && s.status == da::da_status::healthy) {
    // The active layer just failed a probe that the monitor has not seen yet.
    v.da_health = da::to_string(da::da_status::warning);
  } else {
    v.da_health = s.word;
  }
  v.routing_state = da::to_string(v.active);
  v.fallback_active = (v.have_snapshot && s.routing.via_outbox) ||
                      (!v.primary_healthy && (v.secondary_healthy || v.emergency_healthy));
  v.current_status = v.primary_healthy     ? "primary_healthy"
                     : v.secondary_healthy ? "fallback_secondary"
                     : v.emergency_healthy ? "fallback_emergency"
                                           : "unavailable";
  v.pending_reconcile = v.have_snapshot ? s.outbox_size : 0;
}

json transitions_json(const health_snapshot& s) {
  json out = json::array();
  for (auto& t : s.transitions)
    out.push_back(json{{"from", t.from_unavailable ? "unavailable" : da::to_string(t.from)},
                       {"to", t.to_unavailable ? "unavailable" : da::to_string(t.to)},
                       {"at", t.at_ms},
                       {"reason", t.reason}});
  return out;
}

}  // namespace dsdn::http
