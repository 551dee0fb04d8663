#pragma once
// Spawn functions and configuration of every actor. Interfaces: interfaces.hpp.

#include <chrono>
#include <memory>

#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include "dsdn/actors/defaults.hpp"
#include "dsdn/actors/interfaces.hpp"
#include "dsdn/core/crypto.hpp"

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
/// `consumer` (may be null) is woken after every successful write.
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

/// The use-case actor.
registry_actor spawn_registry(caf::actor_system& sys, state_machine_actor sm,
                              event_publisher_actor publisher);

}  // namespace dsdn
