#pragma once
// The member side of FROST signing as a plain class (no CAF, no clock): what a coordinator's
// signing_peer does with round-1 and round-2 requests from the committee, and the signed
// byte strings that authenticate peers to each other.
//
//   commit()  fresh nonces, kept only in memory (bounded; the oldest are wiped first) and keyed
//             by their commitment (D, E); returns id || D || E.
//   sign()    only for a requester listed in the committee whose Ed25519 identity signed the
//             request, only for a domain-separated message of a kind this member validates
//             (operator-message; receipts are refused until their validation exists), and only
//             when the package holds one of this member's own unused commitments. The nonces
//             are removed before signing, so whatever happens they are never used twice.
//   hello()   proves this member's identity key to a peer that sent a challenge.

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "dsdn/core/crypto.hpp"
#include "dsdn/core/result.hpp"
#include "dsdn/multi/committee_files.hpp"
#include "dsdn/multi/nonce.hpp"
#include "dsdn/multi/scalar.hpp"
#include "dsdn/multi/signing_package.hpp"

namespace dsdn::multi {

/// Why a member refused a round-2 request.
enum class signer_errc : uint8_t {
  unknown_requester = 1,  ///< the requester is not a committee member
  bad_request_signature,  ///< the request is not signed by the requester's identity key
  not_signable,           ///< not a domain message, a kind this member does not sign, or a
                          ///< payload that fails the kind's validation
  malformed_package,      ///< undecodable commitments, unknown or too few signers
  unknown_commitment,     ///< this member's (D, E) in the package was not issued or is used
  signing_failed,         ///< FROST refused to sign (e.g. R is the identity)
};
/// "unknown_requester", ...
const char* to_string(signer_errc e);

/// Bounds of a member's in-memory state and inputs.
struct member_signer_limits {
  size_t max_pending_nonces = 4096;      ///< unused round-1 nonces kept; the oldest go first
  size_t max_message_bytes = 64 * 1024;  ///< the longest domain message signed
};

/// Bytes of one wire commitment (id || D || E).
using commitment_bytes = std::array<uint8_t, signing_commitments::encoded_size>;

/// What a requester signs to ask for signature shares: a fixed context, its id, the message
/// and the commitment list, each length-prefixed so no two requests encode alike.
std::vector<uint8_t> share_request_bytes(std::string_view requester,
                                         const std::vector<uint8_t>& message,
                                         const std::vector<commitment_bytes>& commitments);

/// What a member signs to answer a hello: a fixed context, the 32-byte challenge, the
/// challenger's id and its own id (length-prefixed).
std::vector<uint8_t> hello_bytes(const uint8_t* challenge32, std::string_view challenger,
                                 std::string_view responder);

/// Checks that `message` is a domain message this member signs; the message says why not.
result<bool, signer_errc> check_signable(const std::vector<uint8_t>& message,
                                         const member_signer_limits& limits);

/// One member's signer. Not thread-safe (one actor owns it); move-only (it owns nonces).
class member_signer {
 public:
  member_signer(committee c, member_secret self, member_signer_limits limits = {});

  /// Round 1: fresh nonces kept in memory; returns the commitment id || D || E.
  commitment_bytes commit();

  /// Round 2 for `requester`, whose identity key must have made `request_signature` over
  /// share_request_bytes(requester, message, commitments). Returns the 32-byte share.
  result<scalar::bytes_type, signer_errc> sign(std::string_view requester,
                                               const std::vector<uint8_t>& message,
                                               const std::vector<commitment_bytes>& commitments,
                                               const core::signature& request_signature);

  /// Signs hello_bytes(challenge, challenger, own id) with the identity key.
  core::signature hello(const uint8_t* challenge32, std::string_view challenger) const;

  /// Unused round-1 nonces held.
  size_t pending_nonces() const { return nonces_.size(); }
  /// This member's coordinator id.
  const std::string& id() const { return self_.id; }
  /// The committee this member belongs to.
  const committee& members() const { return committee_; }

 private:
  using nonce_key = std::array<uint8_t, 64>;  // D || E
  result<signing_package, signer_errc> decode_package(
      const std::vector<uint8_t>& message, const std::vector<commitment_bytes>& commitments) const;

  committee committee_;
  member_secret self_;
  member_signer_limits limits_;
  std::map<nonce_key, signing_nonces> nonces_;
  std::deque<nonce_key> order_;  // issue order; keys already used are skipped on eviction
};

}  // namespace dsdn::multi
