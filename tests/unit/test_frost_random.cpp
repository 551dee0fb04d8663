// FROST (dsdn/multi) with random keys: t-of-n for t in 2..7 and n up to 10, several signer
// subsets each; every aggregate is checked with libsodium and with OpenSSL's Ed25519.
#include <doctest/doctest.h>

#include <openssl/evp.h>
#include <sodium.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "dsdn/multi/frost.hpp"

using namespace dsdn::multi;

namespace {

// RFC 8032 PureEd25519 verification by OpenSSL (EVP_PKEY_ED25519, one-shot EVP_DigestVerify).
bool openssl_verify(const element& key, const std::vector<uint8_t>& msg,
                    const frost_signature& sig) {
  EVP_PKEY* pkey =
      EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, key.bytes().data(), key.size);
  REQUIRE(pkey != nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  REQUIRE(ctx != nullptr);
  REQUIRE(EVP_DigestVerifyInit(ctx, nullptr, nullptr, nullptr, pkey) == 1);
  const int rc = EVP_DigestVerify(ctx, sig.data(), sig.size(), msg.data(), msg.size());
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(pkey);
  return rc == 1;
}

bool sodium_verify(const element& key, const std::vector<uint8_t>& msg,
                   const frost_signature& sig) {
  static const uint8_t empty = 0;
  return crypto_sign_verify_detached(sig.data(), msg.empty() ? &empty : msg.data(), msg.size(),
                                     key.bytes().data()) == 0;
}

// A two-round signing run by the signers at `who` (indices into `keys`).
frost_result<frost_signature> sign_with(const std::vector<key_package>& keys,
                                        const std::vector<size_t>& who,
                                        const std::vector<uint8_t>& msg,
                                        const public_key_package& pub) {
  std::vector<signing_nonces> nonces;
  std::vector<signing_commitments> commitments;
  for (size_t i : who) {
    round1_output r1 = commit(keys[i]);
    commitments.push_back(r1.commitments);
    nonces.push_back(std::move(r1.nonces));
  }
  auto package = signing_package::create(commitments, msg);
  REQUIRE(package.ok());
  std::vector<signature_share> shares;
  for (size_t k = 0; k < who.size(); ++k) {
    auto share = sign(package.value(), std::move(nonces[k]), keys[who[k]]);
    REQUIRE_MESSAGE(share.ok(), share.error().message);
    auto checked = verify_signature_share(share.value(), keys[who[k]].verifying_share,
                                          package.value(), pub.group_key);
    CHECK_MESSAGE(checked.ok(), "share of " << share->id.to_string());
    shares.push_back(share.value());
  }
  return aggregate(package.value(), shares, pub);
}

std::vector<key_package> key_packages(const dealer_output& dealt) {
  std::vector<key_package> keys;
  for (const secret_share& s : dealt.shares) {
    auto kp = key_package::from_secret_share(s);
    REQUIRE_MESSAGE(kp.ok(), kp.error().message);
    keys.push_back(kp.value());
  }
  return keys;
}

}  // namespace

TEST_CASE("frost random: t-of-n for t in 2..7, n up to 10, several subsets each") {
  std::mt19937 rng(20240601);  // subset choice only; keys and nonces come from libsodium
  size_t signatures = 0;
  for (uint16_t t = 2; t <= 7; ++t) {
    // The smallest group, one in between and the largest (n = 10).
    const uint16_t mid = static_cast<uint16_t>((t + 10) / 2);
    for (uint16_t n : {t, mid, uint16_t{10}}) {
      CAPTURE(t);
      CAPTURE(n);
      auto dealt = trusted_dealer_keygen(t, n);
      REQUIRE(dealt.ok());
      const public_key_package& pub = dealt->public_keys;
      const std::vector<key_package> keys = key_packages(dealt.value());
      REQUIRE(keys.size() == n);

      std::vector<size_t> all(n);
      for (size_t i = 0; i < n; ++i) {
        all[i] = i;
      }
      for (int round = 0; round < 3; ++round) {
        std::shuffle(all.begin(), all.end(), rng);
        // Exactly t signers, and once more than t (any superset of a threshold works).
        const size_t count = round == 2 ? std::min<size_t>(n, t + 1) : t;
        std::vector<size_t> who(all.begin(), all.begin() + static_cast<long>(count));
        std::vector<uint8_t> msg(static_cast<size_t>(round) * 37 + t + n);
        for (size_t i = 0; i < msg.size(); ++i) {
          msg[i] = static_cast<uint8_t>(rng());
        }
        auto sig = sign_with(keys, who, msg, pub);
        REQUIRE_MESSAGE(sig.ok(), sig.error().message);
        CHECK(verify_signature(pub.group_key, msg.data(), msg.size(), sig.value()));
        CHECK(sodium_verify(pub.group_key, msg, sig.value()));
        CHECK(openssl_verify(pub.group_key, msg, sig.value()));
        ++signatures;
      }

      // Any t shares interpolate to the secret key of the group key.
      std::vector<share_point> points;
      for (size_t i = 0; i < t; ++i) {
        points.push_back(share_point{keys[all[i]].id, keys[all[i]].signing_share});
      }
      auto secret = secret_share_combine(points);
      REQUIRE(secret.ok());
      CHECK(element::base_mul(secret.value()) == pub.group_key);
      // ... and t - 1 shares do not.
      points.pop_back();
      auto short_secret = secret_share_combine(points);
      REQUIRE(short_secret.ok());
      CHECK(element::base_mul(short_secret.value()) != pub.group_key);
    }
  }
  MESSAGE(signatures << " threshold signatures verified by libsodium and OpenSSL");
  CHECK(signatures == 6 * 3 * 3);
}

TEST_CASE("frost random: the empty message and a long message sign and verify") {
  auto dealt = trusted_dealer_keygen(3, 4);
  REQUIRE(dealt.ok());
  const std::vector<key_package> keys = key_packages(dealt.value());
  for (size_t size : {size_t{0}, size_t{1}, size_t{100'000}}) {
    CAPTURE(size);
    std::vector<uint8_t> msg(size, 0xa5);
    auto sig = sign_with(keys, {3, 0, 2}, msg, dealt->public_keys);
    REQUIRE(sig.ok());
    CHECK(sodium_verify(dealt->public_keys.group_key, msg, sig.value()));
    CHECK(openssl_verify(dealt->public_keys.group_key, msg, sig.value()));
  }
}

TEST_CASE("frost random: identifiers derived from names (ZF HID) work like integer ids") {
  std::vector<identifier> ids;
  for (const char* name : {"coordinator-a", "coordinator-b", "coordinator-c"}) {
    auto id = identifier::derive(reinterpret_cast<const uint8_t*>(name), std::strlen(name));
    REQUIRE(id.ok());
    ids.push_back(id.value());
  }
  auto dealt = secret_share_shard(scalar::random(), {scalar::random()}, ids);
  REQUIRE(dealt.ok());
  const std::vector<key_package> keys = key_packages(dealt.value());
  const std::vector<uint8_t> msg = {'h', 'i'};
  auto sig = sign_with(keys, {2, 1}, msg, dealt->public_keys);
  REQUIRE(sig.ok());
  CHECK(openssl_verify(dealt->public_keys.group_key, msg, sig.value()));
}
