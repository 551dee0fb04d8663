#pragma once
// Error codes of the FROST implementation (dsdn::multi) and the result alias its functions return.

#include <cstdint>

#include "dsdn/core/result.hpp"

namespace dsdn::multi {

/// Why a FROST operation was refused. The accompanying message names the failing check and,
/// where there is one, the participant (e.g. "signature share of participant 3 is invalid").
enum class frost_errc : uint8_t {
  invalid_scalar = 1,       ///< a scalar encoding is >= L (non-canonical)
  invalid_element,          ///< a point encoding is not canonical, not on the curve, or
                            ///< not in the prime-order subgroup (incl. small-order points)
  identity_element,         ///< a point is the identity where the RFC forbids it
  invalid_identifier,       ///< an identifier is zero or non-canonical
  duplicate_identifier,     ///< the same identifier appears twice in a list
  unknown_participant,      ///< an identifier is missing from a list it must be in
  invalid_parameters,       ///< bad threshold/participant counts or inputs of the wrong size
  too_few_signers,          ///< fewer commitments or shares than the threshold
  invalid_secret_share,     ///< a share does not match the dealer's VSS commitment
  commitment_mismatch,      ///< a signer's own (D, E) differs from the coordinator's list
  nonce_consumed,           ///< a signing-nonce object was already used (or moved from)
  invalid_signature_share,  ///< a signature share does not verify against its verifying share
  invalid_signature,        ///< the aggregate signature does not verify
};

/// A FROST value or a `failure<frost_errc>`.
template <class T>
using frost_result = dsdn::result<T, frost_errc>;

}  // namespace dsdn::multi
