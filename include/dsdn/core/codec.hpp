#pragma once
// The signed event blob: the only thing a coordinator ever writes to DA.
//
// Layout (all integers little-endian, version 1):
//   [4] magic "DSEB" (DSdn Event Blob)
//   u8  version (= 1)
//   [32] publisher (Ed25519 public key)
//   u64 epoch        (publisher restart counter, >= 1)
//   u64 sequence     (1, 2, 3 ... within an epoch)
//   u64 timestamp_ms (publisher's clock at sealing; the event time for every event in the blob)
//   u32 event_count  (1 .. max_events_per_blob)
//   event_count x { u8 type, u32 payload_length, payload }
//   [64] Ed25519 signature by `publisher` over every byte before it
// Payload fields follow the struct field order in events.hpp: strings are u16 length + bytes
// (<= max_string_length), u64 as 8 bytes, u8 as 1 byte, doubles as their IEEE-754 bits (u64).

#include <cstddef>
#include <cstdint>
#include <vector>

#include "dsdn/core/crypto.hpp"
#include "dsdn/core/events.hpp"
#include "dsdn/core/result.hpp"

namespace dsdn::core {

inline constexpr uint8_t blob_magic[4] = {'D', 'S', 'E', 'B'};
inline constexpr uint8_t blob_version = 1;
/// Hard limits the decoder enforces before allocating anything.
inline constexpr size_t max_blob_size = 2 * 1024 * 1024;
inline constexpr uint32_t max_events_per_blob = 65536;
inline constexpr size_t max_string_length = 1024;

/// Everything in a blob except the signature.
struct blob_header {
  public_key publisher{};
  uint64_t epoch = 0;
  uint64_t sequence = 0;
  uint64_t timestamp_ms = 0;
};

/// A decoded, signature-checked blob.
struct event_blob {
  blob_header header;
  std::vector<event> events;
};

/// Why a blob was refused. Each is distinct so operators can tell corruption from forgery.
enum class codec_error : uint8_t {
  bad_magic = 1,
  bad_version,
  truncated,            // input ends inside a field
  trailing_bytes,       // bytes after the signature, or inside an event payload past its fields
  oversize_blob,        // input larger than max_blob_size
  oversize_length,      // a string length or payload length beyond its limit / the input
  oversize_count,       // event_count of 0 or beyond max_events_per_blob
  unknown_event_type,   // type byte outside event_type
  bad_field,            // a field value the format forbids (epoch 0, sequence 0)
  bad_signature,        // Ed25519 verification failed
  untrusted_publisher,  // signature fine, but publisher not in the trusted set
};

/// "bad_magic", "truncated", ...
const char* to_string(codec_error e);

using decode_result = result<event_blob, codec_error>;

/// The publishers whose blobs a coordinator applies: its own key, `--trusted-publishers`, and
/// committee members. Kept sorted so lookups are cheap and iteration is deterministic.
class trusted_publishers {
 public:
  /// An empty set: trusts nobody.
  trusted_publishers() = default;
  /// The set of `keys` (any order, duplicates allowed).
  explicit trusted_publishers(std::vector<public_key> keys);
  /// Adds `key` (no-op when already present).
  void add(const public_key& key);
  /// True when `key` is in the set (binary search).
  bool contains(const public_key& key) const;
  /// The keys, sorted ascending and unique.
  const std::vector<public_key>& keys() const { return keys_; }

 private:
  std::vector<public_key> keys_;
};

/// Encodes and signs. `key`'s public key overrides `header.publisher`. Deterministic:
/// same header, events and key give the same bytes. Throws std::invalid_argument for input
/// decode_blob would refuse (0 or too many events, epoch or sequence 0, a string longer than
/// max_string_length, `present` bits above 0x1f, more than max_blob_size bytes).
std::vector<uint8_t> encode_blob(const blob_header& header, const std::vector<event>& events,
                                 const identity_key& key);

/// Strict decode + signature check. Never allocates more than the input can hold.
decode_result decode_blob(const uint8_t* data, size_t size);
inline decode_result decode_blob(const std::vector<uint8_t>& bytes) {
  return decode_blob(bytes.data(), bytes.size());
}

/// As decode_blob, but refuses (untrusted_publisher) a blob whose publisher is not in
/// `trusted` before spending a signature verification on it.
decode_result decode_blob(const uint8_t* data, size_t size, const trusted_publishers& trusted);

/// Appends the payload encoding of one event (no type, no length); used by encode_blob and
/// by the canonical state encoding tests. Throws std::invalid_argument as encode_blob does.
void encode_event_payload(const event& e, std::vector<uint8_t>& out);

}  // namespace dsdn::core
