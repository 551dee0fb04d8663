#pragma once
// Every message the coordinator's actors exchange, in one place: the protocol of the whole
// system. One comment per message. Errors travel as caf::error with category "dsdn" (see
// dsdn::ec below); requests always carry a finite timeout and an error handler.
//
//   registry --write--> event_publisher --submit--> da_router --> primary da (detached)
//      |  ^                                              |    \          ^ read
//      |  |                                outbox (SQLite)   +--> secondary / emergency da
//      |  |                                              ^               |
//      |  |                  reconciliation_engine ------+--replay--> primary    da_consumer
//      |  +---------- await_applied ---- state_machine <------ apply --------------+
//      +--- queries ------------------------^     ^--- state_rebuilder (startup replay)
//   health_monitor --probes--> every da; --status--> da_router, reconciliation_engine
//   consistency_checker --> router (outbox), primary, state_machine, state_replayer

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/make_message.hpp>
#include <caf/replies_to.hpp>
#include <caf/type_id.hpp>
#include <caf/typed_actor.hpp>

#include "dsdn/core/codec.hpp"
#include "dsdn/core/events.hpp"
#include "dsdn/core/scheduler.hpp"
#include "dsdn/core/state_machine.hpp"
#include "dsdn/da/da_backend.hpp"
#include "dsdn/da/health_tracker.hpp"
#include "dsdn/da/outbox.hpp"

namespace dsdn {

/// Error codes of the coordinator (category atom "dsdn").
enum class ec : uint8_t {
  no_error = 0,
  not_ready,         // still rebuilding; writes refused (HTTP 503)
  invalid_argument,  // a field breaks a rule (HTTP 400); context: field, message
  not_found,         // unknown node/object (HTTP 404); context: field, message
  conflict,          // conflicts with existing state (HTTP 409); context: field, message
  da_unavailable,    // the DA layer refused or failed a write or read (HTTP 503)
  shutting_down,     // the coordinator is stopping (HTTP 503)
  internal,          // a bug or an impossible state (HTTP 500)
};

/// "not_ready", "invalid_argument", ...
const char* to_string(ec code);

}  // namespace dsdn

CAF_ERROR_CODE_ENUM(dsdn::ec, "dsdn")

namespace dsdn {

/// Builds a dsdn error carrying the offending field (may be empty) and a message.
caf::error make_dsdn_error(ec code, std::string field, std::string message);
/// Maps a state-machine rejection to its error.
caf::error make_rejection(const core::event_outcome& outcome);
/// The (field, message) context of a dsdn error; empty strings for other errors.
std::pair<std::string, std::string> error_details(const caf::error& err);

/// Where a published event ended up: its blob's identity and the DA height that holds it.
struct write_ack {
  core::public_key publisher{};
  uint64_t epoch = 0;
  uint64_t sequence = 0;
  uint32_t event_index = 0;
  uint64_t height = 0;  // the primary height; 0 when pending_primary
  /// The blob is durable in the outbox and on a fallback layer; it is applied once the
  /// reconciliation engine has replayed it to the primary.
  bool pending_primary = false;
};

/// How long a write waits: until applied by the state machine (read-your-writes), or only
/// until the blob is durable on DA.
enum class write_mode : uint8_t { applied = 0, durable = 1 };

/// The answer to a write: the height of the blob holding it, and whether it was applied
/// (false for wait=durable).
struct write_result {
  uint64_t height = 0;
  bool applied = false;
  /// The write went to a fallback layer (HTTP 202 pending_primary); height is 0.
  bool pending_primary = false;
};

/// A decoded blob with its place in the primary DA's order.
struct positioned_blob {
  core::event_blob blob;
  core::da_position position;
};

/// A summary of the state machine for /system/info, the rebuilder and logs.
struct state_status {
  uint64_t applied_height = 0;
  std::string checksum_hex;
  core::state_counters counters;
  uint64_t node_count = 0;
  uint64_t object_count = 0;
  uint64_t gap_count = 0;
};

/// What the startup replay found.
struct rebuild_report {
  uint64_t head_height = 0;
  uint64_t blobs = 0;
  uint64_t events = 0;
  double seconds = 0;
  state_status status;
  core::publisher_cursor own_cursor;  // epoch 0 when our key never published
};

/// Progress of the DA consumer.
struct consumer_status {
  uint64_t next_height = 1;  // the first height not yet read
  uint64_t blobs_read = 0;
  uint64_t blobs_undecodable = 0;
  uint64_t read_errors = 0;
};

/// Counters of one DA layer, for /da/metrics and /metrics.
struct da_metrics {
  std::string layer;  // "memory", "sqlite", ...
  uint64_t post_count = 0;
  uint64_t get_count = 0;
  uint64_t error_count = 0;
  uint64_t health_check_count = 0;
  uint64_t retry_count = 0;
  uint64_t bytes_posted = 0;
  uint64_t avg_post_latency_us = 0;
  uint64_t avg_get_latency_us = 0;
};

/// Progress of the event publisher.
struct publisher_status {
  bool accepting = false;
  uint64_t epoch = 0;
  uint64_t next_sequence = 1;
  uint64_t queued_events = 0;  // waiting for the next blob
  uint64_t blobs_written = 0;
  uint64_t events_written = 0;
  uint64_t write_failures = 0;
  bool blob_in_flight = false;
};

/// Where the da_router put a blob list.
struct routed_receipt {
  da::submit_receipt receipt;    // from the layer that holds the blobs (its height, commitments)
  std::string layer;             // "primary", "secondary", "emergency" or "outbox" (outbox only)
  std::string kind;              // that layer's backend kind: "memory", "sqlite", ...
  bool pending_primary = false;  // queued in the outbox; reaches the primary by reconciliation
};

/// One DA layer as the health monitor sees it.
struct layer_status {
  std::string layer;  // "primary", "secondary", "emergency"
  std::string kind;   // backend kind; empty when not configured
  bool configured = false;
  bool up = false;
  uint32_t consecutive_failures = 0;
  uint64_t probes = 0;
  uint64_t failures = 0;
  uint64_t last_latency_ms = 0;
  std::string last_error;
};

/// The health monitor's view: the five-state status, the layers and the routing decision.
struct health_snapshot {
  da::da_status status = da::da_status::healthy;
  bool unavailable = false;          // every layer down
  std::string word;                  // "healthy" .. "recovering", or "unavailable"
  std::vector<layer_status> layers;  // primary, secondary, emergency (always three)
  da::routing_decision routing;
  std::optional<std::string> fallback_reason;
  std::optional<uint64_t> last_fallback_at_ms;
  uint64_t since_ms = 0;  // when the current status began (Unix ms)
  uint64_t outbox_size = 0;
  std::vector<da::status_transition> transitions;  // oldest first, bounded

  /// The state of one layer (a default, unconfigured one before the first snapshot).
  const layer_status& of(da::da_layer l) const;
};

/// Write counters of one layer, kept by the da_router.
struct layer_metrics {
  std::string layer;
  std::string kind;
  bool configured = false;
  uint64_t post_count = 0;
  uint64_t error_count = 0;
  uint64_t blobs_posted = 0;
  uint64_t bytes_posted = 0;
  uint64_t avg_post_latency_us = 0;
  uint64_t last_post_latency_us = 0;
  std::string last_error;
};

/// The da_router's counters and its outbox.
struct router_status {
  bool fallback_enabled = false;      // an outbox and at least one route besides the primary
  std::vector<layer_metrics> layers;  // primary, secondary, emergency
  uint64_t writes_direct = 0;         // acknowledged by the primary
  uint64_t writes_pending = 0;        // acknowledged pending_primary
  uint64_t writes_refused = 0;        // outbox over its cap
  uint64_t writes_failed = 0;         // every layer failed
  uint64_t outbox_entries = 0;
  uint64_t outbox_bytes = 0;
  uint64_t outbox_max_entries = 0;
  uint64_t outbox_max_bytes = 0;
  std::string last_outbox_error;
};

/// An outbox entry with the SHA-256 of its bytes (for the consistency check).
struct outbox_audit_item {
  da::outbox_info info;
  core::sha256_digest content{};
};

/// One blob the reconciliation engine replayed to the primary.
struct reconciled_blob {
  uint64_t outbox_id = 0;
  core::public_key publisher{};
  uint64_t epoch = 0;
  uint64_t sequence = 0;
  uint64_t primary_height = 0;
  da::commitment primary_commitment{};
  core::sha256_digest content{};
  uint64_t at_ms = 0;
};

/// What one reconciliation round did (the shape of /fallback/reconcile).
struct reconcile_report {
  bool success = true;
  uint64_t blobs_processed = 0;
  uint64_t blobs_reconciled = 0;
  uint64_t blobs_failed = 0;
  uint64_t duration_ms = 0;
  std::vector<std::string> errors;
  bool primary_unhealthy = false;  // nothing attempted: the primary is down (HTTP 500)
  uint64_t publishers = 0;         // publishers drained in this round (concurrently)
  uint64_t remaining = 0;          // outbox entries after the round
};

/// The reconciliation engine's progress.
struct reconcile_status {
  bool draining = false;  // a round is running or scheduled
  uint64_t rounds = 0;
  uint64_t reconciled_total = 0;
  uint64_t failed_attempts_total = 0;
  uint32_t failed_rounds_in_a_row = 0;
  std::optional<reconcile_report> last;
  std::vector<reconciled_blob> recent;  // newest last, bounded
};

/// A fresh replay of the primary into an empty state machine.
struct replay_result {
  uint64_t up_to_height = 0;
  uint64_t applied_height = 0;
  uint64_t blobs_read = 0;
  std::string checksum_hex;
};

/// The read-only consistency check (the shape of /fallback/consistency).
struct consistency_report {
  bool is_consistent = true;
  uint64_t items_verified = 0;
  std::vector<std::string> details;     // one per inconsistency
  std::vector<std::string> unverified;  // checks that could not run to completion
  uint64_t verified_at_ms = 0;
  bool have_head = false;
  uint64_t da_head = 0;
  uint64_t consumer_next_height = 0;
  uint64_t applied_height = 0;
  uint64_t gap_count = 0;
  uint64_t blobs_rejected = 0;
  std::string live_checksum;
  std::string rebuilt_checksum;  // empty when the replay did not finish
  uint64_t pending_checked = 0;
  uint64_t reconciled_checked = 0;
};

using node_list = std::vector<core::node_info>;
using id_list = std::vector<std::string>;
using blob_list = std::vector<da::blob_bytes>;
using stored_blob_list = std::vector<da::stored_blob>;
using positioned_blob_list = std::vector<positioned_blob>;
using outbox_info_list = std::vector<da::outbox_info>;
/// Oldest-first entries of one publisher each, for one reconciliation round.
using outbox_batch_list = std::vector<std::vector<da::outbox_entry>>;
using outbox_audit_list = std::vector<outbox_audit_item>;
using id_vector = std::vector<uint64_t>;

}  // namespace dsdn

// Local-only message types: they never cross the network (the committee's wire types, when
// they come, get `inspect` overloads and type IDs instead).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::core::event)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::core::node_registered)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::core::node_unregistered)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::core::zone_assigned)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::core::zone_unassigned)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::core::object_registered)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::core::object_removed)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::core::replica_added)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::core::replica_marked_missing)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::core::replica_healed)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::core::scheduler_weights_updated)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::core::event_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::core::node_info)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::core::object_info)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::core::scheduler_weights)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::core::node_stats)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::core::workload)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::core::publisher_cursor)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::core::public_key)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::da::submit_receipt)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::write_ack)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::write_mode)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::write_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::state_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::rebuild_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::consumer_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::publisher_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::da_metrics)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::node_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::id_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::blob_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::stored_blob_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::positioned_blob_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::routed_receipt)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::health_snapshot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::router_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::reconcile_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::reconcile_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::replay_result)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::consistency_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::outbox_info_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::outbox_batch_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::outbox_audit_list)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::da::da_layer)

// The project-wide atom list: one place, so collisions (atoms are identified by their text,
// at most 10 characters) are visible.
CAF_BEGIN_TYPE_ID_BLOCK(dsdn, caf::first_custom_type_id)
CAF_ADD_ATOM(dsdn, dsdn::atom, submit, "submit")
CAF_ADD_ATOM(dsdn, dsdn::atom, read, "read")
CAF_ADD_ATOM(dsdn, dsdn::atom, head, "head")
CAF_ADD_ATOM(dsdn, dsdn::atom, apply, "apply")
CAF_ADD_ATOM(dsdn, dsdn::atom, rejected, "rejected")
CAF_ADD_ATOM(dsdn, dsdn::atom, check, "check")
CAF_ADD_ATOM(dsdn, dsdn::atom, await, "await")
CAF_ADD_ATOM(dsdn, dsdn::atom, node, "node")
CAF_ADD_ATOM(dsdn, dsdn::atom, nodes, "nodes")
CAF_ADD_ATOM(dsdn, dsdn::atom, object, "object")
CAF_ADD_ATOM(dsdn, dsdn::atom, weights, "weights")
CAF_ADD_ATOM(dsdn, dsdn::atom, cursor, "cursor")
CAF_ADD_ATOM(dsdn, dsdn::atom, status, "status")
CAF_ADD_ATOM(dsdn, dsdn::atom, placement, "placement")
CAF_ADD_ATOM(dsdn, dsdn::atom, schedule, "schedule")
CAF_ADD_ATOM(dsdn, dsdn::atom, stats, "stats")
CAF_ADD_ATOM(dsdn, dsdn::atom, publish, "publish")
CAF_ADD_ATOM(dsdn, dsdn::atom, write, "write")
CAF_ADD_ATOM(dsdn, dsdn::atom, flush, "flush")
CAF_ADD_ATOM(dsdn, dsdn::atom, start, "start")
CAF_ADD_ATOM(dsdn, dsdn::atom, tick, "tick")
CAF_ADD_ATOM(dsdn, dsdn::atom, wake, "wake")
CAF_ADD_ATOM(dsdn, dsdn::atom, sync, "sync")
CAF_ADD_ATOM(dsdn, dsdn::atom, rebuild, "rebuild")
CAF_ADD_ATOM(dsdn, dsdn::atom, retry, "retry")
CAF_ADD_ATOM(dsdn, dsdn::atom, health, "health")
CAF_ADD_ATOM(dsdn, dsdn::atom, subscribe, "subscribe")
CAF_ADD_ATOM(dsdn, dsdn::atom, outcome, "outcome")
CAF_ADD_ATOM(dsdn, dsdn::atom, outbox, "outbox")
CAF_ADD_ATOM(dsdn, dsdn::atom, pending, "pending")
CAF_ADD_ATOM(dsdn, dsdn::atom, batch, "batch")
CAF_ADD_ATOM(dsdn, dsdn::atom, confirm, "confirm")
CAF_ADD_ATOM(dsdn, dsdn::atom, attempt, "attempt")
CAF_ADD_ATOM(dsdn, dsdn::atom, audit, "audit")
CAF_ADD_ATOM(dsdn, dsdn::atom, reconcile, "reconcile")
CAF_ADD_ATOM(dsdn, dsdn::atom, verify, "verify")
CAF_ADD_ATOM(dsdn, dsdn::atom, replay, "replay")
CAF_END_TYPE_ID_BLOCK(dsdn)

namespace dsdn {

/// A DA layer wrapped in a detached actor (its backend blocks).
using da_actor = caf::typed_actor<
    // Stores the blobs at one new height; replies once durable. Errors: da_unavailable.
    caf::replies_to<atom::submit, blob_list>::with<da::submit_receipt>,
    // Blobs in heights [from, to], at most `max_blobs` but never splitting a height.
    caf::replies_to<atom::read, uint64_t, uint64_t, uint64_t>::with<stored_blob_list>,
    // The highest height holding blobs (0 when empty).
    caf::replies_to<atom::head>::with<uint64_t>,
    // Liveness probe of the backend (true when healthy).
    caf::replies_to<atom::health>::with<bool>,
    // Operation counters and latencies.
    caf::replies_to<atom::status>::with<da_metrics>>;

/// Owns the derived state (core::state_machine); applies blobs and answers queries.
using state_machine_actor = caf::typed_actor<
    // Applies decoded blobs in primary order; replies with the applied height.
    caf::replies_to<atom::apply, positioned_blob_list>::with<uint64_t>,
    // Counts blobs that failed to decode or verify (rejected whole).
    caf::reacts_to<atom::rejected, uint64_t>,
    // Validates an event against current state without applying it.
    caf::replies_to<atom::check, core::event>::with<core::event_outcome>,
    // Replies once the given blob of our own publisher is applied, with the event's outcome.
    caf::replies_to<atom::await, uint64_t, uint64_t, uint32_t>::with<core::event_outcome>,
    // One node; error not_found.
    caf::replies_to<atom::node, std::string>::with<core::node_info>,
    // All nodes, sorted by id.
    caf::replies_to<atom::nodes>::with<node_list>,
    // One object; error not_found.
    caf::replies_to<atom::object, std::string>::with<core::object_info>,
    // Current scheduler weights.
    caf::replies_to<atom::weights>::with<core::scheduler_weights>,
    // The last applied (epoch, sequence) of a publisher (epoch 0 when never seen).
    caf::replies_to<atom::cursor, core::public_key>::with<core::publisher_cursor>,
    // Up to rf node ids for an object hash, zone-diverse first.
    caf::replies_to<atom::placement, std::string, uint64_t>::with<id_list>,
    // Summary: height, checksum, counters.
    caf::replies_to<atom::status>::with<state_status>>;

/// Batches events into signed blobs (group commit) and writes them to DA in order.
using event_publisher_actor = caf::typed_actor<
    // Queues an event; replies once its blob is durable on DA. Errors: not_ready before
    // start, da_unavailable when the blob's write failed (it is retried; it may still land).
    caf::replies_to<atom::publish, core::event>::with<write_ack>,
    // Begins accepting writes in `epoch` (after the rebuild said where the last one ended).
    caf::reacts_to<atom::start, uint64_t>,
    // Seals and writes everything queued; replies when nothing is queued or in flight.
    caf::replies_to<atom::flush>::with<uint64_t>,
    // Group-commit timer.
    caf::reacts_to<atom::tick>,
    // Re-attempts the blob whose DA write failed.
    caf::reacts_to<atom::retry>,
    // Counters and position.
    caf::replies_to<atom::status>::with<publisher_status>>;

/// Reads primary DA in order, decodes and verifies blobs, feeds the state machine.
using da_consumer_actor = caf::typed_actor<
    // Follows the DA from `next_height` on: polls, and reads at once when woken.
    caf::reacts_to<atom::start, uint64_t>,
    // New data is probably there (the publisher just wrote).
    caf::reacts_to<atom::wake>,
    // Poll timer.
    caf::reacts_to<atom::tick>,
    // Reads and applies everything up to `height`; replies with the next height to read.
    caf::replies_to<atom::sync, uint64_t>::with<uint64_t>,
    // Progress counters.
    caf::replies_to<atom::status>::with<consumer_status>>;

/// Replays the DA into the state machine at startup.
using state_rebuilder_actor = caf::typed_actor<
    // Replays everything on DA; replies with what it found (checksum, our last cursor).
    caf::replies_to<atom::rebuild>::with<rebuild_report>,
    // Progress log timer.
    caf::reacts_to<atom::tick>,
    // Backoff timer: asks the primary for its head again (it was unreachable).
    caf::reacts_to<atom::retry>>;

/// The use cases: validates requests, turns them into events, answers after they applied.
/// Also owns soft state (node runtime stats), which is telemetry, not events.
using registry_actor = caf::typed_actor<
    // Registers (or re-registers) a storage node.
    caf::replies_to<atom::write, write_mode, core::node_registered>::with<write_result>,
    // Removes a storage node.
    caf::replies_to<atom::write, write_mode, core::node_unregistered>::with<write_result>,
    // Moves a node into a zone.
    caf::replies_to<atom::write, write_mode, core::zone_assigned>::with<write_result>,
    // Takes a node out of its zone.
    caf::replies_to<atom::write, write_mode, core::zone_unassigned>::with<write_result>,
    // Registers an object.
    caf::replies_to<atom::write, write_mode, core::object_registered>::with<write_result>,
    // Removes an object.
    caf::replies_to<atom::write, write_mode, core::object_removed>::with<write_result>,
    // Records a new replica.
    caf::replies_to<atom::write, write_mode, core::replica_added>::with<write_result>,
    // Marks a replica missing.
    caf::replies_to<atom::write, write_mode, core::replica_marked_missing>::with<write_result>,
    // Marks a replica healed.
    caf::replies_to<atom::write, write_mode, core::replica_healed>::with<write_result>,
    // Updates (some of) the scheduler weights.
    caf::replies_to<atom::write, write_mode, core::scheduler_weights_updated>::with<write_result>,
    // All nodes, sorted by id.
    caf::replies_to<atom::nodes>::with<node_list>,
    // One node; error not_found.
    caf::replies_to<atom::node, std::string>::with<core::node_info>,
    // One object; error not_found.
    caf::replies_to<atom::object, std::string>::with<core::object_info>,
    // Placement for an object hash with replication factor rf (1..64).
    caf::replies_to<atom::placement, std::string, uint64_t>::with<id_list>,
    // Picks a node for a workload; error not_found when none qualifies.
    caf::replies_to<atom::schedule, core::workload>::with<std::string>,
    // Current scheduler weights.
    caf::replies_to<atom::weights>::with<core::scheduler_weights>,
    // Sets a node's runtime stats (node must be registered).
    caf::replies_to<atom::stats, std::string, core::node_stats>::with<bool>,
    // A node's runtime stats; error not_found when it never reported.
    caf::replies_to<atom::stats, std::string>::with<core::node_stats>,
    // The health monitor's new status: a primary down answers writes still waiting to be
    // applied (durable, so 202 with their height).
    caf::reacts_to<atom::health, health_snapshot>>;

/// Receives the health monitor's status whenever it changes (and once on subscribing).
using da_status_listener_actor = caf::typed_actor<
    // The new status.
    caf::reacts_to<atom::health, health_snapshot>>;

/// Probes every DA layer periodically and owns the five-state status (da::health_tracker).
using health_monitor_actor = caf::typed_actor<
    // Probe timer: probes each configured layer (atom::health, with a timeout).
    caf::reacts_to<atom::tick>,
    // An outcome observed elsewhere (the router's failed primary write): counted like a probe.
    caf::reacts_to<atom::outcome, da::da_layer, bool, uint64_t, std::string>,
    // The current number of outbox entries (Recovering until it is 0).
    caf::reacts_to<atom::outbox, uint64_t>,
    // Adds a listener; it gets the current snapshot at once and every change after.
    caf::reacts_to<atom::subscribe, da_status_listener_actor>,
    // The current snapshot.
    caf::replies_to<atom::status>::with<health_snapshot>>;

/// Sends blobs to the primary while it is healthy, else to the outbox and a fallback layer.
/// Owns the outbox (SQLite): detached when it has one.
using da_router_actor = caf::typed_actor<
    // Stores the blobs; replies with where. Errors: da_unavailable (field "outbox" when the
    // outbox is over its cap, "" when every layer failed).
    caf::replies_to<atom::submit, blob_list>::with<routed_receipt>,
    // The health monitor's new status.
    caf::reacts_to<atom::health, health_snapshot>,
    // Queued entries without bytes, oldest first, at most `limit` (/fallback/pending).
    caf::replies_to<atom::pending, uint64_t>::with<outbox_info_list>,
    // For a reconciliation round: up to `size` oldest entries of each of up to `publishers`
    // publishers (ordered by their oldest entry).
    caf::replies_to<atom::batch, uint64_t, uint64_t>::with<outbox_batch_list>,
    // Removes entries the primary confirmed; replies with the entries left.
    caf::replies_to<atom::confirm, id_vector>::with<uint64_t>,
    // Records a failed replay attempt of these entries; replies with how many were marked.
    caf::replies_to<atom::attempt, id_vector, std::string>::with<uint64_t>,
    // Up to `limit` oldest entries with the SHA-256 of their bytes (consistency check).
    caf::replies_to<atom::audit, uint64_t>::with<outbox_audit_list>,
    // Per-layer write counters and the outbox size.
    caf::replies_to<atom::status>::with<router_status>>;

/// Replays the outbox to the primary in order, in batches, when the primary is back.
using reconciliation_engine_actor = caf::typed_actor<
    // The health monitor's new status (Recovering starts draining).
    caf::reacts_to<atom::health, health_snapshot>,
    // Runs one round now (or joins the running one) and replies with its report.
    caf::replies_to<atom::reconcile>::with<reconcile_report>,
    // Backoff timer of a failed group (token) or of the next round (0).
    caf::reacts_to<atom::retry, uint64_t>,
    // Progress and the recently reconciled blobs.
    caf::replies_to<atom::status>::with<reconcile_status>>;

/// A short-lived detached helper: replays the primary into a fresh state machine.
using state_replayer_actor = caf::typed_actor<
    // Replays heights 1..h; replies with the resulting checksum, then terminates.
    caf::replies_to<atom::replay, uint64_t>::with<replay_result>>;

/// The read-only check behind /fallback/consistency.
using consistency_checker_actor = caf::typed_actor<
    // Verifies outbox, primary, and live state against a fresh rebuild.
    caf::replies_to<atom::verify>::with<consistency_report>>;

}  // namespace dsdn

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(dsdn::da_status_listener_actor)
