#pragma once
// Every tunable default of the actor layer, named once.

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace dsdn::defaults {

using namespace std::chrono_literals;

/// Events per blob. 512 x the largest encodable event (~3.1 KB) stays under the 2 MiB blob
/// limit, so a blob can never be too large to submit.
inline constexpr size_t max_events_per_blob = 512;
/// Group-commit window: an event waits at most this long for companions.
inline constexpr auto flush_interval = 2ms;
/// Events queued (not yet sealed) beyond which writes are refused (backpressure).
inline constexpr size_t max_queued_events = 200000;
/// Retry backoff for a failed DA write: doubles from min to max.
inline constexpr auto da_retry_min = 50ms;
inline constexpr auto da_retry_max = 5s;
/// Timeout of one DA request (submit, read, head).
inline constexpr auto da_request_timeout = 60s;
/// How often the consumer polls DA for blobs of other publishers.
inline constexpr auto consumer_poll_interval = 100ms;
/// Blobs per consumer read (whole heights are never split).
inline constexpr uint64_t consumer_read_blobs = 256;
/// Timeout for requests between local actors.
inline constexpr auto actor_request_timeout = 30s;
/// Timeout a write waits to be applied after it is durable.
inline constexpr auto apply_wait_timeout = 60s;
/// Gap buffer: blobs held while a publisher's earlier blob is missing.
inline constexpr size_t max_held_blobs = 4096;
/// Rejected outcomes of our own recent blobs kept for late `await` requests.
inline constexpr size_t own_outcome_history = 65536;
/// Rebuild progress log interval.
inline constexpr auto rebuild_progress_interval = 2s;
/// Upper bound for the whole startup replay.
inline constexpr auto rebuild_timeout =
    std::chrono::seconds(6 * 3600);  // caf::duration has no hours
/// Backoff while the primary is unreachable at startup: doubles from min to max, until the
/// rebuild timeout.
inline constexpr auto rebuild_retry_min = 100ms;
inline constexpr auto rebuild_retry_max = 5s;
/// Grace period for flushing pending events at shutdown.
inline constexpr auto shutdown_flush_timeout = 10s;

// DA fallback (health monitor, router, outbox, reconciliation).

/// How often the health monitor probes every layer.
inline constexpr auto health_interval = 5s;
/// Timeout of one probe. A layer's actor is busy during a long submit, so this is generous.
inline constexpr auto health_probe_timeout = 10s;
/// Failed probes in a row that take an up layer down.
inline constexpr uint32_t health_failure_threshold = 3;
/// Successful probes in a row that bring a down layer up.
inline constexpr uint32_t health_recovery_threshold = 2;
/// A primary probe slower than this turns the status to Warning.
inline constexpr uint64_t health_warning_latency_ms = 2000;
/// A routed write may try the primary, two fallback layers and the outbox: the publisher's
/// request to the router is bounded by this many DA timeouts.
inline constexpr int routed_write_timeout_factor = 4;
/// The derived failover deadline of a routed primary write (da_router_config): the health
/// interval plus this many times the slowest of the last `failover_latency_samples` primary
/// writes (margin for a slow block without failing over a healthy primary).
inline constexpr int failover_latency_factor = 2;
inline constexpr size_t failover_latency_samples = 32;
/// Outbox cap (entries and bytes) past which writes are refused (HTTP 503).
inline constexpr size_t outbox_max_entries = 100000;
inline constexpr uint64_t outbox_max_bytes = uint64_t{1} << 30;
/// Outbox entries per publisher per reconciliation round.
inline constexpr uint64_t reconcile_batch_size = 10;
/// Retries of a failed replay submit within a round (then the round reports it failed).
inline constexpr uint32_t reconcile_max_retries = 3;
/// First retry delay; doubles per retry up to reconcile_retry_delay_max.
inline constexpr auto reconcile_retry_delay = 1000ms;
inline constexpr auto reconcile_retry_delay_max = 60s;
/// Publishers drained at once (1 = one after the other; the CLI's flag selects the other).
inline constexpr uint32_t reconcile_parallel = 1;
inline constexpr uint32_t reconcile_parallel_on = 4;
/// Bytes per replay submit to the primary (a batch is split; one blob always fits).
inline constexpr size_t reconcile_submit_bytes = 2 * 1024 * 1024;
/// Reconciled blobs remembered for the consistency check.
inline constexpr size_t reconcile_history = 256;
/// /fallback/pending lists at most this many entries.
inline constexpr uint64_t pending_list_limit = 1000;
/// The consistency check verifies at most this many outbox entries.
inline constexpr uint64_t consistency_audit_limit = 256;
/// The consistency check's fresh rebuild must finish within this (the HTTP timeout is 60 s).
inline constexpr auto consistency_replay_timeout = 45s;
/// Blobs per read while replaying.
inline constexpr uint64_t replay_read_blobs = 1024;

}  // namespace dsdn::defaults
