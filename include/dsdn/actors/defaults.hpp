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
/// Grace period for flushing pending events at shutdown.
inline constexpr auto shutdown_flush_timeout = 10s;

}  // namespace dsdn::defaults
