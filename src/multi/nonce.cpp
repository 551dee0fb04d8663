#include "dsdn/multi/nonce.hpp"

#include <sodium.h>

#include <cstring>

#include "dsdn/core/crypto.hpp"
#include "dsdn/multi/hash.hpp"

namespace dsdn::multi {

scalar nonce_generate(const scalar& secret, const nonce_randomness& random_bytes) {
  return h3({{random_bytes.data(), random_bytes.size()}, {secret.bytes().data(), scalar::size}});
}

scalar nonce_generate(const scalar& secret) {
  dsdn::core::crypto_init();
  nonce_randomness r;
  randombytes_buf(r.data(), r.size());
  scalar n = nonce_generate(secret, r);
  sodium_memzero(r.data(), r.size());
  return n;
}

std::array<uint8_t, signing_commitments::encoded_size> signing_commitments::encode() const {
  std::array<uint8_t, encoded_size> out;
  std::memcpy(out.data(), id.bytes().data(), 32);
  std::memcpy(out.data() + 32, hiding.bytes().data(), 32);
  std::memcpy(out.data() + 64, binding.bytes().data(), 32);
  return out;
}

frost_result<signing_commitments> signing_commitments::decode(const uint8_t* bytes96) {
  auto id = identifier::from_bytes(bytes96);
  if (!id) {
    return {id.error().code, "commitment: " + id.error().message};
  }
  const std::string who = " of participant " + id->to_string();
  auto hiding = element::from_bytes(bytes96 + 32);
  if (!hiding) {
    return {hiding.error().code, "hiding commitment" + who + ": " + hiding.error().message};
  }
  auto binding = element::from_bytes(bytes96 + 64);
  if (!binding) {
    return {binding.error().code, "binding commitment" + who + ": " + binding.error().message};
  }
  return signing_commitments{id.value(), hiding.value(), binding.value()};
}

signing_nonces::signing_nonces(const identifier& id, const scalar& hiding, const scalar& binding)
    : hiding_(hiding),
      binding_(binding),
      commitments_{id, element::base_mul(hiding), element::base_mul(binding)} {}

signing_nonces::signing_nonces(signing_nonces&& other) noexcept
    : hiding_(other.hiding_),
      binding_(other.binding_),
      commitments_(other.commitments_),
      usable_(other.usable_) {
  other.wipe();
}

signing_nonces& signing_nonces::operator=(signing_nonces&& other) noexcept {
  if (this != &other) {
    hiding_ = other.hiding_;
    binding_ = other.binding_;
    commitments_ = other.commitments_;
    usable_ = other.usable_;
    other.wipe();
  }
  return *this;
}

void signing_nonces::wipe() {
  hiding_ = scalar{};
  binding_ = scalar{};
  usable_ = false;
}

round1_output commit(const key_package& key, const nonce_randomness& hiding_randomness,
                     const nonce_randomness& binding_randomness) {
  signing_nonces nonces(key.id, nonce_generate(key.signing_share, hiding_randomness),
                        nonce_generate(key.signing_share, binding_randomness));
  signing_commitments pub = nonces.commitments();
  return round1_output{std::move(nonces), pub};
}

round1_output commit(const key_package& key) {
  dsdn::core::crypto_init();
  nonce_randomness hr;
  nonce_randomness br;
  randombytes_buf(hr.data(), hr.size());
  randombytes_buf(br.data(), br.size());
  round1_output out = commit(key, hr, br);
  sodium_memzero(hr.data(), hr.size());
  sodium_memzero(br.data(), br.size());
  return out;
}

}  // namespace dsdn::multi
