#pragma once
// QuorumDA signatures. A validator stores a blob and signs SHA-256(blob) (the 32-byte digest
// is the signed message) with its Ed25519 key. A write counts once enough validators signed:
//
//   required(n, pct) = ceil(n * pct / 100), computed in integers as (n * pct + 99) / 100,
//   for n >= 1 validators and a threshold percent pct in 1..100; always in 1..n.
//
// Examples: 3 validators at 67% -> ceil(2.01) = 3; at 66% -> ceil(1.98) = 2; at 50% -> 2;
// at 34% -> 2; at 33% -> 1. 4 at 67% -> 3; 10 at 67% -> 7; 1 at any percent -> 1.
//
// signature_collector is the pure part of collecting: the QuorumDA actor sends the store-and-
// sign requests concurrently and feeds each response (a signature or an error) as it arrives;
// the collector says `succeeded` as soon as `required` valid signatures are in (early success)
// and `failed` as soon as the validators that have not answered can no longer make up the
// difference (early abort). Both outcomes are final. An invalid signature is counted and
// treated like an error response of that validator (not fatal to the collection); a second
// response from the same validator and a response from an index outside the set are rejected
// and counted, and change nothing.
//
// The proof kept with a blob (and checked on every read) is the list of (validator index,
// signature), encoded compactly:
//   version u8 = 1 | count u16 LE | count x (index u16 LE | signature 64 bytes)
// with indices strictly increasing (so no validator counts twice and the encoding is canonical).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dsdn/core/crypto.hpp"
#include "dsdn/core/result.hpp"

namespace dsdn::da {

/// Why a quorum operation failed.
enum class quorum_errc : uint8_t {
  bad_config = 1,     // no validators, more than 65535, or a percent outside 1..100
  malformed,          // an encoded proof that does not parse or is not canonical
  unknown_validator,  // a proof names an index outside the validator set
  invalid_signature,  // a proof holds a signature that does not verify
  not_reached,        // fewer valid signatures than required
};
/// "bad_config", "malformed", ...
const char* to_string(quorum_errc e);

template <class T>
using quorum_result = result<T, quorum_errc>;

/// The most validators a set may have (indices are u16 on the wire).
inline constexpr size_t max_quorum_validators = 65535;

/// ceil(n * pct / 100) as documented above; fails for n == 0, n > 65535 or pct outside 1..100.
quorum_result<size_t> quorum_required(size_t validators, unsigned threshold_pct);

/// The message a validator signs for `blob`: SHA-256(blob).
core::sha256_digest quorum_message(const uint8_t* blob, size_t size);

/// A validator's signature over SHA-256(blob).
core::signature quorum_sign(const core::identity_key& key, const uint8_t* blob, size_t size);

/// One validator's signature in a proof.
struct quorum_signature {
  uint16_t index = 0;  // position in the validator key list
  core::signature sig{};
  bool operator==(const quorum_signature& o) const { return index == o.index && sig == o.sig; }
};

/// The signatures that make a write count, ordered by index.
struct quorum_proof {
  std::vector<quorum_signature> signatures;
};

/// The compact encoding (see the header comment). Signatures are sorted by index first and
/// only the first of several with the same index is kept.
std::vector<uint8_t> encode_proof(const quorum_proof& proof);
/// Parses an encoded proof; `malformed` for a wrong version, length, or indices that are not
/// strictly increasing.
quorum_result<quorum_proof> decode_proof(const uint8_t* data, size_t size);

/// Checks a proof for a read: every index names a validator in `keys`, every signature verifies
/// over SHA-256(blob), and there are at least quorum_required(keys.size(), pct) of them.
/// Returns the number of valid signatures.
quorum_result<size_t> verify_proof(const uint8_t* blob, size_t size,
                                   const std::vector<core::public_key>& keys,
                                   unsigned threshold_pct, const quorum_proof& proof);

/// Collection progress.
enum class collect_state : uint8_t { pending, succeeded, failed };
/// "pending", "succeeded", "failed".
const char* to_string(collect_state s);

/// What the collector made of one response.
enum class response_verdict : uint8_t {
  accepted,           // a valid signature, counted toward the quorum
  error_recorded,     // the validator answered with an error
  invalid_signature,  // the signature does not verify under that validator's key
  duplicate,          // that validator had answered already; ignored
  unknown_validator,  // index outside the set; ignored
};
/// "accepted", "error_recorded", ...
const char* to_string(response_verdict v);

/// Gathers the responses of one store-and-sign round (see the header comment).
class signature_collector {
 public:
  /// A collector for the blob with digest `message` (quorum_message of the blob).
  static quorum_result<signature_collector> create(std::vector<core::public_key> keys,
                                                   unsigned threshold_pct,
                                                   const core::sha256_digest& message);

  /// Validator `index` answered with `sig`.
  response_verdict add_signature(size_t index, const core::signature& sig);
  /// Validator `index` answered with an error (transport failure, timeout, refusal).
  response_verdict add_error(size_t index, const std::string& error);

  /// pending until the quorum is reached or became impossible; final afterwards.
  collect_state state() const;
  /// Valid signatures needed.
  size_t required() const { return required_; }
  /// Valid signatures in.
  size_t valid() const { return proof_.signatures.size(); }
  /// Validators that answered with an error.
  size_t errors() const { return errors_; }
  /// Validators whose signature did not verify.
  size_t invalid() const { return invalid_; }
  /// Responses rejected as duplicates.
  size_t duplicates() const { return duplicates_; }
  /// Responses rejected for an unknown index.
  size_t unknown() const { return unknown_; }
  /// Validators that have not answered yet.
  size_t outstanding() const { return keys_.size() - answered_count_; }
  /// The valid signatures so far, ordered by index.
  quorum_proof proof() const;
  /// One line for logs and errors, e.g. "quorum failed: 1 of 3 required valid signatures
  /// (1 error, 1 invalid, 0 duplicate, 0 unknown, 1 outstanding); validator 2: timeout".
  std::string summary() const;

 private:
  signature_collector() = default;
  // Marks `index` as answered; the rejection verdict when it is unknown or answered already.
  std::optional<response_verdict> claim(size_t index);

  std::vector<core::public_key> keys_;
  core::sha256_digest message_{};
  size_t required_ = 0;
  std::vector<bool> answered_;
  size_t answered_count_ = 0;
  size_t errors_ = 0;
  size_t invalid_ = 0;
  size_t duplicates_ = 0;
  size_t unknown_ = 0;
  quorum_proof proof_;
  std::vector<std::string> problems_;  // "validator i: <error>" per failed answer
};

}  // namespace dsdn::da
