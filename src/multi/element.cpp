#include "dsdn/multi/element.hpp"

#include <sodium.h>

#include <cstring>
#include <stdexcept>
#include <string>

namespace dsdn::multi {

static_assert(crypto_core_ed25519_BYTES == element::size);
static_assert(crypto_scalarmult_ed25519_BYTES == element::size);

namespace {

constexpr element::bytes_type identity_bytes = {1};

constexpr element::bytes_type base_bytes = {
    0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
    0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66};

// The class invariant (identity or prime-order point, canonical encoding) means libsodium can
// only fail here through a bug; continuing with garbage would be worse than stopping.
[[noreturn]] void invariant_broken(const char* what) {
  throw std::logic_error(std::string("dsdn::multi::element: libsodium refused ") + what);
}

}  // namespace

element::element() : b_(identity_bytes) {}

element element::generator() {
  element e;
  e.b_ = base_bytes;
  return e;
}

frost_result<element> element::from_bytes(const uint8_t* bytes32) {
  element e;
  std::memcpy(e.b_.data(), bytes32, size);
  if (e.is_identity()) {
    return {frost_errc::identity_element, "element is the identity"};
  }
  // is_valid_point (1.0.18): canonical, on the curve, not of small order, and L·P = 0, i.e. in
  // the prime-order subgroup (so mixed-order points are refused too).
  if (crypto_core_ed25519_is_valid_point(e.b_.data()) != 1) {
    return {frost_errc::invalid_element,
            "element is not a canonical point of the prime-order subgroup"};
  }
  return e;
}

element element::base_mul(const scalar& s) {
  element e;
  if (s.is_zero()) {
    return e;
  }
  // noclamp: the clamped variant would clear the low 3 bits and set bit 254 (SPEC.md P3).
  // It returns -1 for a zero scalar or an identity result; neither can occur for 0 < s < L.
  if (crypto_scalarmult_ed25519_base_noclamp(e.b_.data(), s.bytes().data()) != 0) {
    invariant_broken("a base-point multiplication");
  }
  return e;
}

bool element::is_identity() const {
  return b_ == identity_bytes;
}

element operator+(const element& a, const element& b) {
  element r;
  // crypto_core_ed25519_add accepts the identity (unlike the noclamp multiplications, P2).
  if (crypto_core_ed25519_add(r.b_.data(), a.b_.data(), b.b_.data()) != 0) {
    invariant_broken("an addition");
  }
  return r;
}

element operator-(const element& a, const element& b) {
  element r;
  if (crypto_core_ed25519_sub(r.b_.data(), a.b_.data(), b.b_.data()) != 0) {
    invariant_broken("a subtraction");
  }
  return r;
}

element operator*(const element& p, const scalar& s) {
  element r;
  // noclamp refuses an identity input and a zero scalar (SPEC.md P1/P2): both give the
  // identity, which is the mathematically right answer.
  if (p.is_identity() || s.is_zero()) {
    return r;
  }
  if (crypto_scalarmult_ed25519_noclamp(r.b_.data(), s.bytes().data(), p.b_.data()) != 0) {
    invariant_broken("a scalar multiplication");
  }
  return r;
}

bool operator==(const element& a, const element& b) {
  return a.b_ == b.b_;
}

}  // namespace dsdn::multi
