#include "dsdn/multi/scalar.hpp"

#include <sodium.h>

#include <cstring>

#include "dsdn/core/crypto.hpp"

namespace dsdn::multi {

static_assert(crypto_core_ed25519_SCALARBYTES == scalar::size);
static_assert(crypto_core_ed25519_NONREDUCEDSCALARBYTES == 64);

scalar::~scalar() {
  sodium_memzero(b_.data(), b_.size());
}

frost_result<scalar> scalar::from_bytes(const uint8_t* bytes32) {
  // libsodium 1.0.18 has no public "is canonical scalar" test: reduce s || 0^32 and compare.
  // Equal iff s < L (SPEC.md P5); sodium_memcmp keeps the comparison constant time.
  uint8_t wide[64] = {};
  std::memcpy(wide, bytes32, size);
  scalar s;
  crypto_core_ed25519_scalar_reduce(s.b_.data(), wide);
  const bool canonical = sodium_memcmp(s.b_.data(), bytes32, size) == 0;
  sodium_memzero(wide, sizeof wide);
  if (!canonical) {
    return {frost_errc::invalid_scalar, "scalar is not canonical (>= L)"};
  }
  return s;
}

scalar scalar::reduce_wide(const uint8_t* wide64) {
  scalar s;
  crypto_core_ed25519_scalar_reduce(s.b_.data(), wide64);
  return s;
}

scalar scalar::from_u64(uint64_t v) {
  scalar s;
  for (size_t i = 0; i < 8; ++i) {
    s.b_[i] = static_cast<uint8_t>(v >> (8 * i));
  }
  return s;
}

scalar scalar::random() {
  dsdn::core::crypto_init();
  scalar s;
  crypto_core_ed25519_scalar_random(s.b_.data());
  return s;
}

bool scalar::is_zero() const {
  return sodium_is_zero(b_.data(), b_.size()) == 1;
}

scalar operator+(const scalar& a, const scalar& b) {
  scalar r;
  crypto_core_ed25519_scalar_add(r.b_.data(), a.b_.data(), b.b_.data());
  return r;
}

scalar operator-(const scalar& a, const scalar& b) {
  scalar r;
  crypto_core_ed25519_scalar_sub(r.b_.data(), a.b_.data(), b.b_.data());
  return r;
}

scalar operator*(const scalar& a, const scalar& b) {
  scalar r;
  crypto_core_ed25519_scalar_mul(r.b_.data(), a.b_.data(), b.b_.data());
  return r;
}

scalar scalar::negate() const {
  scalar r;
  crypto_core_ed25519_scalar_negate(r.b_.data(), b_.data());
  return r;
}

scalar scalar::invert() const {
  scalar r;
  // Returns -1 (and leaves garbage) only for zero; the contract makes that zero.
  if (crypto_core_ed25519_scalar_invert(r.b_.data(), b_.data()) != 0) {
    return scalar{};
  }
  return r;
}

bool operator==(const scalar& a, const scalar& b) {
  return sodium_memcmp(a.b_.data(), b.b_.data(), scalar::size) == 0;
}

}  // namespace dsdn::multi
