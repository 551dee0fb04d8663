#pragma once
// Round 1 of FROST signing: hedged nonce generation, single-use signing nonces and the public
// commitments (RFC 9591 §4.1, §5.1).

#include <array>
#include <cstddef>
#include <cstdint>

#include "dsdn/multi/element.hpp"
#include "dsdn/multi/errors.hpp"
#include "dsdn/multi/identifier.hpp"
#include "dsdn/multi/keygen.hpp"
#include "dsdn/multi/scalar.hpp"

namespace dsdn::multi {

/// 32 bytes of nonce randomness (the vectors' hiding/binding_nonce_randomness).
using nonce_randomness = std::array<uint8_t, 32>;

/// nonce_generate: H3(random_bytes || SerializeScalar(secret)), hedging a bad RNG with the share.
scalar nonce_generate(const scalar& secret, const nonce_randomness& random_bytes);
/// nonce_generate with 32 fresh bytes from randombytes_buf.
scalar nonce_generate(const scalar& secret);

/// A signer's published round-1 commitment (x_i, D_i = d·B, E_i = e·B).
struct signing_commitments {
  /// Bytes of the wire form id || D || E.
  static constexpr size_t encoded_size = 3 * 32;

  identifier id;
  element hiding;   ///< D_i
  element binding;  ///< E_i

  /// id || D || E (the entry of encode_group_commitment_list).
  std::array<uint8_t, encoded_size> encode() const;
  /// Decodes id || D || E, refusing a zero or non-canonical id and any point that is the
  /// identity or not in the prime-order subgroup (message names the participant).
  static frost_result<signing_commitments> decode(const uint8_t* bytes96);
};

struct round1_output;

/// The secret pair (d, e) of one signing session. Move-only and single-use: `sign` takes it by
/// rvalue, moves it into a local and wipes it, so a second `sign` with the same object (now
/// moved-from) is refused with nonce_consumed. Never persist or copy these (SPEC.md P10).
class signing_nonces {
 public:
  signing_nonces(const signing_nonces&) = delete;
  signing_nonces& operator=(const signing_nonces&) = delete;
  /// Takes over the nonces; `other` is wiped and no longer usable.
  signing_nonces(signing_nonces&& other) noexcept;
  /// Takes over the nonces; the previous ones and `other` are wiped.
  signing_nonces& operator=(signing_nonces&& other) noexcept;
  ~signing_nonces() = default;  // scalar's destructor wipes d and e

  /// False once the nonces were used by `sign` or moved from.
  bool usable() const { return usable_; }
  /// The commitments these nonces belong to.
  const signing_commitments& commitments() const { return commitments_; }
  /// d (for tests against vectors; zero once consumed).
  const scalar& hiding() const { return hiding_; }
  /// e (for tests against vectors; zero once consumed).
  const scalar& binding() const { return binding_; }

 private:
  friend round1_output commit(const key_package&, const nonce_randomness&, const nonce_randomness&);
  signing_nonces(const identifier& id, const scalar& hiding, const scalar& binding);
  void wipe();

  scalar hiding_;
  scalar binding_;
  signing_commitments commitments_;
  bool usable_ = true;
};

/// A signer's round-1 result: keep `nonces` secret, publish `commitments`.
struct round1_output {
  signing_nonces nonces;
  signing_commitments commitments;
};

/// Round 1 (commit) with fresh randomness from libsodium.
round1_output commit(const key_package& key);
/// Round 1 with the nonces' randomness supplied (deterministic; for the test vectors only).
round1_output commit(const key_package& key, const nonce_randomness& hiding_randomness,
                     const nonce_randomness& binding_randomness);

}  // namespace dsdn::multi
