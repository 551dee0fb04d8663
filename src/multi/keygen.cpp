#include "dsdn/multi/keygen.hpp"

#include "dsdn/multi/polynomial.hpp"

namespace dsdn::multi {

frost_result<element> public_key_package::verifying_share(const identifier& id) const {
  for (const auto& [j, pk] : verifying_shares) {
    if (j == id) {
      return pk;
    }
  }
  return {frost_errc::unknown_participant,
          "participant " + id.to_string() + " has no verifying share"};
}

frost_result<public_key_package> public_key_package::from_commitment(
    const vss_commitment& commitment, const std::vector<identifier>& ids) {
  if (commitment.size() < 2 || commitment.size() > UINT16_MAX) {
    return {frost_errc::invalid_parameters, "VSS commitment must have 2..65535 entries"};
  }
  if (commitment[0].is_identity()) {
    return {frost_errc::identity_element, "group public key is the identity"};
  }
  auto distinct = check_distinct(ids);
  if (!distinct) {
    return distinct.error();
  }
  public_key_package pkg;
  pkg.group_key = commitment[0];
  pkg.min_signers = static_cast<uint16_t>(commitment.size());
  pkg.verifying_shares.reserve(ids.size());
  for (const identifier& id : ids) {
    pkg.verifying_shares.emplace_back(id, vss_evaluate(commitment, id));
  }
  return pkg;
}

frost_result<key_package> key_package::from_secret_share(const secret_share& share) {
  if (share.commitment.size() < 2 || share.commitment.size() > UINT16_MAX) {
    return {frost_errc::invalid_parameters, "VSS commitment must have 2..65535 entries"};
  }
  if (share.commitment[0].is_identity()) {
    return {frost_errc::identity_element, "group public key is the identity"};
  }
  auto ok = vss_verify(share);
  if (!ok) {
    return ok.error();
  }
  return key_package{share.id, share.value, element::base_mul(share.value), share.commitment[0],
                     static_cast<uint16_t>(share.commitment.size())};
}

element vss_evaluate(const vss_commitment& commitment, const identifier& x) {
  // Σ_k C_k·x^k, summed with `+` from the identity (never multiplying the identity, P2).
  element acc;
  scalar power = scalar::from_u64(1);
  for (const element& c : commitment) {
    acc = acc + c * power;
    power = power * x.value();
  }
  return acc;
}

frost_result<bool> vss_verify(const secret_share& share) {
  if (element::base_mul(share.value) != vss_evaluate(share.commitment, share.id)) {
    return {frost_errc::invalid_secret_share, "secret share of participant " +
                                                  share.id.to_string() +
                                                  " does not match the VSS commitment"};
  }
  return true;
}

frost_result<dealer_output> secret_share_shard(const scalar& secret,
                                               const std::vector<scalar>& coefficients,
                                               const std::vector<identifier>& ids) {
  const size_t threshold = coefficients.size() + 1;
  if (threshold < 2 || threshold > UINT16_MAX) {
    return {frost_errc::invalid_parameters, "threshold must be in 2..65535"};
  }
  if (ids.size() < threshold) {
    return {frost_errc::invalid_parameters, "fewer participants than the threshold"};
  }
  if (secret.is_zero()) {
    return {frost_errc::invalid_parameters, "secret is zero"};
  }
  auto distinct = check_distinct(ids);
  if (!distinct) {
    return distinct.error();
  }
  std::vector<scalar> poly;
  poly.reserve(threshold);
  poly.push_back(secret);
  poly.insert(poly.end(), coefficients.begin(), coefficients.end());

  vss_commitment commitment;
  commitment.reserve(threshold);
  for (const scalar& a : poly) {
    commitment.push_back(element::base_mul(a));
  }
  dealer_output out;
  out.shares.reserve(ids.size());
  for (const identifier& id : ids) {
    out.shares.push_back(secret_share{id, polynomial_evaluate(id.value(), poly), commitment});
  }
  auto pub = public_key_package::from_commitment(commitment, ids);
  if (!pub) {
    return pub.error();
  }
  out.public_keys = std::move(pub.value());
  // `poly` holds the secret and the coefficients: scalar's destructor wipes them.
  return out;
}

frost_result<dealer_output> trusted_dealer_keygen(const scalar& secret, uint16_t min_signers,
                                                  uint16_t max_signers) {
  if (min_signers < 2 || min_signers > max_signers) {
    return {frost_errc::invalid_parameters, "need 2 <= min_signers <= max_signers"};
  }
  std::vector<scalar> coefficients;
  coefficients.reserve(min_signers - 1);
  for (uint16_t k = 1; k < min_signers; ++k) {
    coefficients.push_back(scalar::random());
  }
  std::vector<identifier> ids;
  ids.reserve(max_signers);
  for (uint16_t i = 1; i <= max_signers; ++i) {
    ids.push_back(identifier::from_u64(i).value());
  }
  return secret_share_shard(secret, coefficients, ids);
}

frost_result<dealer_output> trusted_dealer_keygen(uint16_t min_signers, uint16_t max_signers) {
  return trusted_dealer_keygen(scalar::random(), min_signers, max_signers);
}

}  // namespace dsdn::multi
