#pragma once
// The durable outbox: blobs that must still reach the primary DA, in publish order.
//
// When a primary write fails, or the primary is down, the da_router appends the blob here
// (and writes a copy to the layer that holds it meanwhile); the reconciliation_engine later
// replays the entries to the primary, oldest first, and removes each one once the primary has
// confirmed it. One SQLite file in the data dir (e.g. `outbox.sqlite`): WAL, synchronous=FULL,
// locking_mode=EXCLUSIVE, a schema version. Every append is durable before it returns, so what
// was acknowledged survives a kill -9 of the process.
//
// Order: entries get a monotonic id (never reused, also not after removals or a restart); id
// order is publish order. Within one publisher, (epoch, sequence) must grow with the id: an
// append equal to a stored (publisher, epoch, sequence) fails with `duplicate`, one below the
// publisher's newest stored entry with `out_of_order`. A cap (entries and bytes) bounds the
// backlog: past it, append fails with `full` (the HTTP layer answers 503).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsdn/core/crypto.hpp"
#include "dsdn/core/result.hpp"
#include "dsdn/da/da_backend.hpp"

namespace dsdn::da {

inline constexpr int outbox_schema_version = 1;

/// Why an outbox operation failed.
enum class outbox_errc : uint8_t {
  io_error = 1,  // disk or database failure
  corrupt,       // not an outbox database, wrong schema version, malformed row
  locked,        // another connection or process has the file open
  full,          // the cap (entries or bytes) would be exceeded; nothing was stored
  bad_request,   // empty or oversized blob, a value beyond the storable range
  duplicate,     // (publisher, epoch, sequence) is already queued
  out_of_order,  // older than the publisher's newest queued blob
  not_found,     // no entry with that id
};
/// "io_error", "corrupt", "locked", "full", ...
const char* to_string(outbox_errc e);

template <class T>
using outbox_result = result<T, outbox_errc>;

/// The layer that holds a copy of a queued blob until the primary has it.
enum class holding_layer : uint8_t {
  none = 0,  // only the outbox itself (Recovering with no fallback layer up)
  secondary,
  emergency,
};
/// "none", "secondary", "emergency".
const char* to_string(holding_layer l);
/// The inverse of to_string; nothing for any other text.
std::optional<holding_layer> holding_layer_from_string(std::string_view s);

/// What the caller appends.
struct outbox_item {
  core::public_key publisher{};
  uint64_t epoch = 0;     // at most INT64_MAX
  uint64_t sequence = 0;  // at most INT64_MAX
  blob_bytes blob;        // 1 .. max_blob_size bytes
  /// The layer's commitment when the caller has one; SHA-256(blob) when absent.
  std::optional<da::commitment> commitment;
  holding_layer layer = holding_layer::secondary;
  /// Height of the copy on `layer`, 0 when unknown or not applicable.
  uint64_t layer_height = 0;
  uint64_t stored_at_ms = 0;  // Unix ms, supplied by the caller (at most INT64_MAX)
};

/// A queued blob without its bytes (for /fallback/pending and the consistency check).
struct outbox_info {
  uint64_t id = 0;
  core::public_key publisher{};
  uint64_t epoch = 0;
  uint64_t sequence = 0;
  size_t blob_size = 0;
  da::commitment commitment{};
  holding_layer layer = holding_layer::secondary;
  uint64_t layer_height = 0;
  uint64_t stored_at_ms = 0;
  uint32_t retry_count = 0;
  std::optional<std::string> last_error;
};

/// A queued blob with its bytes (what the reconciliation engine replays).
struct outbox_entry : outbox_info {
  blob_bytes blob;
};

/// The cap. Both limits apply; an append that would pass either fails with `full`.
struct outbox_limits {
  size_t max_entries = 100000;
  uint64_t max_bytes = uint64_t{1} << 30;  // sum of blob sizes (1 GiB)
};

/// The open outbox. Move-only; thread-safe (one internal mutex), though one actor owns it.
class outbox {
 public:
  /// Opens (creating if absent) the outbox database at `path` with an exclusive lock.
  /// Fails with `locked` when another connection holds it, `corrupt` for a file that is not an
  /// outbox of this schema version.
  static outbox_result<outbox> open(const std::string& path, outbox_limits limits = {});

  outbox(outbox&&) noexcept;
  outbox& operator=(outbox&&) noexcept;
  outbox(const outbox&) = delete;
  outbox& operator=(const outbox&) = delete;
  ~outbox();

  /// Queues `item` behind everything already queued and returns its id; durable on return
  /// (one short transaction). Fails with `full`, `duplicate`, `out_of_order` or `bad_request`
  /// without storing anything.
  outbox_result<uint64_t> append(const outbox_item& item);

  /// The oldest `n` entries, in publish (id) order.
  outbox_result<std::vector<outbox_entry>> peek(size_t n) const;
  /// The oldest `n` entries of one publisher, in publish order.
  outbox_result<std::vector<outbox_entry>> peek_for_publisher(const core::public_key& publisher,
                                                              size_t n) const;
  /// The publishers with queued entries, ordered by their oldest entry.
  outbox_result<std::vector<core::public_key>> publishers() const;

  /// Records a failed replay attempt: retry_count + 1, last_error = `error`.
  /// `not_found` when `id` is not queued.
  outbox_result<uint32_t> mark_attempt(uint64_t id, const std::string& error);
  /// Drops entry `id` (after the primary confirmed it). `not_found` when it is not queued.
  outbox_result<bool> remove(uint64_t id);
  /// Drops every listed entry in one transaction (a batch the primary confirmed at once) and
  /// returns how many were queued; ids not queued are skipped.
  outbox_result<size_t> remove_many(const std::vector<uint64_t>& ids);

  /// Queued entries, without their bytes, oldest first, at most `limit`.
  outbox_result<std::vector<outbox_info>> list(size_t limit) const;

  /// Number of queued entries.
  size_t size() const;
  /// Sum of the queued blob sizes.
  uint64_t bytes() const;
  /// `now_ms` minus the stored_at_ms of the oldest (lowest id) entry; 0 when empty or when
  /// that entry is stamped later than `now_ms`.
  outbox_result<uint64_t> oldest_age_ms(uint64_t now_ms) const;
  /// The cap this outbox enforces.
  const outbox_limits& limits() const;
  /// The database file.
  const std::string& path() const;

 private:
  struct impl;
  explicit outbox(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace dsdn::da
