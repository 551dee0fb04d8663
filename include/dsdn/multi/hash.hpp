#pragma once
// The FROST(Ed25519, SHA-512) hash functions H1..H5 (RFC 9591 §6.1) and ZF's HID.

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>

#include "dsdn/multi/scalar.hpp"

namespace dsdn::multi {

/// A borrowed byte range; the hash inputs are plain concatenations of these.
struct byte_view {
  const uint8_t* data;
  size_t size;
};

/// A 64-byte SHA-512 digest (H4 and H5 return it unreduced).
using digest64 = std::array<uint8_t, 64>;

/// The context string "FROST-ED25519-SHA512-v1" (23 bytes, no NUL).
extern const char frost_context_string[];

/// H1 (binding factor): SHA-512(ctx || "rho" || m) reduced mod L.
scalar h1(std::initializer_list<byte_view> m);
/// H2 (challenge): SHA-512(m) reduced mod L, no prefix (RFC 8032 compatibility).
scalar h2(std::initializer_list<byte_view> m);
/// H3 (nonce): SHA-512(ctx || "nonce" || m) reduced mod L.
scalar h3(std::initializer_list<byte_view> m);
/// H4 (message): SHA-512(ctx || "msg" || m), 64 raw bytes.
digest64 h4(std::initializer_list<byte_view> m);
/// H5 (commitment list): SHA-512(ctx || "com" || m), 64 raw bytes.
digest64 h5(std::initializer_list<byte_view> m);
/// HID (ZF identifier derivation): SHA-512(ctx || "id" || m) reduced mod L.
scalar hid(std::initializer_list<byte_view> m);

}  // namespace dsdn::multi
