#pragma once
// The deterministic, idempotent state machine: derived state is a pure function of the
// primary DA's blobs in canonical order (height, blob index, event index).
//
// Per publisher it applies only the next blob: same epoch and sequence = last + 1, or a higher
// epoch with sequence 1. Older or equal (epoch, sequence) is a duplicate (skipped, counted);
// anything further ahead is a gap: held in a bounded buffer until the missing blobs arrive.
// Each event is validated before any mutation; a rejected event changes nothing.
//
// No CAF, no I/O, no wall clock, no randomness, no unordered iteration that affects results.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsdn/core/codec.hpp"
#include "dsdn/core/crypto.hpp"
#include "dsdn/core/events.hpp"

namespace dsdn::core {

/// A registered storage node (durable facts only; runtime stats are soft state elsewhere).
struct node_info {
  std::string id;
  std::string zone;  // empty when the node is in no zone
  std::string addr;
  uint64_t capacity_gb = 0;
};

/// An object and its replica holders, in the order they were added.
struct object_info {
  std::string hash;
  uint64_t size = 0;
  std::vector<std::string> replicas;  // insertion order
  std::vector<std::string> missing;   // marked missing and not healed since, insertion order
};

/// The scheduler's score weights; defaults are the original coordinator's startup weights.
struct scheduler_weights {
  double w_cpu = 1.0;
  double w_ram = 0.001;
  double w_gpu = 2.0;
  double w_latency = 50.0;
  double w_io = 1.5;
};

/// Where a blob sits in the primary DA's canonical order.
struct da_position {
  uint64_t height = 0;
  uint32_t index = 0;
};

/// Why an event was rejected; maps to HTTP 400 / 404 / 409.
enum class reject_reason : uint8_t { invalid = 1, not_found = 2, conflict = 3 };
const char* to_string(reject_reason r);

/// The result of validating or applying one event. An idempotent no-op counts as applied.
struct event_outcome {
  bool applied = true;
  reject_reason reason = reject_reason::invalid;  // meaningful only when !applied
  std::string field;                              // the offending field, when one is at fault
  std::string message;                            // human-readable, names the field/value
};

/// What happened to a blob handed to apply().
enum class blob_disposition : uint8_t {
  applied = 1,   // it (and possibly held successors) was applied
  duplicate,     // (epoch, sequence) at or below the publisher's cursor: skipped
  held,          // ahead of the cursor: buffered until the gap is filled
  untrusted,     // publisher not trusted: rejected whole
  gap_overflow,  // ahead of the cursor but the hold buffer is full: dropped, gap raised
};
const char* to_string(blob_disposition d);

/// One blob that was applied: its header, where it was found, and each event's outcome.
struct applied_blob {
  blob_header header;
  da_position position;
  std::vector<event_outcome> outcomes;  // one per event, same order
};

/// The report of one apply() call: the blob itself and any held blobs it released, in the
/// order they were applied.
struct apply_report {
  blob_disposition disposition = blob_disposition::applied;
  std::vector<applied_blob> applied;
};

/// The last applied (epoch, sequence) of a publisher.
struct publisher_cursor {
  public_key publisher{};
  uint64_t epoch = 0;
  uint64_t sequence = 0;
};

/// A publisher whose next blob is missing while later ones wait in the hold buffer.
struct gap_info {
  public_key publisher{};
  uint64_t cursor_epoch = 0;     // last applied
  uint64_t cursor_sequence = 0;  // last applied
  size_t held_blobs = 0;         // how many of its blobs wait
};

/// Counters for /system/info and metrics.
struct state_counters {
  uint64_t events_applied = 0;   // includes idempotent no-ops
  uint64_t events_rejected = 0;  // validation failures
  uint64_t blobs_applied = 0;
  uint64_t blobs_duplicate = 0;
  uint64_t blobs_held = 0;      // currently in the hold buffer
  uint64_t blobs_rejected = 0;  // untrusted, undecodable (see note_rejected_blob), overflow
};

class state_machine {
 public:
  /// `max_held_blobs` bounds the gap buffer across all publishers.
  explicit state_machine(trusted_publishers trusted, size_t max_held_blobs = 4096);
  ~state_machine();
  state_machine(state_machine&&) noexcept;
  state_machine& operator=(state_machine&&) noexcept;

  /// Applies a decoded, signature-checked blob found at `pos` of the primary DA.
  apply_report apply(event_blob blob, da_position pos);

  /// Validates `e` against current state without changing anything (the registry's fast
  /// path for 4xx answers). Same rules apply() uses.
  event_outcome check(const event& e) const;

  /// Counts a blob that failed to decode or verify (rejected whole).
  void note_rejected_blob();

  /// Adds a trusted publisher at run time (committee membership).
  void trust(const public_key& key);
  const trusted_publishers& trusted() const;

  // Queries.
  std::optional<node_info> node(std::string_view id) const;
  std::vector<node_info> nodes() const;  // sorted by id
  size_t node_count() const;
  std::optional<object_info> object(std::string_view hash) const;
  size_t object_count() const;
  scheduler_weights weights() const;
  std::optional<publisher_cursor> cursor(const public_key& publisher) const;
  std::vector<publisher_cursor> cursors() const;  // sorted by publisher
  std::vector<gap_info> gaps() const;             // sorted by publisher
  const state_counters& counters() const;
  /// Highest DA height whose blob was applied (0 before any).
  uint64_t applied_height() const;

  /// SHA-256 over the canonical encoding of nodes, objects (with replicas and missing) and
  /// weights. Publisher cursors are delivery bookkeeping, not facts, and are left out, so the
  /// same events give the same checksum however they were batched into blobs. Computed lazily
  /// and cached until the next change (the cache is not thread-safe: one owner at a time).
  sha256_digest checksum() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace dsdn::core
