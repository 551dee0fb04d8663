#pragma once
// Spawn functions and configuration of every actor. Interfaces: interfaces.hpp.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include "dsdn/actors/defaults.hpp"
#include "dsdn/actors/interfaces.hpp"
#include "dsdn/core/crypto.hpp"
#include "dsdn/da/health_tracker.hpp"
#include "dsdn/da/outbox.hpp"

namespace dsdn {

/// Registers the message types and a readable renderer for dsdn errors on a CAF config.
void configure_actor_system(caf::actor_system_config& cfg);

/// Spawns an actor around a blocking DA backend: detached (its own thread) in production;
/// `detached = false` only for deterministic tests with an in-memory backend.
da_actor spawn_da(caf::actor_system& sys, std::shared_ptr<da::da_backend> backend,
                  bool detached = true);

/// Configuration of the state machine actor.
struct state_machine_config {
  core::trusted_publishers trusted;
  core::public_key own_publisher{};
  size_t max_held_blobs = defaults::max_held_blobs;
};
state_machine_actor spawn_state_machine(caf::actor_system& sys, state_machine_config cfg);

/// Configuration of the event publisher.
struct event_publisher_config {
  core::identity_key key;
  size_t max_events_per_blob = defaults::max_events_per_blob;
  caf::timespan flush_interval = defaults::flush_interval;
  size_t max_queued_events = defaults::max_queued_events;
  caf::timespan da_timeout = defaults::da_request_timeout;
  caf::timespan retry_min = defaults::da_retry_min;
  caf::timespan retry_max = defaults::da_retry_max;
};
/// `consumer` (may be null) is woken after every successful write. Blobs go through `router`.
event_publisher_actor spawn_event_publisher(caf::actor_system& sys, event_publisher_config cfg,
                                            da_router_actor router, da_consumer_actor consumer);
/// As above with a primary-only router around `da` (linked to the publisher): the single-layer
/// setup of tests and benchmarks.
event_publisher_actor spawn_event_publisher(caf::actor_system& sys, event_publisher_config cfg,
                                            da_actor da, da_consumer_actor consumer);

/// Configuration of the DA consumer.
struct da_consumer_config {
  core::trusted_publishers trusted;
  caf::timespan poll_interval = defaults::consumer_poll_interval;
  uint64_t read_blobs = defaults::consumer_read_blobs;
  caf::timespan da_timeout = defaults::da_request_timeout;
};
da_consumer_actor spawn_da_consumer(caf::actor_system& sys, da_consumer_config cfg, da_actor da,
                                    state_machine_actor sm);

/// The startup replay; logs progress every `progress_interval`.
state_rebuilder_actor spawn_state_rebuilder(
    caf::actor_system& sys, da_actor da, da_consumer_actor consumer, state_machine_actor sm,
    core::public_key own_publisher,
    caf::timespan progress_interval = defaults::rebuild_progress_interval);

/// Configuration of the startup replay.
struct state_rebuilder_config {
  /// How often progress is logged.
  caf::timespan progress_interval = defaults::rebuild_progress_interval;
  /// The whole replay, including waiting for an unreachable primary, ends within this.
  caf::timespan timeout = defaults::rebuild_timeout;
  /// Backoff between head requests while the primary is unreachable: doubles from min to max.
  caf::timespan retry_min = defaults::rebuild_retry_min;
  caf::timespan retry_max = defaults::rebuild_retry_max;
  /// Timeout of one head request.
  caf::timespan da_timeout = defaults::da_request_timeout;
};
/// As above, configured. An exit message (e.g. a shutdown while the primary is unreachable)
/// fails the pending rebuild with the exit reason before the rebuilder quits.
state_rebuilder_actor spawn_state_rebuilder(caf::actor_system& sys, da_actor da,
                                            da_consumer_actor consumer, state_machine_actor sm,
                                            core::public_key own_publisher,
                                            state_rebuilder_config cfg);

/// The use-case actor. With `monitor`, writes waiting to be applied are answered as durable
/// (202 with their height) as soon as the primary is marked down: the consumer cannot apply
/// them before it is back.
registry_actor spawn_registry(caf::actor_system& sys, state_machine_actor sm,
                              event_publisher_actor publisher,
                              health_monitor_actor monitor = health_monitor_actor{});

/// The DA layers of a coordinator: the primary always, the fallback layers when configured
/// (null handles otherwise), with their backend kinds for reports.
struct da_layer_set {
  da_actor primary;
  da_actor secondary;
  da_actor emergency;
  std::string primary_kind;
  std::string secondary_kind;
  std::string emergency_kind;

  /// The handle of one layer (null when not configured).
  const da_actor& of(da::da_layer l) const;
  /// The backend kind of one layer ("" when not configured).
  const std::string& kind_of(da::da_layer l) const;
};

/// Configuration of the health monitor. `thresholds.secondary_configured` and
/// `emergency_configured` are set from the layer set.
struct health_monitor_config {
  caf::timespan interval = defaults::health_interval;
  caf::timespan probe_timeout = defaults::health_probe_timeout;
  da::health_config thresholds{defaults::health_failure_threshold,
                               defaults::health_recovery_threshold,
                               defaults::health_warning_latency_ms};
  /// Probe at once after spawning (tests drive the first tick themselves).
  bool probe_at_start = true;
};
/// Validation of the monitor configuration: a description of the problem, or nothing.
std::optional<std::string> check(const health_monitor_config& cfg);
health_monitor_actor spawn_health_monitor(caf::actor_system& sys, health_monitor_config cfg,
                                          da_layer_set layers);

/// Configuration of the DA router.
struct da_router_config {
  /// Timeout of one submit to one layer.
  caf::timespan da_timeout = defaults::da_request_timeout;
  /// With a fallback layer (an outbox): how long a write waits for the primary before it goes
  /// to the outbox and the next layer (a late success on the primary is a duplicate that the
  /// state machine skips). 0 = derived: `health_interval` plus
  /// defaults::failover_latency_factor x the slowest of the last primary writes, the whole
  /// `da_timeout` until a write has succeeded; never above `da_timeout`.
  caf::timespan failover_deadline{0};
  /// The health monitor's probe interval (the coordinator sets it; 0 = no derived deadline).
  caf::timespan health_interval{0};
  /// Detached (its own thread) when it owns an outbox; false only for deterministic tests.
  bool detached = true;
};
/// `monitor` may be null (then every layer counts as up); `outbox` null means primary only:
/// a failed primary write is an error (the publisher retries it in order).
da_router_actor spawn_da_router(caf::actor_system& sys, da_router_config cfg, da_layer_set layers,
                                health_monitor_actor monitor, std::shared_ptr<da::outbox> outbox);

/// Configuration of the reconciliation engine.
struct reconciliation_config {
  uint64_t batch_size = defaults::reconcile_batch_size;  // >= 1
  uint32_t max_retries = defaults::reconcile_max_retries;
  caf::timespan retry_delay = defaults::reconcile_retry_delay;
  caf::timespan retry_delay_max = defaults::reconcile_retry_delay_max;
  uint32_t parallel = defaults::reconcile_parallel;  // publishers at once, >= 1
  size_t submit_bytes = defaults::reconcile_submit_bytes;
  caf::timespan da_timeout = defaults::da_request_timeout;
  size_t history = defaults::reconcile_history;
};
/// Validation: a description of the problem, or nothing.
std::optional<std::string> check(const reconciliation_config& cfg);
/// Subscribes to `monitor`; `consumer` (may be null) is woken after each replayed batch.
reconciliation_engine_actor spawn_reconciliation_engine(caf::actor_system& sys,
                                                        reconciliation_config cfg,
                                                        da_router_actor router, da_actor primary,
                                                        health_monitor_actor monitor,
                                                        da_consumer_actor consumer);

/// A detached helper replaying `primary` into a fresh state machine trusting `trusted`.
state_replayer_actor spawn_state_replayer(caf::actor_system& sys, da_actor primary,
                                          core::trusted_publishers trusted, bool detached = true);

/// What the consistency checker reads. `engine` may be null (no outbox).
struct consistency_checker_config {
  da_layer_set layers;
  state_machine_actor sm;
  da_consumer_actor consumer;
  da_router_actor router;
  reconciliation_engine_actor engine;
  core::trusted_publishers trusted;
  caf::timespan request_timeout = defaults::actor_request_timeout;
  caf::timespan replay_timeout = defaults::consistency_replay_timeout;
  uint64_t audit_limit = defaults::consistency_audit_limit;
  bool detached_replay = true;
};
consistency_checker_actor spawn_consistency_checker(caf::actor_system& sys,
                                                    consistency_checker_config cfg);

}  // namespace dsdn
