#pragma once
// What the coordinator sends to the signers in round 2, and the values every party derives
// from it: binding factors, group commitment and challenge (RFC 9591 §4.3–4.6).

#include <array>
#include <cstdint>
#include <vector>

#include "dsdn/multi/element.hpp"
#include "dsdn/multi/errors.hpp"
#include "dsdn/multi/identifier.hpp"
#include "dsdn/multi/nonce.hpp"
#include "dsdn/multi/scalar.hpp"

namespace dsdn::multi {

/// The commitment list (sorted by identifier, no duplicates) and the message to sign.
class signing_package {
 public:
  /// Sorts `commitments` numerically by identifier; refuses an empty list and duplicate ids.
  /// The message is signed raw (PureEdDSA, no prehash).
  static frost_result<signing_package> create(std::vector<signing_commitments> commitments,
                                              std::vector<uint8_t> message);

  /// The commitments, ascending by identifier.
  const std::vector<signing_commitments>& commitments() const { return commitments_; }
  /// The message.
  const std::vector<uint8_t>& message() const { return message_; }
  /// The entry of `id`, or nullptr.
  const signing_commitments* find(const identifier& id) const;
  /// The signers' identifiers, ascending.
  std::vector<identifier> identifiers() const;

 private:
  signing_package() = default;
  std::vector<signing_commitments> commitments_;
  std::vector<uint8_t> message_;
};

/// encode_group_commitment_list: Σ Ser(x_j) || Ser(D_j) || Ser(E_j), 96 bytes per entry.
std::vector<uint8_t> encode_group_commitment_list(const std::vector<signing_commitments>& list);

/// Bytes of rho_input: Ser(PK) || H4(msg) || H5(list) || Ser(x_j).
constexpr size_t binding_factor_input_size = 32 + 64 + 64 + 32;
using binding_factor_input_bytes = std::array<uint8_t, binding_factor_input_size>;

/// One signer's binding factor rho_j and the input it was hashed from.
struct binding_factor {
  identifier id;
  scalar rho;                        ///< H1(input)
  binding_factor_input_bytes input;  ///< the vectors' binding_factor_input
};

/// compute_binding_factors, in the package's (sorted) order.
std::vector<binding_factor> compute_binding_factors(const element& group_key,
                                                    const signing_package& package);

/// compute_group_commitment: R = Σ (D_j + rho_j·E_j); refuses an identity R. `factors` must
/// come from compute_binding_factors for the same package.
frost_result<element> compute_group_commitment(const signing_package& package,
                                               const std::vector<binding_factor>& factors);

/// compute_challenge: c = H2(Ser(R) || Ser(PK) || msg), the Ed25519 challenge.
scalar compute_challenge(const element& group_commitment, const element& group_key,
                         const std::vector<uint8_t>& message);

/// Everything derived once per package: rho_j, R, c, and the signer list (O(t) per share check).
struct signing_context {
  std::vector<binding_factor> factors;
  element group_commitment;
  scalar challenge;
  std::vector<identifier> signers;

  /// rho of `id` (nullptr when `id` did not commit).
  const scalar* rho_of(const identifier& id) const;
};

/// Computes the signing context for `package` under `group_key`.
frost_result<signing_context> make_signing_context(const element& group_key,
                                                   const signing_package& package);

}  // namespace dsdn::multi
