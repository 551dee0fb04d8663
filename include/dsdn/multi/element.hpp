#pragma once
// Elements of the edwards25519 prime-order subgroup, in RFC 8032 compressed form.

#include <array>
#include <cstddef>
#include <cstdint>

#include "dsdn/multi/errors.hpp"
#include "dsdn/multi/scalar.hpp"

namespace dsdn::multi {

/// A point of the prime-order subgroup of edwards25519, or the identity. Every element is
/// either decoded through `from_bytes` (which checks subgroup membership) or computed from such
/// elements, so the invariant "identity or prime order" always holds. The identity can arise
/// from sums and from multiplying by zero; it is refused by `from_bytes` and must be checked
/// (`is_identity`) before it is serialized where the RFC forbids it.
class element {
 public:
  /// Bytes of a serialized element (Ne).
  static constexpr size_t size = 32;
  using bytes_type = std::array<uint8_t, size>;

  /// The identity (encoding 01 00..00).
  element();
  /// The identity.
  static element identity() { return element{}; }
  /// The base point B.
  static element generator();

  /// DeserializeElement: refuses non-canonical encodings, points off the curve, the identity,
  /// small-order and mixed-order points (invalid_element / identity_element).
  static frost_result<element> from_bytes(const uint8_t* bytes32);
  /// DeserializeElement of an array.
  static frost_result<element> from_bytes(const bytes_type& b) { return from_bytes(b.data()); }
  /// s·B (ScalarBaseMult); the identity for s = 0.
  static element base_mul(const scalar& s);

  /// The compressed encoding (also for the identity; callers check `is_identity` where the RFC
  /// says serialization fails).
  const bytes_type& bytes() const { return b_; }
  /// True for the identity.
  bool is_identity() const;

  /// Group addition.
  friend element operator+(const element& a, const element& b);
  /// Group subtraction.
  friend element operator-(const element& a, const element& b);
  /// Scalar multiplication p·s (ScalarMult); the identity when p is the identity or s = 0.
  friend element operator*(const element& p, const scalar& s);

  /// Equality of encodings (encodings are canonical, so this is point equality).
  friend bool operator==(const element& a, const element& b);
  friend bool operator!=(const element& a, const element& b) { return !(a == b); }

 private:
  bytes_type b_;
};

}  // namespace dsdn::multi
