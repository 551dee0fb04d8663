#pragma once
// Scalars of the edwards25519 prime-order group (integers mod L), always kept canonical.

#include <array>
#include <cstddef>
#include <cstdint>

#include "dsdn/multi/errors.hpp"

namespace dsdn::multi {

/// An integer mod L = 2^252 + 27742317777372353535851937790883648493, stored as 32
/// little-endian bytes that are always < L (libsodium's scalar arithmetic silently loses
/// carries on non-reduced inputs, see SPEC.md P4). The bytes are wiped on destruction, so a
/// scalar may hold a secret (share, nonce, coefficient).
class scalar {
 public:
  /// Bytes of a serialized scalar (Ns).
  static constexpr size_t size = 32;
  using bytes_type = std::array<uint8_t, size>;

  /// Zero.
  scalar() = default;
  scalar(const scalar&) = default;
  scalar& operator=(const scalar&) = default;
  /// Wipes the bytes with sodium_memzero.
  ~scalar();

  /// DeserializeScalar: refuses any encoding >= L (invalid_scalar).
  static frost_result<scalar> from_bytes(const uint8_t* bytes32);
  /// DeserializeScalar of an array.
  static frost_result<scalar> from_bytes(const bytes_type& bytes) {
    return from_bytes(bytes.data());
  }
  /// The 64-byte little-endian integer `wide` reduced mod L (the H1/H2/H3 reduction).
  static scalar reduce_wide(const uint8_t* wide64);
  /// The small integer `v` (always < L).
  static scalar from_u64(uint64_t v);
  /// A uniformly random scalar in [1, L-1] (libsodium's CSPRNG).
  static scalar random();

  /// SerializeScalar: the 32 canonical little-endian bytes.
  const bytes_type& bytes() const { return b_; }
  /// True for the zero scalar.
  bool is_zero() const;

  /// Sum mod L.
  friend scalar operator+(const scalar& a, const scalar& b);
  /// Difference mod L.
  friend scalar operator-(const scalar& a, const scalar& b);
  /// Product mod L.
  friend scalar operator*(const scalar& a, const scalar& b);
  /// Additive inverse mod L.
  scalar negate() const;
  /// Multiplicative inverse mod L; the caller guarantees the scalar is non-zero (for zero the
  /// result is zero).
  scalar invert() const;

  /// Constant-time equality.
  friend bool operator==(const scalar& a, const scalar& b);
  friend bool operator!=(const scalar& a, const scalar& b) { return !(a == b); }

 private:
  bytes_type b_{};
};

}  // namespace dsdn::multi
