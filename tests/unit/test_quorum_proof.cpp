// QuorumDA signatures: the threshold rounding, early success, early abort, invalid signatures,
// duplicate and unknown responses, the proof encoding and its verification for reads.

#include "dsdn/da/quorum_proof.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "unit/da_test_support.hpp"

namespace dsdn::da {
namespace {

struct validator_set {
  std::vector<core::identity_key> keys;
  std::vector<core::public_key> pubs;
  explicit validator_set(size_t n) {
    core::crypto_init();
    for (size_t i = 0; i < n; ++i) {
      std::array<uint8_t, 32> seed{};
      seed.fill(static_cast<uint8_t>(0x40 + i));
      keys.push_back(core::identity_key::from_seed(seed));
      pubs.push_back(keys.back().public_key_bytes());
    }
  }
  core::signature sign(size_t i, const blob_bytes& blob) const {
    return quorum_sign(keys[i], blob.data(), blob.size());
  }
};

signature_collector make_collector(const validator_set& v, unsigned pct, const blob_bytes& blob) {
  auto c = signature_collector::create(v.pubs, pct, quorum_message(blob.data(), blob.size()));
  INFO((c.ok() ? std::string() : c.error().message));
  REQUIRE(c.ok());
  return std::move(c).value();
}

size_t required(size_t n, unsigned pct) {
  auto r = quorum_required(n, pct);
  REQUIRE(r.ok());
  return r.value();
}

TEST_CASE("quorum: required = ceil(n * pct / 100) in integers") {
  CHECK(required(3, 67) == 3);  // ceil(2.01)
  CHECK(required(3, 66) == 2);  // ceil(1.98)
  CHECK(required(3, 50) == 2);  // ceil(1.5)
  CHECK(required(3, 34) == 2);  // ceil(1.02)
  CHECK(required(3, 33) == 1);  // ceil(0.99)
  CHECK(required(4, 67) == 3);  // ceil(2.68)
  CHECK(required(4, 50) == 2);  // exact
  CHECK(required(10, 67) == 7);
  CHECK(required(1, 1) == 1);
  CHECK(required(5, 100) == 5);
  CHECK(required(100, 1) == 1);
  CHECK(required(65535, 100) == 65535);
  for (size_t n = 1; n <= 50; ++n) {
    for (unsigned pct = 1; pct <= 100; ++pct) {
      const size_t r = required(n, pct);
      // The smallest r with r * 100 >= n * pct.
      CHECK(r * 100 >= n * pct);
      CHECK((r - 1) * 100 < n * pct);
    }
  }
  CHECK(quorum_required(0, 50).error().code == quorum_errc::bad_config);
  CHECK(quorum_required(3, 0).error().code == quorum_errc::bad_config);
  CHECK(quorum_required(3, 101).error().code == quorum_errc::bad_config);
  CHECK(quorum_required(65536, 50).error().code == quorum_errc::bad_config);
  CHECK(quorum_required(3, 101).error().message.find("101%") != std::string::npos);
}

TEST_CASE("quorum: early success as soon as the threshold is reached") {
  validator_set v(5);
  const blob_bytes blob = test::make_blob(1, 300);
  auto c = make_collector(v, 60, blob);  // ceil(3.0) = 3
  CHECK(c.required() == 3);
  CHECK(c.state() == collect_state::pending);
  CHECK(c.add_signature(4, v.sign(4, blob)) == response_verdict::accepted);
  CHECK(c.add_error(1, "timeout") == response_verdict::error_recorded);
  CHECK(c.add_signature(0, v.sign(0, blob)) == response_verdict::accepted);
  CHECK(c.state() == collect_state::pending);
  CHECK(c.add_signature(2, v.sign(2, blob)) == response_verdict::accepted);
  CHECK(c.state() == collect_state::succeeded);  // validator 3 never needed to answer
  CHECK(c.outstanding() == 1);
  CHECK(c.valid() == 3);
  CHECK(c.errors() == 1);
  const quorum_proof proof = c.proof();
  REQUIRE(proof.signatures.size() == 3);
  CHECK(proof.signatures[0].index == 0);  // ordered by index, not by arrival
  CHECK(proof.signatures[1].index == 2);
  CHECK(proof.signatures[2].index == 4);
  CHECK(verify_proof(blob.data(), blob.size(), v.pubs, 60, proof).value() == 3);
  // Success is final; a late answer is still recorded.
  CHECK(c.add_error(3, "late") == response_verdict::error_recorded);
  CHECK(c.state() == collect_state::succeeded);
  CHECK(c.summary().rfind("quorum succeeded: 3 of 3 required valid signatures", 0) == 0);
}

TEST_CASE("quorum: early abort as soon as success became impossible") {
  validator_set v(5);
  const blob_bytes blob = test::make_blob(2, 64);
  auto c = make_collector(v, 60, blob);  // 3 of 5: at most 2 failures are survivable
  CHECK(c.add_error(0, "connection refused") == response_verdict::error_recorded);
  CHECK(c.add_signature(1, v.sign(1, blob)) == response_verdict::accepted);
  CHECK(c.add_error(2, "HTTP 500") == response_verdict::error_recorded);
  CHECK(c.state() == collect_state::pending);  // 1 valid + 2 outstanding = 3: still possible
  CHECK(c.add_error(3, "timeout") == response_verdict::error_recorded);
  CHECK(c.state() == collect_state::failed);  // 1 + 1 < 3, without waiting for validator 4
  CHECK(c.outstanding() == 1);
  const std::string s = c.summary();
  CHECK(s.rfind("quorum failed: 1 of 3 required valid signatures (3 error, 0 invalid, 0 "
                "duplicate, 0 unknown, 1 outstanding); validator 0: connection refused, "
                "validator 2: HTTP 500, validator 3: timeout",
                0) == 0);
  // Failure is final: the last validator cannot change it.
  CHECK(c.add_signature(4, v.sign(4, blob)) == response_verdict::accepted);
  CHECK(c.state() == collect_state::failed);
  auto proof = c.proof();
  CHECK(proof.signatures.size() == 2);
  auto not_enough = verify_proof(blob.data(), blob.size(), v.pubs, 60, proof);
  REQUIRE_FALSE(not_enough.ok());
  CHECK(not_enough.error().code == quorum_errc::not_reached);

  // 3 validators at 67% need all 3: the first error aborts.
  validator_set three(3);
  auto all = make_collector(three, 67, blob);
  CHECK(all.required() == 3);
  CHECK(all.add_error(1, "down") == response_verdict::error_recorded);
  CHECK(all.state() == collect_state::failed);
}

TEST_CASE("quorum: invalid signatures are counted, not fatal; duplicates and unknowns ignored") {
  validator_set v(4);
  const blob_bytes blob = test::make_blob(3, 100);
  const blob_bytes other = test::make_blob(4, 100);
  auto c = make_collector(v, 50, blob);  // 2 of 4
  // Signed the wrong blob, or with another validator's key: both invalid.
  CHECK(c.add_signature(0, v.sign(0, other)) == response_verdict::invalid_signature);
  CHECK(c.add_signature(1, v.sign(2, blob)) == response_verdict::invalid_signature);
  CHECK(c.invalid() == 2);
  CHECK(c.valid() == 0);
  CHECK(c.state() == collect_state::pending);  // 2 outstanding can still make it
  // Answers from validators that already answered, and from outside the set.
  CHECK(c.add_signature(0, v.sign(0, blob)) == response_verdict::duplicate);
  CHECK(c.add_error(1, "again") == response_verdict::duplicate);
  CHECK(c.add_signature(4, v.sign(3, blob)) == response_verdict::unknown_validator);
  CHECK(c.add_error(99, "who") == response_verdict::unknown_validator);
  CHECK(c.duplicates() == 2);
  CHECK(c.unknown() == 2);
  CHECK(c.outstanding() == 2);
  CHECK(c.valid() == 0);
  CHECK(c.add_signature(2, v.sign(2, blob)) == response_verdict::accepted);
  CHECK(c.add_signature(2, v.sign(2, blob)) == response_verdict::duplicate);
  CHECK(c.state() == collect_state::pending);  // a duplicate valid signature counts once
  CHECK(c.add_signature(3, v.sign(3, blob)) == response_verdict::accepted);
  CHECK(c.state() == collect_state::succeeded);
  CHECK(c.summary().find("validator 0: invalid signature") != std::string::npos);

  CHECK(signature_collector::create({}, 50, {}).error().code == quorum_errc::bad_config);
  CHECK(signature_collector::create(v.pubs, 0, {}).error().code == quorum_errc::bad_config);
}

TEST_CASE("quorum: proof round trip and verification") {
  validator_set v(7);
  const blob_bytes blob = test::make_blob(5, 1000);
  auto c = make_collector(v, 67, blob);  // ceil(4.69) = 5
  CHECK(c.required() == 5);
  for (size_t i : {6u, 1u, 3u, 0u, 5u}) {
    CHECK(c.add_signature(i, v.sign(i, blob)) == response_verdict::accepted);
  }
  REQUIRE(c.state() == collect_state::succeeded);
  const quorum_proof proof = c.proof();
  const auto bytes = encode_proof(proof);
  CHECK(bytes.size() == 3 + 5 * 66);
  CHECK(bytes[0] == 1);
  CHECK(bytes[1] == 5);
  CHECK(bytes[2] == 0);
  CHECK(bytes[3] == 0);  // first index, little endian
  auto decoded = decode_proof(bytes.data(), bytes.size());
  REQUIRE(decoded.ok());
  CHECK(decoded.value().signatures == proof.signatures);
  CHECK(verify_proof(blob.data(), blob.size(), v.pubs, 67, decoded.value()).value() == 5);
  CHECK(verify_proof(blob.data(), blob.size(), v.pubs, 60, decoded.value()).value() == 5);

  // A different blob, a higher threshold, another key set: refused with a reason.
  const blob_bytes other = test::make_blob(6, 1000);
  auto wrong_blob = verify_proof(other.data(), other.size(), v.pubs, 67, decoded.value());
  REQUIRE_FALSE(wrong_blob.ok());
  CHECK(wrong_blob.error().code == quorum_errc::invalid_signature);
  CHECK(verify_proof(blob.data(), blob.size(), v.pubs, 80, decoded.value()).error().code ==
        quorum_errc::not_reached);
  auto rotated = v.pubs;
  std::swap(rotated[0], rotated[2]);
  CHECK(verify_proof(blob.data(), blob.size(), rotated, 67, decoded.value()).error().code ==
        quorum_errc::invalid_signature);
  std::vector<core::public_key> fewer(v.pubs.begin(), v.pubs.begin() + 4);
  CHECK(verify_proof(blob.data(), blob.size(), fewer, 67, decoded.value()).error().code ==
        quorum_errc::unknown_validator);

  // A flipped bit in any signature breaks verification.
  auto tampered = bytes;
  tampered[3 + 66 * 2 + 2 + 10] ^= 0x01;
  auto t = decode_proof(tampered.data(), tampered.size());
  REQUIRE(t.ok());
  CHECK(verify_proof(blob.data(), blob.size(), v.pubs, 67, t.value()).error().code ==
        quorum_errc::invalid_signature);

  // Duplicates in a proof built by hand: encode keeps one, verify refuses them.
  quorum_proof twice = proof;
  twice.signatures.push_back(proof.signatures[0]);
  CHECK(verify_proof(blob.data(), blob.size(), v.pubs, 67, twice).error().code ==
        quorum_errc::malformed);
  CHECK(encode_proof(twice) == bytes);

  // Malformed encodings.
  CHECK(decode_proof(bytes.data(), 2).error().code == quorum_errc::malformed);
  CHECK(decode_proof(bytes.data(), bytes.size() - 1).error().code == quorum_errc::malformed);
  auto version = bytes;
  version[0] = 2;
  CHECK(decode_proof(version.data(), version.size()).error().message.find("version 2") !=
        std::string::npos);
  auto unordered = bytes;
  std::swap(unordered[3], unordered[3 + 66]);  // index 0 and 1 swap places
  CHECK(decode_proof(unordered.data(), unordered.size()).error().code == quorum_errc::malformed);
  const auto empty = encode_proof(quorum_proof{});
  CHECK(empty == std::vector<uint8_t>{1, 0, 0});
  auto none = decode_proof(empty.data(), empty.size());
  REQUIRE(none.ok());
  CHECK(verify_proof(blob.data(), blob.size(), v.pubs, 1, none.value()).error().code ==
        quorum_errc::not_reached);
}

}  // namespace
}  // namespace dsdn::da
