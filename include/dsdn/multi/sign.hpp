#pragma once
// Round 2 of FROST signing, signature-share verification and aggregation (RFC 9591 §5.2–5.3).

#include <array>
#include <cstdint>
#include <vector>

#include "dsdn/multi/element.hpp"
#include "dsdn/multi/errors.hpp"
#include "dsdn/multi/identifier.hpp"
#include "dsdn/multi/keygen.hpp"
#include "dsdn/multi/nonce.hpp"
#include "dsdn/multi/scalar.hpp"
#include "dsdn/multi/signing_package.hpp"

namespace dsdn::multi {

/// A 64-byte signature R || z, byte-identical to an RFC 8032 Ed25519 signature.
using frost_signature = std::array<uint8_t, 64>;

/// One signer's round-2 output z_i.
struct signature_share {
  identifier id;
  scalar z;

  /// SerializeScalar(z).
  const scalar::bytes_type& encode() const { return z.bytes(); }
  /// The share `id` sent as 32 bytes; refuses z >= L (message names the participant).
  static frost_result<signature_share> decode(const identifier& id, const uint8_t* bytes32);
};

/// Round 2 (sign): z_i = d + e·rho_i + λ_i·s_i·c. Takes the nonces by rvalue and consumes them
/// whatever the outcome (they are moved into a local and wiped); a moved-from or used object is
/// refused with nonce_consumed. Checks first that the package holds the signer's own (D, E)
/// unchanged (commitment_mismatch), at least min_signers entries (too_few_signers), and that R
/// is not the identity.
frost_result<signature_share> sign(const signing_package& package, signing_nonces&& nonces,
                                   const key_package& key);

/// verify_signature_share: z_i·B == D_i + rho_i·E_i + (c·λ_i)·PK_i, with `verifying_share` =
/// PK_i; invalid_signature_share naming the participant on failure.
frost_result<bool> verify_signature_share(const signature_share& share,
                                          const element& verifying_share,
                                          const signing_package& package, const element& group_key);
/// The same check with the per-package values already computed by make_signing_context for
/// `package` (O(t) per share instead of O(t^2) when checking many shares).
frost_result<bool> verify_signature_share(const signature_share& share,
                                          const element& verifying_share,
                                          const signing_package& package,
                                          const signing_context& context);

/// aggregate: exactly one share per committed signer (at least min_signers of them);
/// z = Σ z_i, signature = Ser(R) || Ser(z). The result is verified against the group key;
/// if it fails every share is checked and the first invalid one is named
/// ("signature share of participant 3 is invalid").
frost_result<frost_signature> aggregate(const signing_package& package,
                                        const std::vector<signature_share>& shares,
                                        const public_key_package& keys);
/// The same with the context make_signing_context already computed for `package` under
/// keys.group_key (a coordinator holds it from round 1): saves recomputing R, which costs t
/// variable-base scalar multiplications.
frost_result<frost_signature> aggregate(const signing_package& package,
                                        const std::vector<signature_share>& shares,
                                        const public_key_package& keys,
                                        const signing_context& context);

/// Ed25519 verification of `signature` on `message` under `group_key` with libsodium's
/// crypto_sign_verify_detached (cofactorless; equivalent to the RFC's cofactored check for
/// signatures whose R and key lie in the prime-order subgroup, SPEC.md P9).
bool verify_signature(const element& group_key, const uint8_t* message, size_t size,
                      const frost_signature& signature);

}  // namespace dsdn::multi
