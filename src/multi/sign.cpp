#include "dsdn/multi/sign.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "dsdn/multi/polynomial.hpp"

namespace dsdn::multi {

namespace {

std::string participant(const identifier& id) {
  return "participant " + id.to_string();
}

// aggregate's input checks: exactly one share per committed signer, at least min_signers.
frost_result<bool> check_shares(const signing_package& package,
                                const std::vector<signature_share>& shares,
                                const public_key_package& keys) {
  const size_t signers = package.commitments().size();
  if (signers < keys.min_signers) {
    return {frost_errc::too_few_signers, "signing package has " + std::to_string(signers) +
                                             " signers, threshold is " +
                                             std::to_string(keys.min_signers)};
  }
  std::vector<identifier> seen;
  seen.reserve(shares.size());
  for (const signature_share& s : shares) {
    if (package.find(s.id) == nullptr) {
      return {frost_errc::unknown_participant,
              "signature share of " + participant(s.id) + ", who did not commit"};
    }
    if (std::find(seen.begin(), seen.end(), s.id) != seen.end()) {
      return {frost_errc::duplicate_identifier, "two signature shares of " + participant(s.id)};
    }
    seen.push_back(s.id);
  }
  if (shares.size() != signers) {
    for (const identifier& id : package.identifiers()) {
      if (std::find(seen.begin(), seen.end(), id) == seen.end()) {
        return {frost_errc::unknown_participant,
                "signature share of " + participant(id) + " is missing"};
      }
    }
  }
  return true;
}

}  // namespace

frost_result<signature_share> signature_share::decode(const identifier& id,
                                                      const uint8_t* bytes32) {
  auto z = scalar::from_bytes(bytes32);
  if (!z) {
    return {frost_errc::invalid_scalar,
            "signature share of " + participant(id) + " is not a canonical scalar (>= L)"};
  }
  return signature_share{id, z.value()};
}

frost_result<signature_share> sign(const signing_package& package, signing_nonces&& nonces,
                                   const key_package& key) {
  // Owning the nonces here means they are wiped when this function returns, on every path.
  signing_nonces local(std::move(nonces));
  if (!local.usable()) {
    return {frost_errc::nonce_consumed, "signing nonces were already used (or moved from)"};
  }
  const signing_commitments& mine = local.commitments();
  if (mine.id != key.id) {
    return {frost_errc::invalid_parameters,
            "signing nonces belong to " + participant(mine.id) + ", not to " + participant(key.id)};
  }
  const signing_commitments* listed = package.find(key.id);
  if (listed == nullptr) {
    return {frost_errc::unknown_participant,
            participant(key.id) + " is not in the signing package"};
  }
  // P11: a coordinator that swaps our (D, E) could otherwise make us sign under nonces whose
  // commitments it chose.
  if (listed->hiding != mine.hiding || listed->binding != mine.binding) {
    return {frost_errc::commitment_mismatch,
            "signing package carries different commitments for " + participant(key.id)};
  }
  if (package.commitments().size() < key.min_signers) {
    return {frost_errc::too_few_signers,
            "signing package has " + std::to_string(package.commitments().size()) +
                " signers, threshold is " + std::to_string(key.min_signers)};
  }
  auto ctx = make_signing_context(key.group_key, package);
  if (!ctx) {
    return ctx.error();
  }
  auto lambda = lagrange_coefficient(key.id, ctx->signers);
  if (!lambda) {
    return lambda.error();
  }
  const scalar& rho = *ctx->rho_of(key.id);
  scalar z =
      local.hiding() + local.binding() * rho + lambda.value() * key.signing_share * ctx->challenge;
  return signature_share{key.id, z};
}

frost_result<bool> verify_signature_share(const signature_share& share,
                                          const element& verifying_share,
                                          const signing_package& package,
                                          const signing_context& context) {
  const signing_commitments* comm = package.find(share.id);
  const scalar* rho = context.rho_of(share.id);
  if (comm == nullptr || rho == nullptr) {
    return {frost_errc::unknown_participant,
            "signature share of " + participant(share.id) + ", who did not commit"};
  }
  auto lambda = lagrange_coefficient(share.id, context.signers);
  if (!lambda) {
    return lambda.error();
  }
  const element lhs = element::base_mul(share.z);
  const element rhs =
      comm->hiding + comm->binding * *rho + verifying_share * (context.challenge * lambda.value());
  if (lhs != rhs) {
    return {frost_errc::invalid_signature_share,
            "signature share of " + participant(share.id) + " is invalid"};
  }
  return true;
}

frost_result<bool> verify_signature_share(const signature_share& share,
                                          const element& verifying_share,
                                          const signing_package& package,
                                          const element& group_key) {
  auto ctx = make_signing_context(group_key, package);
  if (!ctx) {
    return ctx.error();
  }
  return verify_signature_share(share, verifying_share, package, ctx.value());
}

frost_result<frost_signature> aggregate(const signing_package& package,
                                        const std::vector<signature_share>& shares,
                                        const public_key_package& keys) {
  if (auto ok = check_shares(package, shares, keys); !ok) {
    return ok.error();
  }
  auto ctx = make_signing_context(keys.group_key, package);
  if (!ctx) {
    return ctx.error();
  }
  return aggregate(package, shares, keys, ctx.value());
}

frost_result<frost_signature> aggregate(const signing_package& package,
                                        const std::vector<signature_share>& shares,
                                        const public_key_package& keys,
                                        const signing_context& context) {
  if (auto ok = check_shares(package, shares, keys); !ok) {
    return ok.error();
  }
  scalar z;
  for (const signature_share& s : shares) {
    z = z + s.z;
  }
  frost_signature sig;
  std::memcpy(sig.data(), context.group_commitment.bytes().data(), 32);
  std::memcpy(sig.data() + 32, z.bytes().data(), 32);
  // One verification of the aggregate instead of t share checks; the shares are only examined
  // to name the culprit when it fails (identifiable abort, SPEC.md §3 step 10).
  if (verify_signature(keys.group_key, package.message().data(), package.message().size(), sig)) {
    return sig;
  }
  for (const signature_share& s : shares) {
    auto pk = keys.verifying_share(s.id);
    if (!pk) {
      return pk.error();
    }
    auto ok = verify_signature_share(s, pk.value(), package, context);
    if (!ok) {
      return ok.error();
    }
  }
  return {frost_errc::invalid_signature, "aggregate signature does not verify"};
}

bool verify_signature(const element& group_key, const uint8_t* message, size_t size,
                      const frost_signature& signature) {
  // libsodium wants a valid pointer even for an empty message.
  static const uint8_t empty = 0;
  return crypto_sign_verify_detached(signature.data(), message != nullptr ? message : &empty, size,
                                     group_key.bytes().data()) == 0;
}

}  // namespace dsdn::multi
