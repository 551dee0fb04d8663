// FROST(Ed25519, SHA-512) against the official vectors (dsdn/multi): every intermediate value of
// RFC 9591 §E.1 and of ZcashFoundation's vectors.json and vectors-big-identifier.json.
#include <doctest/doctest.h>

#include <sodium.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dsdn/core/crypto.hpp"
#include "dsdn/multi/frost.hpp"

using namespace dsdn::multi;
using dsdn::core::from_hex;
using dsdn::core::to_hex;

namespace {

nlohmann::json load_vectors(const std::string& name) {
  const std::string path = std::string(DSDN_SPECS_DIR) + "/frost/vectors/" + name;
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot open " << path);
  return nlohmann::json::parse(in);
}

std::vector<uint8_t> bytes_of_hex(const std::string& hex) {
  std::vector<uint8_t> out(hex.size() / 2);
  REQUIRE(from_hex(hex, out.data(), out.size()));
  return out;
}

template <size_t N>
std::array<uint8_t, N> array_of_hex(const std::string& hex) {
  std::array<uint8_t, N> out{};
  REQUIRE(from_hex(hex, out.data(), N));
  return out;
}

scalar scalar_of_hex(const std::string& hex) {
  auto s = scalar::from_bytes(array_of_hex<32>(hex));
  REQUIRE_MESSAGE(s.ok(), hex);
  return s.value();
}

identifier id_of(uint64_t v) {
  auto id = identifier::from_u64(v);
  REQUIRE(id.ok());
  return id.value();
}

template <class Bytes>
std::string hex_of(const Bytes& b) {
  return to_hex(b.data(), b.size());
}

// Counts every value of the vector file compared with what the implementation computed.
struct value_checker {
  size_t checked = 0;
  void equal(const std::string& what, const std::string& got, const std::string& expected) {
    CAPTURE(what);
    CHECK(got == expected);
    ++checked;
  }
};

// Runs one vector file end to end and returns how many of its values were compared.
size_t run_vector_file(const std::string& name) {
  const nlohmann::json v = load_vectors(name);
  const nlohmann::json& in = v["inputs"];
  value_checker check;

  const size_t max_participants = std::stoul(v["config"]["MAX_PARTICIPANTS"].get<std::string>());
  const size_t min_participants = std::stoul(v["config"]["MIN_PARTICIPANTS"].get<std::string>());
  const std::string group_key_hex = in.contains("group_public_key")
                                        ? in["group_public_key"].get<std::string>()
                                        : in["verifying_key_key"].get<std::string>();
  const std::vector<uint8_t> message = bytes_of_hex(in["message"].get<std::string>());

  // Key generation: the dealer's polynomial from the given secret and coefficients.
  const scalar secret = scalar_of_hex(in["group_secret_key"].get<std::string>());
  std::vector<scalar> coefficients;
  for (const auto& c : in["share_polynomial_coefficients"]) {
    coefficients.push_back(scalar_of_hex(c.get<std::string>()));
  }
  REQUIRE(coefficients.size() + 1 == min_participants);
  std::vector<identifier> all_ids;
  for (size_t i = 1; i <= max_participants; ++i) {
    all_ids.push_back(id_of(i));
  }
  auto dealt = secret_share_shard(secret, coefficients, all_ids);
  REQUIRE(dealt.ok());
  const public_key_package& pub = dealt->public_keys;
  check.equal("group public key", hex_of(pub.group_key.bytes()), group_key_hex);
  CHECK(pub.min_signers == min_participants);
  // The group key also decodes as a valid element.
  REQUIRE(element::from_bytes(array_of_hex<32>(group_key_hex)).ok());

  const auto& expected_shares = in["participant_shares"];
  REQUIRE(expected_shares.size() == max_participants);
  REQUIRE(dealt->shares.size() == max_participants);
  std::vector<key_package> keys;
  for (size_t i = 0; i < max_participants; ++i) {
    const secret_share& share = dealt->shares[i];
    CHECK(share.id == id_of(expected_shares[i]["identifier"].get<uint64_t>()));
    check.equal("share " + share.id.to_string(), hex_of(share.value.bytes()),
                expected_shares[i]["participant_share"].get<std::string>());
    // Verifying shares: the files carry none, so check s_i·B against the public derivation
    // Σ C_k·i^k (vss_verify) and the public package.
    auto kp = key_package::from_secret_share(share);
    REQUIRE(kp.ok());
    CHECK(kp->verifying_share == element::base_mul(share.value));
    auto listed = pub.verifying_share(share.id);
    REQUIRE(listed.ok());
    CHECK(listed.value() == kp->verifying_share);
    CHECK(kp->group_key == pub.group_key);
    keys.push_back(kp.value());
  }

  // Any threshold of shares recovers the secret.
  std::vector<share_point> points;
  for (size_t i = max_participants - min_participants; i < max_participants; ++i) {
    points.push_back(share_point{dealt->shares[i].id, dealt->shares[i].value});
  }
  auto recovered = secret_share_combine(points);
  REQUIRE(recovered.ok());
  check.equal("recovered group secret", hex_of(recovered->bytes()),
              in["group_secret_key"].get<std::string>());

  // Round 1: nonces from the given randomness, and their commitments.
  const auto& r1 = v["round_one_outputs"]["outputs"];
  REQUIRE(r1.size() == in["participant_list"].size());
  std::vector<signing_nonces> nonces;
  std::vector<signing_commitments> commitments;
  for (const auto& o : r1) {
    const identifier id = id_of(o["identifier"].get<uint64_t>());
    const key_package& kp = keys.at(o["identifier"].get<size_t>() - 1);
    REQUIRE(kp.id == id);
    const auto hr = array_of_hex<32>(o["hiding_nonce_randomness"].get<std::string>());
    const auto br = array_of_hex<32>(o["binding_nonce_randomness"].get<std::string>());
    CHECK(hex_of(nonce_generate(kp.signing_share, hr).bytes()) ==
          o["hiding_nonce"].get<std::string>());
    round1_output out = commit(kp, hr, br);
    const std::string who = " of " + id.to_string();
    check.equal("hiding nonce" + who, hex_of(out.nonces.hiding().bytes()), o["hiding_nonce"]);
    check.equal("binding nonce" + who, hex_of(out.nonces.binding().bytes()), o["binding_nonce"]);
    check.equal("hiding commitment" + who, hex_of(out.commitments.hiding.bytes()),
                o["hiding_nonce_commitment"]);
    check.equal("binding commitment" + who, hex_of(out.commitments.binding.bytes()),
                o["binding_nonce_commitment"]);
    // The commitments survive the wire form.
    auto decoded = signing_commitments::decode(out.commitments.encode().data());
    REQUIRE(decoded.ok());
    CHECK(decoded->hiding == out.commitments.hiding);
    CHECK(decoded->binding == out.commitments.binding);
    CHECK(decoded->id == id);
    commitments.push_back(decoded.value());
    nonces.push_back(std::move(out.nonces));
  }

  // Hand the list over in reverse order: signing_package must sort it numerically.
  std::vector<signing_commitments> reversed(commitments.rbegin(), commitments.rend());
  auto package = signing_package::create(reversed, message);
  REQUIRE(package.ok());

  // Binding factors, their inputs, the group commitment and the challenge.
  const auto factors = compute_binding_factors(pub.group_key, package.value());
  REQUIRE(factors.size() == r1.size());
  for (size_t i = 0; i < r1.size(); ++i) {
    const std::string who = " of " + factors[i].id.to_string();
    CHECK(factors[i].id == id_of(r1[i]["identifier"].get<uint64_t>()));
    check.equal("binding factor input" + who, hex_of(factors[i].input),
                r1[i]["binding_factor_input"]);
    check.equal("binding factor" + who, hex_of(factors[i].rho.bytes()), r1[i]["binding_factor"]);
  }
  auto group_commitment = compute_group_commitment(package.value(), factors);
  REQUIRE(group_commitment.ok());
  const std::string sig_hex = v["final_output"]["sig"].get<std::string>();
  // The signature's first half is Ser(R), the group commitment.
  check.equal("group commitment", hex_of(group_commitment->bytes()), sig_hex.substr(0, 64));
  const scalar challenge =
      compute_challenge(group_commitment.value(), pub.group_key, package->message());

  // Round 2: signature shares, each verified against the signer's verifying share.
  const auto& r2 = v["round_two_outputs"]["outputs"];
  REQUIRE(r2.size() == r1.size());
  std::vector<signature_share> shares;
  scalar z_sum;
  for (size_t i = 0; i < r2.size(); ++i) {
    const key_package& kp = keys.at(r2[i]["identifier"].get<size_t>() - 1);
    REQUIRE(nonces[i].commitments().id == kp.id);
    auto share = sign(package.value(), std::move(nonces[i]), kp);
    REQUIRE_MESSAGE(share.ok(), share.error().message);
    check.equal("signature share of " + kp.id.to_string(), hex_of(share->encode()),
                r2[i]["sig_share"]);
    CHECK(verify_signature_share(share.value(), kp.verifying_share, package.value(), pub.group_key)
              .ok());
    // The decoded wire form is the same share.
    auto decoded = signature_share::decode(kp.id, share->encode().data());
    REQUIRE(decoded.ok());
    CHECK(decoded->z == share->z);
    z_sum = z_sum + share->z;
    shares.push_back(decoded.value());
  }

  // The Ed25519 equation with the vector's own values: z·B == R + c·PK.
  CHECK(element::base_mul(z_sum) == group_commitment.value() + pub.group_key * challenge);

  auto sig = aggregate(package.value(), shares, pub);
  REQUIRE_MESSAGE(sig.ok(), sig.error().message);
  check.equal("signature", hex_of(sig.value()), sig_hex);
  CHECK(verify_signature(pub.group_key, message.data(), message.size(), sig.value()));
  CHECK(crypto_sign_verify_detached(sig->data(), message.data(), message.size(),
                                    pub.group_key.bytes().data()) == 0);
  return check.checked;
}

}  // namespace

TEST_CASE("frost vectors: RFC 9591 E.1 FROST(Ed25519, SHA-512)") {
  // 1 group key + 3 shares + 1 recovered secret + 2 × (4 nonce values + 2 binding-factor values
  // + 1 signature share) + group commitment + signature.
  const size_t n = run_vector_file("rfc9591_E1_ed25519_sha512.json");
  MESSAGE("RFC 9591 E.1: " << n << " values checked");
  CHECK(n == 1 + 3 + 1 + 2 * 7 + 1 + 1);
}

TEST_CASE("frost vectors: ZF frost-ed25519 vectors.json") {
  const size_t n = run_vector_file("zf_ed25519_vectors.json");
  MESSAGE("ZF vectors.json: " << n << " values checked");
  CHECK(n == 1 + 3 + 1 + 2 * 7 + 1 + 1);
}

TEST_CASE("frost vectors: ZF frost-ed25519 vectors-big-identifier.json (ids 129, 256, 257)") {
  const size_t n = run_vector_file("zf_ed25519_vectors_big_identifier.json");
  MESSAGE("ZF vectors-big-identifier.json: " << n << " values checked");
  CHECK(n == 1 + 257 + 1 + 3 * 7 + 1 + 1);
}

TEST_CASE("frost vectors: identifiers encode little-endian and sort numerically") {
  CHECK(hex_of(id_of(256).bytes()) ==
        "0001000000000000000000000000000000000000000000000000000000000000");
  CHECK(id_of(129) < id_of(256));
  CHECK(id_of(256) < id_of(257));
  CHECK_FALSE(id_of(257) < id_of(256));
  CHECK(id_of(256).to_string() == "256");
  // ZF samples.json: identifier 42 and two elements decode; elements.json: an invalid element.
  const nlohmann::json samples = load_vectors("zf_ed25519_samples.json");
  auto sample_id = identifier::from_bytes(array_of_hex<32>(samples["identifier"]).data());
  REQUIRE(sample_id.ok());
  CHECK(sample_id.value() == id_of(42));
  CHECK(element::from_bytes(array_of_hex<32>(samples["element1"])).ok());
  CHECK(element::from_bytes(array_of_hex<32>(samples["element2"])).ok());
  CHECK(element::from_bytes(array_of_hex<32>(samples["element1"])).value() == element::generator());
  CHECK(scalar::from_bytes(array_of_hex<32>(samples["scalar1"])).ok());
  const nlohmann::json elements = load_vectors("zf_ed25519_elements.json");
  auto bad = element::from_bytes(array_of_hex<32>(elements["elements"]["invalid_element"]));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == frost_errc::invalid_element);
}
