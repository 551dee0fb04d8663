#pragma once
// Helpers shared by the handler files: the ?wait= rule of writes, field-rule errors, and the
// DA liveness probe.

#include <optional>
#include <utility>

#include "ask.hpp"
#include "dsdn/core/validation.hpp"
#include "json_io.hpp"

namespace dsdn::http {

/// The ?wait= mode of a write: "applied" (default) or "durable". Anything else is answered
/// with 400 (field "wait") and gives nullopt.
std::optional<write_mode> wait_mode(const call& c);

/// Answers a rule violation: 400 {"error": message, "field": field} plus `extra`.
void send_field_error(const call& c, const core::field_error& fe,
                      const json& extra = json::object());

/// Answers a finished write: 200 {"ok":true,"height":H} once applied, or 202
/// {"ok":true,"status":"pending_primary","height":H} when only durable (wait=durable), or 202
/// {"ok":true,"status":"pending_primary"} when the write went to a fallback layer.
void send_written(const call& c, const write_result& r);

/// Sends `e` through the registry in the request's wait mode and calls
/// `on_written(call, write_result)` with the answer; errors go through send_error().
template <class Event, class OnWritten>
void write_event(const call& c, Event e, OnWritten on_written) {
  auto mode = wait_mode(c);
  if (!mode)
    return;
  ask<write_result>(
      c, c.ctx->registry, [c, on_written](write_result r) { on_written(c, r); }, atom::write_v,
      *mode, std::move(e));
}

/// write_event() answered with send_written().
template <class Event>
void write_event(const call& c, Event e) {
  write_event(c, std::move(e), send_written);
}

/// Asks the DA actor for its liveness (bounded by health_timeout) and calls `k(bool)` on the
/// strand; an error or timeout counts as unhealthy.
template <class K>
void probe_da(const call& c, K k) {
  ask_or<bool>(
      c, c.ctx->cfg.health_timeout, c.ctx->da, [k](bool healthy) { k(healthy); },
      [k](const caf::error&) { k(false); }, atom::health_v);
}

}  // namespace dsdn::http
