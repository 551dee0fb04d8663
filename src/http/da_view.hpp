#pragma once
// What the HTTP layer reports about the DA layers: the health monitor's snapshot, corrected by a
// live probe of the layer writes go to now. The monitor changes state only after its thresholds
// (seconds apart), so a layer that just failed shows up at once in /health, /ready,
// /system/info, /da/routing and /fallback/status, as the original's live checks did.

#include <string>

#include "ask.hpp"
#include "json_io.hpp"

namespace dsdn::http {

/// The combined view; see derive() in da_view.cpp for the rules.
struct da_view {
  bool have_snapshot = false;  // false when the monitor did not answer
  health_snapshot snapshot;
  da::da_layer active = da::da_layer::primary;  // the layer writes go to now
  bool live_ok = false;                         // the live probe of `active`
  bool primary_healthy = false;
  bool secondary_healthy = false;
  bool emergency_healthy = false;
  bool da_available = false;  // some layer takes writes
  bool fallback_active = false;
  std::string da_health;       // "healthy" .. "recovering", or "unavailable"
  std::string routing_state;   // "primary", "secondary", "emergency"
  std::string current_status;  // "primary_healthy", "fallback_secondary", ... "unavailable"
  uint64_t pending_reconcile = 0;
};

/// Fills the derived fields of `v` from its snapshot and live probe.
void derive(da_view& v);

/// The status transitions of the snapshot as JSON ({from, to, at, reason}, oldest first).
json transitions_json(const health_snapshot& s);

/// Asks the monitor, then probes the active layer live (both bounded by health_timeout), and
/// calls `k(da_view)` on the strand.
template <class K>
void with_da_view(const call& c, K k) {
  auto probe = [c, k](da_view v) {
    const auto& layer = c.ctx->layers.of(v.active);
    const auto& target = layer ? layer : c.ctx->da;
    ask_or<bool>(
        c, c.ctx->cfg.health_timeout, target,
        [k, v](bool ok) {
          auto out = v;
          out.live_ok = ok;
          derive(out);
          k(std::move(out));
        },
        [k, v](const caf::error&) {
          auto out = v;
          out.live_ok = false;
          derive(out);
          k(std::move(out));
        },
        atom::health_v);
  };
  ask_or<health_snapshot>(
      c, c.ctx->cfg.health_timeout, c.ctx->monitor,
      [probe](health_snapshot s) {
        da_view v;
        v.have_snapshot = true;
        auto t = s.routing.target;
        v.active = t == da::write_target::secondary   ? da::da_layer::secondary
                   : t == da::write_target::emergency ? da::da_layer::emergency
                                                      : da::da_layer::primary;
        v.snapshot = std::move(s);
        probe(std::move(v));
      },
      [probe](const caf::error&) { probe(da_view{}); }, atom::status_v);
}

}  // namespace dsdn::http
