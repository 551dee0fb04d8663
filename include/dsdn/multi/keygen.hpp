#pragma once
// Trusted-dealer key generation with Feldman VSS commitments (RFC 9591 Appendix C) and the
// per-participant key material derived from a verified share.

#include <cstdint>
#include <utility>
#include <vector>

#include "dsdn/multi/element.hpp"
#include "dsdn/multi/errors.hpp"
#include "dsdn/multi/identifier.hpp"
#include "dsdn/multi/scalar.hpp"

namespace dsdn::multi {

/// The dealer's VSS commitment C_k = a_k·B (C_0 = group public key); size = threshold.
using vss_commitment = std::vector<element>;

/// What the dealer sends to one participant over a confidential, authenticated channel.
struct secret_share {
  identifier id;
  scalar value;               ///< s_i = f(id)
  vss_commitment commitment;  ///< the same for every participant (compare copies!)
};

/// Public material every participant and the coordinator hold.
struct public_key_package {
  element group_key;  ///< PK = C_0
  /// PK_j = s_j·B for every participant, in the order they were generated.
  std::vector<std::pair<identifier, element>> verifying_shares;
  uint16_t min_signers = 0;  ///< the threshold t

  /// The verifying share of `id`; unknown_participant if there is none.
  frost_result<element> verifying_share(const identifier& id) const;
  /// Derives everything public from a commitment: PK = C_0, PK_j = Σ_k C_k·j^k.
  static frost_result<public_key_package> from_commitment(const vss_commitment& commitment,
                                                          const std::vector<identifier>& ids);
};

/// Shares, commitment and public package produced by the dealer.
struct dealer_output {
  std::vector<secret_share> shares;
  public_key_package public_keys;
};

/// One participant's key material, built from a verified share. The signing share is wiped
/// when the object dies.
struct key_package {
  identifier id;
  scalar signing_share;     ///< s_i
  element verifying_share;  ///< PK_i = s_i·B
  element group_key;        ///< PK
  uint16_t min_signers;     ///< t

  /// vss_verify, then derives PK_i and PK; refuses a share that does not match the commitment
  /// (invalid_secret_share) and a commitment whose C_0 is the identity.
  static frost_result<key_package> from_secret_share(const secret_share& share);
};

/// secret_share_shard with given coefficients (deterministic; the vectors use it):
/// f(x) = secret + coefficients[0]·x + ...; threshold = coefficients.size() + 1 >= 2; one share
/// per id (distinct, at least the threshold). Refuses a zero secret.
frost_result<dealer_output> secret_share_shard(const scalar& secret,
                                               const std::vector<scalar>& coefficients,
                                               const std::vector<identifier>& ids);

/// trusted_dealer_keygen for `secret` with random coefficients and ids 1..max_signers
/// (2 <= min_signers <= max_signers).
frost_result<dealer_output> trusted_dealer_keygen(const scalar& secret, uint16_t min_signers,
                                                  uint16_t max_signers);
/// trusted_dealer_keygen with a random secret.
frost_result<dealer_output> trusted_dealer_keygen(uint16_t min_signers, uint16_t max_signers);

/// Σ_k C_k·x^k: the public image f(x)·B of the committed polynomial.
element vss_evaluate(const vss_commitment& commitment, const identifier& x);
/// vss_verify: s_i·B == Σ_k C_k·i^k; invalid_secret_share naming the participant otherwise.
frost_result<bool> vss_verify(const secret_share& share);

}  // namespace dsdn::multi
