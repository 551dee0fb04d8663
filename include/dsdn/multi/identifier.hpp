#pragma once
// Participant identifiers: non-zero scalars, ordered numerically.

#include <cstddef>
#include <cstdint>
#include <string>

#include "dsdn/multi/errors.hpp"
#include "dsdn/multi/scalar.hpp"

namespace dsdn::multi {

/// A FROST participant identifier: a non-zero scalar. Small integers i map to Scalar(i)
/// (1 -> 01 00.., 256 -> 00 01 00..). Ordering is by numeric value, never by memcmp of the
/// little-endian bytes (SPEC.md P6).
class identifier {
 public:
  /// Scalar(v); refuses 0 (invalid_identifier).
  static frost_result<identifier> from_u64(uint64_t v);
  /// A decoded identifier: refuses encodings >= L and zero.
  static frost_result<identifier> from_bytes(const uint8_t* bytes32);
  /// ZF extension: HID(bytes); refuses the (negligible) zero result.
  static frost_result<identifier> derive(const uint8_t* data, size_t size);

  /// The identifier as a scalar.
  const scalar& value() const { return v_; }
  /// The 32-byte encoding (SerializeScalar).
  const scalar::bytes_type& bytes() const { return v_.bytes(); }
  /// Decimal for values below 2^64 (all integer ids), otherwise 64 hex digits; for messages.
  std::string to_string() const;

  /// Numeric order.
  friend bool operator<(const identifier& a, const identifier& b);
  friend bool operator==(const identifier& a, const identifier& b) { return a.v_ == b.v_; }
  friend bool operator!=(const identifier& a, const identifier& b) { return !(a == b); }

 private:
  explicit identifier(const scalar& v) : v_(v) {}
  scalar v_;
};

}  // namespace dsdn::multi
