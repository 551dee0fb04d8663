#include "dsdn/multi/hash.hpp"

#include <sodium.h>

#include <cstring>

namespace dsdn::multi {

const char frost_context_string[] = "FROST-ED25519-SHA512-v1";

namespace {

// SHA-512 over prefix || tag || parts, streamed (no concatenation buffer). An empty prefix and
// tag give the unprefixed H2.
digest64 sha512(const char* prefix, const char* tag, std::initializer_list<byte_view> parts) {
  crypto_hash_sha512_state st;
  crypto_hash_sha512_init(&st);
  crypto_hash_sha512_update(&st, reinterpret_cast<const uint8_t*>(prefix), std::strlen(prefix));
  crypto_hash_sha512_update(&st, reinterpret_cast<const uint8_t*>(tag), std::strlen(tag));
  for (const byte_view& p : parts) {
    if (p.size != 0) {
      crypto_hash_sha512_update(&st, p.data, p.size);
    }
  }
  digest64 out;
  crypto_hash_sha512_final(&st, out.data());
  // The state may have absorbed a secret (H3 hashes the signing share).
  sodium_memzero(&st, sizeof st);
  return out;
}

scalar reduced(const char* prefix, const char* tag, std::initializer_list<byte_view> parts) {
  digest64 d = sha512(prefix, tag, parts);
  scalar s = scalar::reduce_wide(d.data());
  sodium_memzero(d.data(), d.size());
  return s;
}

}  // namespace

scalar h1(std::initializer_list<byte_view> m) {
  return reduced(frost_context_string, "rho", m);
}

scalar h2(std::initializer_list<byte_view> m) {
  return reduced("", "", m);
}

scalar h3(std::initializer_list<byte_view> m) {
  return reduced(frost_context_string, "nonce", m);
}

digest64 h4(std::initializer_list<byte_view> m) {
  return sha512(frost_context_string, "msg", m);
}

digest64 h5(std::initializer_list<byte_view> m) {
  return sha512(frost_context_string, "com", m);
}

scalar hid(std::initializer_list<byte_view> m) {
  return reduced(frost_context_string, "id", m);
}

}  // namespace dsdn::multi
