#pragma once
// The status machine of the DA system: pure and deterministic (time is a parameter, there is
// no clock inside). The health_monitor actor feeds it probe results (the da_router may feed
// write outcomes the same way) and the outbox size; the da_router asks it where writes go.
//
// Layers. Each configured layer (primary, secondary, emergency) is up or down, with
// hysteresis: an up layer goes down after `failure_threshold` consecutive failed probes, a
// down layer comes up after `recovery_threshold` consecutive successful ones. A flapping layer
// (fail, ok, fail, ok, ...) therefore keeps its state instead of bouncing per probe. Configured
// layers start up (optimistic, like the original); unconfigured ones are always down.
//
// Overall status, a function of P, S, E (layers up), Q (outbox entries) and the primary's
// streak of clean probes:
//
//   unavailable = !P && !S && !E                      (flag; the status then reads Emergency)
//   status      = P  ? (Q > 0      ? Recovering
//                       : clean < R ? Warning
//                       :             Healthy)
//               : S  ? Degraded
//               :      Emergency
//
// where clean = the primary's latest probes in a row that succeeded within warning_latency_ms
// (a failure or a slow success resets it to 0; it starts at R) and R = recovery_threshold. So a
// healthy primary turns Warning on its first failed or slow probe, and Healthy again only after
// R clean probes in a row: a primary flapping below the failure threshold stays in Warning
// instead of bouncing between Warning and Healthy.
//
//                a primary probe fails (fewer than failure_threshold in a row)
//                or succeeds slower than warning_latency_ms
//    +---------+ ----------------------------------------------> +---------+
//    | Healthy |                                                  | Warning |
//    +---------+ <---------------------------------------------- +---------+
//     |  ^  |     recovery_threshold primary probes in a row succeed  |
//     |  |  |     in time                                             |
//     |  |  |                                                         |
//     |  |  |   failure_threshold primary failures in a row           |
//     |  |  +------------------------+--------------------------------+
//     |  |                           | S up                 S down (E up)
//     |  |                           v                      v
//     |  |   P up, Q == 0      +----------+   S down   +-----------+
//     |  +<------------------- | Degraded | ---------> | Emergency | --> P up, Q == 0:
//     |  |                     +----------+ <--------- +-----------+     Healthy/Warning
//     |  |                          |   ^      S up       |   ^
//     |  |          P up, Q > 0     v   | P down, S up    |   | P down, S down
//     |  |                     +------------+  P up, Q > 0 |   |
//     |  |                     |            | <-----------+   |
//     |  +-------------------- | Recovering | ------------------+
//     |        Q reaches 0     +------------+
//     |                              ^
//     +------------------------------+
//        Q > 0 while P is up, from Healthy or Warning (a primary write failed and the blob
//        went to the outbox)
//
//   "P up" / "P down" are the hysteresis flips: recovery_threshold successes / failure_threshold
//   failures in a row. Any state -> Unavailable when P, S and E are all down; back to the
//   derived state as soon as one layer is up again.
//
// Routing (routing()): Healthy, Warning -> primary directly. Degraded -> secondary,
// Emergency -> emergency, both via the outbox (the blob is appended there and replayed to the
// primary later). Recovering -> via the outbox, so new blobs queue behind the backlog; the
// safekeeping copy goes to secondary if up, else emergency if up, else nowhere (target primary:
// the outbox alone holds it until the reconciliation engine publishes it). Unavailable -> none.
//
// Every status change is recorded (from, to, reason, time) in a bounded history. The fallback
// reason is set on entering Degraded, Emergency, Recovering or Unavailable and cleared on
// reaching Healthy or Warning; last_fallback_at_ms stamps each entry into the fallback path.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

namespace dsdn::da {

/// The DA layers, in failover order.
enum class da_layer : uint8_t { primary = 0, secondary = 1, emergency = 2 };
/// "primary", "secondary", "emergency".
const char* to_string(da_layer l);

/// The overall status: exactly the five states of the design.
enum class da_status : uint8_t { healthy, warning, degraded, emergency, recovering };
/// "healthy", "warning", "degraded", "emergency", "recovering".
const char* to_string(da_status s);

/// Where a write goes now.
enum class write_target : uint8_t { primary, secondary, emergency, none };
/// "primary", "secondary", "emergency", "none".
const char* to_string(write_target t);

/// The da_router's instruction for the next write.
struct routing_decision {
  /// The layer that takes the blob (or its safekeeping copy) now; `none` refuses the write.
  write_target target = write_target::primary;
  /// The blob goes into the outbox first and reaches the primary through reconciliation.
  bool via_outbox = false;
};

/// Thresholds and the configured layers.
struct health_config {
  uint32_t failure_threshold = 3;      // consecutive failures that take an up layer down (>= 1)
  uint32_t recovery_threshold = 2;     // consecutive successes that bring a down layer up, and
                                       // clean primary probes that end Warning (>= 1)
  uint64_t warning_latency_ms = 2000;  // a successful primary probe slower than this: Warning
  bool secondary_configured = false;
  bool emergency_configured = false;
  size_t history_size = 32;  // status transitions kept (>= 1)
};

/// One probe (or write) outcome.
struct probe_result {
  bool ok = false;
  uint64_t latency_ms = 0;
  std::string error;  // what failed (when !ok)
};

/// What the tracker knows about one layer.
struct layer_health {
  bool configured = false;
  bool up = false;
  uint32_t consecutive_failures = 0;
  uint32_t consecutive_successes = 0;
  uint64_t probes = 0;    // total results recorded
  uint64_t failures = 0;  // total failed results
  uint64_t last_latency_ms = 0;
  std::optional<uint64_t> last_probe_at_ms;
  std::string last_error;                 // of the latest failure, kept after recovery
  std::optional<uint64_t> changed_at_ms;  // the latest up/down flip
};

/// One change of the overall status.
struct status_transition {
  da_status from = da_status::healthy;
  bool from_unavailable = false;
  da_status to = da_status::healthy;
  bool to_unavailable = false;
  uint64_t at_ms = 0;
  std::string reason;
};

/// The DA status machine (see the diagram above). Not thread-safe: one actor owns it.
class health_tracker {
 public:
  /// A tracker whose configured layers are all up and whose outbox is empty (Healthy) at
  /// `now_ms`. Thresholds and history_size of 0 are raised to 1 (check() reports them).
  explicit health_tracker(health_config config = {}, uint64_t now_ms = 0);

  /// A description of what is wrong with `config`, or nothing when it is valid.
  static std::optional<std::string> check(const health_config& config);

  /// Records one result for `layer` at `now_ms`. Results for unconfigured layers are ignored
  /// (returns false). Returns true when the overall status (or the unavailable flag) changed.
  bool record_probe(da_layer layer, const probe_result& result, uint64_t now_ms);
  /// Records the current number of outbox entries. Returns true when the status changed.
  bool set_outbox_size(size_t entries, uint64_t now_ms);

  /// The overall status (Emergency while unavailable()).
  da_status status() const { return status_; }
  /// True when every layer is down: writes are refused.
  bool unavailable() const { return unavailable_; }
  /// The /health vocabulary: "unavailable" or to_string(status()).
  const char* status_word() const;
  /// Where writes go now (see the header comment).
  routing_decision routing() const;
  /// Writes go through the outbox to a fallback layer (Degraded, Emergency, Recovering).
  bool fallback_active() const { return routing().via_outbox; }
  /// Why the system is on the fallback path; nothing when Healthy or Warning.
  const std::optional<std::string>& fallback_reason() const { return fallback_reason_; }
  /// The latest time the system entered the fallback path; nothing if it never did.
  std::optional<uint64_t> last_fallback_at_ms() const { return last_fallback_at_ms_; }
  /// When the current status began.
  uint64_t status_since_ms() const { return since_ms_; }
  /// The state of one layer.
  const layer_health& layer(da_layer l) const { return layers_[static_cast<size_t>(l)]; }
  /// The latest status changes, oldest first (at most config().history_size).
  const std::deque<status_transition>& transitions() const { return history_; }
  /// The outbox size last recorded.
  size_t outbox_size() const { return outbox_size_; }
  /// The effective configuration.
  const health_config& config() const { return config_; }

 private:
  std::string explain() const;
  bool reevaluate(uint64_t now_ms);

  health_config config_;
  layer_health layers_[3];
  uint32_t primary_clean_ = 0;  // primary probes in a row that succeeded in time
  size_t outbox_size_ = 0;
  da_status status_ = da_status::healthy;
  bool unavailable_ = false;
  uint64_t since_ms_ = 0;
  std::optional<std::string> fallback_reason_;
  std::optional<uint64_t> last_fallback_at_ms_;
  std::deque<status_transition> history_;
};

}  // namespace dsdn::da
