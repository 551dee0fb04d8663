// FROST (dsdn/multi) refusing bad input: tampered shares (the signer is named), wrong message,
// wrong key, a reused nonce, a swapped commitment, bad VSS shares and malformed encodings.
#include <doctest/doctest.h>

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "dsdn/core/crypto.hpp"
#include "dsdn/multi/frost.hpp"

using namespace dsdn::multi;

namespace {

std::array<uint8_t, 32> hex32(const char* hex) {
  std::array<uint8_t, 32> out{};
  REQUIRE(dsdn::core::from_hex(hex, out.data(), out.size()));
  return out;
}

identifier id_of(uint64_t v) {
  return identifier::from_u64(v).value();
}

// A 3-of-5 group with its key packages.
struct group {
  dealer_output dealt;
  std::vector<key_package> keys;

  explicit group(uint16_t t = 3, uint16_t n = 5) : dealt(trusted_dealer_keygen(t, n).value()) {
    for (const secret_share& s : dealt.shares) {
      keys.push_back(key_package::from_secret_share(s).value());
    }
  }
  const public_key_package& pub() const { return dealt.public_keys; }
};

// Round 1 for the signers at `who` (indices) and the resulting signing package.
struct session {
  std::vector<signing_nonces> nonces;
  std::vector<signing_commitments> commitments;
  std::vector<uint8_t> message;

  session(const group& g, const std::vector<size_t>& who, std::vector<uint8_t> msg)
      : message(std::move(msg)) {
    for (size_t i : who) {
      round1_output r1 = commit(g.keys[i]);
      commitments.push_back(r1.commitments);
      nonces.push_back(std::move(r1.nonces));
    }
  }
  signing_package package() const { return signing_package::create(commitments, message).value(); }
};

std::vector<signature_share> sign_all(const group& g, const std::vector<size_t>& who, session& s,
                                      const signing_package& pkg) {
  std::vector<signature_share> shares;
  for (size_t k = 0; k < who.size(); ++k) {
    auto share = sign(pkg, std::move(s.nonces[k]), g.keys[who[k]]);
    REQUIRE_MESSAGE(share.ok(), share.error().message);
    shares.push_back(share.value());
  }
  return shares;
}

const std::vector<uint8_t> hello = {'h', 'e', 'l', 'l', 'o'};

}  // namespace

TEST_CASE("frost errors: a tampered signature share is detected and its signer named") {
  group g;
  const std::vector<size_t> who = {0, 2, 3};  // participants 1, 3, 4
  session s(g, who, hello);
  const signing_package pkg = s.package();
  std::vector<signature_share> shares = sign_all(g, who, s, pkg);
  REQUIRE(aggregate(pkg, shares, g.pub()).ok());

  // Participant 4 adds one to its share.
  shares[2].z = shares[2].z + scalar::from_u64(1);
  auto sig = aggregate(pkg, shares, g.pub());
  REQUIRE_FALSE(sig.ok());
  CHECK(sig.error().code == frost_errc::invalid_signature_share);
  CHECK(sig.error().message == "signature share of participant 4 is invalid");
  auto alone = verify_signature_share(shares[2], g.keys[3].verifying_share, pkg, g.pub().group_key);
  REQUIRE_FALSE(alone.ok());
  CHECK(alone.error().code == frost_errc::invalid_signature_share);
  // The honest shares still verify; a share checked against another member's key does not.
  CHECK(verify_signature_share(shares[0], g.keys[0].verifying_share, pkg, g.pub().group_key).ok());
  CHECK_FALSE(
      verify_signature_share(shares[0], g.keys[2].verifying_share, pkg, g.pub().group_key).ok());

  // Two bad shares: the first one in the list is named.
  shares[0].z = shares[0].z + scalar::from_u64(7);
  auto two = aggregate(pkg, shares, g.pub());
  REQUIRE_FALSE(two.ok());
  CHECK(two.error().message == "signature share of participant 1 is invalid");
  // Undoing both changes gives a valid aggregate again.
  shares[0].z = shares[0].z - scalar::from_u64(7);
  shares[2].z = shares[2].z - scalar::from_u64(1);
  CHECK(aggregate(pkg, shares, g.pub()).ok());
}

TEST_CASE("frost errors: wrong message and wrong key are refused") {
  group g;
  group other;
  const std::vector<size_t> who = {1, 4, 0};
  session s(g, who, hello);
  const signing_package pkg = s.package();
  const std::vector<signature_share> shares = sign_all(g, who, s, pkg);
  auto sig = aggregate(pkg, shares, g.pub());
  REQUIRE(sig.ok());
  const element& pk = g.pub().group_key;
  CHECK(verify_signature(pk, hello.data(), hello.size(), sig.value()));

  const std::vector<uint8_t> wrong = {'h', 'e', 'l', 'l', 'O'};
  CHECK_FALSE(verify_signature(pk, wrong.data(), wrong.size(), sig.value()));
  CHECK_FALSE(verify_signature(other.pub().group_key, hello.data(), hello.size(), sig.value()));

  // Shares made for one message do not aggregate into a signature of another.
  auto wrong_pkg = signing_package::create(s.commitments, wrong);
  REQUIRE(wrong_pkg.ok());
  auto forged = aggregate(wrong_pkg.value(), shares, g.pub());
  REQUIRE_FALSE(forged.ok());
  CHECK(forged.error().code == frost_errc::invalid_signature_share);
  CHECK(forged.error().message.find("signature share of participant") == 0);

  // Aggregating under another group's keys fails as well.
  auto foreign = aggregate(pkg, shares, other.pub());
  REQUIRE_FALSE(foreign.ok());
  CHECK(foreign.error().code == frost_errc::invalid_signature_share);

  // A member of another group cannot contribute a valid share to this one.
  session s2(g, {0, 1}, hello);
  round1_output intruder = commit(other.keys[2]);
  s2.commitments.push_back(intruder.commitments);
  const signing_package mixed = s2.package();
  std::vector<signature_share> mixed_shares;
  mixed_shares.push_back(sign(mixed, std::move(s2.nonces[0]), g.keys[0]).value());
  mixed_shares.push_back(sign(mixed, std::move(s2.nonces[1]), g.keys[1]).value());
  auto bad = sign(mixed, std::move(intruder.nonces), other.keys[2]);
  REQUIRE(bad.ok());  // it signs under its own group key ...
  mixed_shares.push_back(bad.value());
  auto refused = aggregate(mixed, mixed_shares, g.pub());  // ... which is not ours
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().message == "signature share of participant 3 is invalid");
}

TEST_CASE("frost errors: signing nonces are single-use") {
  static_assert(!std::is_copy_constructible_v<signing_nonces>);
  static_assert(!std::is_copy_assignable_v<signing_nonces>);
  group g(2, 3);
  session s(g, {0, 1}, hello);
  const signing_package pkg = s.package();
  signing_nonces& n0 = s.nonces[0];
  REQUIRE(n0.usable());

  auto first = sign(pkg, std::move(n0), g.keys[0]);
  REQUIRE(first.ok());
  // The object was consumed and wiped: a second use is refused.
  CHECK_FALSE(n0.usable());
  CHECK(n0.hiding().is_zero());
  CHECK(n0.binding().is_zero());
  auto second = sign(pkg, std::move(n0), g.keys[0]);
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code == frost_errc::nonce_consumed);

  // Moving the nonces elsewhere leaves nothing usable behind.
  signing_nonces& n1 = s.nonces[1];
  signing_nonces moved(std::move(n1));
  CHECK_FALSE(n1.usable());
  auto stale = sign(pkg, std::move(n1), g.keys[1]);
  REQUIRE_FALSE(stale.ok());
  CHECK(stale.error().code == frost_errc::nonce_consumed);
  auto fresh = sign(pkg, std::move(moved), g.keys[1]);
  REQUIRE(fresh.ok());
  REQUIRE(aggregate(pkg, {first.value(), fresh.value()}, g.pub()).ok());

  // A failed sign consumes the nonces too (they are erased whatever the outcome).
  session s3(g, {0, 2}, hello);
  const signing_package pkg3 = s3.package();
  auto wrong_key = sign(pkg3, std::move(s3.nonces[0]), g.keys[2]);
  REQUIRE_FALSE(wrong_key.ok());
  CHECK(wrong_key.error().code == frost_errc::invalid_parameters);
  CHECK_FALSE(s3.nonces[0].usable());
}

TEST_CASE("frost errors: a signer refuses a package that alters its commitment or is too small") {
  group g;
  session s(g, {0, 1, 2}, hello);
  // The coordinator swaps participant 2's hiding and binding commitments.
  std::vector<signing_commitments> altered = s.commitments;
  std::swap(altered[1].hiding, altered[1].binding);
  auto pkg = signing_package::create(altered, hello);
  REQUIRE(pkg.ok());
  auto r = sign(pkg.value(), std::move(s.nonces[1]), g.keys[1]);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == frost_errc::commitment_mismatch);
  CHECK(r.error().message.find("participant 2") != std::string::npos);

  // Participant 2 is not listed at all.
  auto without = signing_package::create({s.commitments[0], s.commitments[2]}, hello);
  REQUIRE(without.ok());
  session s2(g, {1}, hello);
  auto missing = sign(without.value(), std::move(s2.nonces[0]), g.keys[1]);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == frost_errc::unknown_participant);

  // Fewer commitments than the threshold (t = 3).
  session s3(g, {0, 1}, hello);
  auto small = sign(s3.package(), std::move(s3.nonces[0]), g.keys[0]);
  REQUIRE_FALSE(small.ok());
  CHECK(small.error().code == frost_errc::too_few_signers);

  // Duplicate identifiers in a package.
  auto dup = signing_package::create({s.commitments[0], s.commitments[0]}, hello);
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().code == frost_errc::duplicate_identifier);
  CHECK_FALSE(signing_package::create({}, hello).ok());
}

TEST_CASE("frost errors: aggregate refuses missing, extra and duplicate shares") {
  group g;
  const std::vector<size_t> who = {0, 1, 2};
  session s(g, who, hello);
  const signing_package pkg = s.package();
  const std::vector<signature_share> shares = sign_all(g, who, s, pkg);

  auto missing = aggregate(pkg, {shares[0], shares[1]}, g.pub());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message == "signature share of participant 3 is missing");
  auto dup = aggregate(pkg, {shares[0], shares[1], shares[1]}, g.pub());
  REQUIRE_FALSE(dup.ok());
  CHECK(dup.error().code == frost_errc::duplicate_identifier);
  signature_share stranger{id_of(5), shares[2].z};
  auto extra = aggregate(pkg, {shares[0], shares[1], stranger}, g.pub());
  REQUIRE_FALSE(extra.ok());
  CHECK(extra.error().code == frost_errc::unknown_participant);
}

TEST_CASE("frost errors: a share that does not match the VSS commitment is refused") {
  auto dealt = trusted_dealer_keygen(3, 5);
  REQUIRE(dealt.ok());
  secret_share share = dealt->shares[3];
  REQUIRE(vss_verify(share).ok());
  share.value = share.value + scalar::from_u64(1);
  auto kp = key_package::from_secret_share(share);
  REQUIRE_FALSE(kp.ok());
  CHECK(kp.error().code == frost_errc::invalid_secret_share);
  CHECK(kp.error().message == "secret share of participant 4 does not match the VSS commitment");
  // Another participant's (valid) share under the wrong id.
  secret_share relabelled = dealt->shares[0];
  relabelled.id = id_of(2);
  CHECK_FALSE(vss_verify(relabelled).ok());
  // A commitment altered in transit.
  secret_share altered = dealt->shares[0];
  altered.commitment[1] = altered.commitment[1] + element::generator();
  CHECK_FALSE(key_package::from_secret_share(altered).ok());

  // Bad dealer parameters.
  CHECK_FALSE(trusted_dealer_keygen(1, 3).ok());
  CHECK_FALSE(trusted_dealer_keygen(4, 3).ok());
  CHECK_FALSE(secret_share_shard(scalar{}, {scalar::random()}, {id_of(1), id_of(2)}).ok());
  CHECK_FALSE(secret_share_shard(scalar::random(), {scalar::random()}, {id_of(1), id_of(1)}).ok());
  CHECK_FALSE(secret_share_shard(scalar::random(), {scalar::random()}, {id_of(1)}).ok());
}

TEST_CASE("frost errors: non-canonical scalars are rejected at decode") {
  // L, L + 1, 2^255 - 1 (top bits set), all ones; L - 1 is the largest valid scalar.
  const char* l = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
  const char* l_plus_1 = "eed3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
  const char* l_minus_1 = "ecd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
  const char* high = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f";
  const char* ones = "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
  for (const char* bad : {l, l_plus_1, high, ones}) {
    CAPTURE(bad);
    auto s = scalar::from_bytes(hex32(bad));
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code == frost_errc::invalid_scalar);
    auto share = signature_share::decode(id_of(7), hex32(bad).data());
    REQUIRE_FALSE(share.ok());
    CHECK(share.error().message ==
          "signature share of participant 7 is not a canonical scalar (>= L)");
    CHECK_FALSE(identifier::from_bytes(hex32(bad).data()).ok());
  }
  auto max = scalar::from_bytes(hex32(l_minus_1));
  REQUIRE(max.ok());
  CHECK((max.value() + scalar::from_u64(1)).is_zero());
  // Identifier zero is refused, in both forms.
  CHECK_FALSE(identifier::from_u64(0).ok());
  std::array<uint8_t, 32> zero{};
  auto zid = identifier::from_bytes(zero.data());
  REQUIRE_FALSE(zid.ok());
  CHECK(zid.error().code == frost_errc::invalid_identifier);
}

TEST_CASE("frost errors: bad points are rejected at decode") {
  // The identity, small-order points (orders 2, 4, 8), a non-canonical encoding (y = p + 1),
  // and an x-coordinate that is not on the curve (ZF elements.json).
  const char* identity = "0100000000000000000000000000000000000000000000000000000000000000";
  const char* order2 = "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f";
  const char* order4 = "0000000000000000000000000000000000000000000000000000000000000000";
  const char* order8 = "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a";
  const char* order8b = "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05";
  const char* noncanonical = "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f";
  const char* off_curve = "123456f9e9d319cad973b84cc4c835c8ee73281f5e2638d2d2b352c09edccbfb";
  for (const char* bad : {identity, order2, order4, order8, order8b, noncanonical, off_curve}) {
    CAPTURE(bad);
    auto e = element::from_bytes(hex32(bad));
    REQUIRE_FALSE(e.ok());
    CHECK((e.error().code == frost_errc::invalid_element ||
           e.error().code == frost_errc::identity_element));
  }
  CHECK(element::from_bytes(hex32(identity)).error().code == frost_errc::identity_element);

  // A mixed-order point B + T8 is on the curve but outside the prime-order subgroup.
  std::array<uint8_t, 32> mixed{};
  REQUIRE(crypto_core_ed25519_add(mixed.data(), element::generator().bytes().data(),
                                  hex32(order8).data()) == 0);
  auto m = element::from_bytes(mixed);
  REQUIRE_FALSE(m.ok());
  CHECK(m.error().code == frost_errc::invalid_element);
  CHECK(element::from_bytes(element::generator().bytes()).ok());

  // Commitments decode through the same checks and name the participant.
  group g(2, 3);
  round1_output r1 = commit(g.keys[1]);
  auto wire = r1.commitments.encode();
  REQUIRE(signing_commitments::decode(wire.data()).ok());
  auto bad_hiding = wire;
  std::copy(mixed.begin(), mixed.end(), bad_hiding.begin() + 32);
  auto d1 = signing_commitments::decode(bad_hiding.data());
  REQUIRE_FALSE(d1.ok());
  CHECK(d1.error().message.find("hiding commitment of participant 2") == 0);
  auto bad_binding = wire;
  const auto id = hex32(identity);
  std::copy(id.begin(), id.end(), bad_binding.begin() + 64);
  auto d2 = signing_commitments::decode(bad_binding.data());
  REQUIRE_FALSE(d2.ok());
  CHECK(d2.error().code == frost_errc::identity_element);
  auto bad_id = wire;
  std::fill(bad_id.begin(), bad_id.begin() + 32, 0);
  CHECK(signing_commitments::decode(bad_id.data()).error().code == frost_errc::invalid_identifier);
}

TEST_CASE("frost errors: Lagrange coefficients refuse duplicates and absent signers") {
  const std::vector<identifier> ids = {id_of(1), id_of(3), id_of(4)};
  CHECK(lagrange_coefficient(id_of(3), ids).ok());
  CHECK(lagrange_coefficient(id_of(2), ids).error().code == frost_errc::unknown_participant);
  CHECK(lagrange_coefficient(id_of(1), {id_of(1), id_of(3), id_of(3)}).error().code ==
        frost_errc::duplicate_identifier);
  // λ over {1, 2}: λ_1 = 2, λ_2 = -1.
  CHECK(lagrange_coefficient(id_of(1), {id_of(1), id_of(2)}).value() == scalar::from_u64(2));
  CHECK(lagrange_coefficient(id_of(2), {id_of(1), id_of(2)}).value() ==
        scalar::from_u64(1).negate());
}
