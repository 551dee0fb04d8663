#pragma once
// The committee's key material on disk: a trusted dealer (`make_committee`) produces one member
// file per coordinator (its FROST key package and Ed25519 identity key; secret, mode 0600) and
// one committee file everybody holds (public: threshold, group key, members, VSS commitment).
//
// committee.json (mode 0644; refused when group/others can write it):
//   {"format": "dsdn-committee/v1", "threshold": 2,
//    "group_public_key": hex32,
//    "vss_commitment": [hex32, ...]                       (threshold entries, [0] = group key)
//    "members": [{"id": "coord-a", "address": "host:port",
//                 "identifier": hex32,                    (FROST identifier, scalar encoding)
//                 "identity_public_key": hex32,           (Ed25519, proves the peer's hello)
//                 "verifying_share": hex32}, ...]}
// member-<id>.json (mode 0600; refused when group/others can read or write it):
//   {"format": "dsdn-committee-member/v1", "id": "coord-a", "address": "host:port",
//    "identifier": hex32, "signing_share": hex32, "verifying_share": hex32,
//    "group_public_key": hex32, "min_signers": 2, "identity_secret_key": hex64}
//
// Loading checks everything: formats, lengths, canonical scalars and points, node-id and
// host:port rules, 2 <= threshold <= n, unique ids / addresses / identifiers / identity keys,
// every verifying share against the commitment, the member's share against the commitment
// (vss_verify), and that the member file agrees with the committee file.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsdn/core/crypto.hpp"
#include "dsdn/core/result.hpp"
#include "dsdn/multi/element.hpp"
#include "dsdn/multi/identifier.hpp"
#include "dsdn/multi/keygen.hpp"

namespace dsdn::multi {

/// Why committee material was refused.
enum class committee_errc : uint8_t {
  invalid_argument = 1,  ///< bad input to make_committee (threshold, ids, addresses)
  io_error,              ///< a file could not be created, read or written
  insecure_permissions,  ///< a key file is accessible by group/others (or the committee file
                         ///< is writable by them)
  malformed,             ///< not JSON, a missing/extra field, bad hex, a wrong length
  invalid_key,           ///< a scalar/point is not canonical, or a share or verifying share
                         ///< does not match the VSS commitment
  mismatch,              ///< the member file disagrees with the committee file
  already_exists,        ///< write_committee would overwrite a file
};
/// The enumerator's name ("insecure_permissions").
const char* to_string(committee_errc e);

/// A committee value or a `failure<committee_errc>`.
template <class T>
using committee_result = dsdn::result<T, committee_errc>;

/// A member's peer address taken apart for a connect or a bind.
struct peer_endpoint {
  std::string host;  ///< without the brackets of an IPv6 literal
  uint16_t port = 0;
};
/// Splits "host:port" / "[v6]:port" (as loading checked it) at the last ':'; nullopt unless the
/// host is non-empty and the port is all digits in 1..65535.
std::optional<peer_endpoint> split_address(std::string_view address);

/// Input to make_committee: a coordinator id and its peer address.
struct member_spec {
  std::string id;       ///< [A-Za-z0-9._:-]{1,128}
  std::string address;  ///< host:port
};

/// One member as the committee file lists it (public).
struct committee_member {
  std::string id;
  std::string address;
  identifier frost_id;
  core::public_key identity_public_key;
  element verifying_share;  ///< PK_i = s_i·B
};

/// The public committee: what every coordinator loads from the committee file.
struct committee {
  uint16_t threshold = 0;
  element group_public_key;
  std::vector<committee_member> members;  ///< in file order
  vss_commitment commitment;              ///< threshold entries, commitment[0] = group key

  /// The member with coordinator id `id`, or nullptr.
  const committee_member* find(std::string_view id) const;
  /// The member with FROST identifier `id`, or nullptr.
  const committee_member* find(const identifier& id) const;
  /// The FROST public key package (group key, verifying shares, min_signers = threshold).
  public_key_package public_keys() const;
};

/// One member's secrets: what its member file holds.
struct member_secret {
  std::string id;
  std::string address;
  key_package key;              ///< FROST identifier, signing share, verifying share, group key
  core::identity_key identity;  ///< Ed25519 identity (publisher id, peer hello)
};

/// What the dealer produces: the committee and every member's secrets (same order).
struct committee_bundle {
  committee pub;
  std::vector<member_secret> members;
};

/// Fills `out` with `size` random bytes. An empty function means libsodium's CSPRNG.
using random_source = std::function<void(uint8_t* out, size_t size)>;

/// Trusted-dealer keygen for `members` with threshold `threshold` (2..n): FROST identifiers
/// 1..n in the given order, a fresh Ed25519 identity per member. With the default `rng` the
/// polynomial comes from scalar::random and identities from identity_key::generate; a given
/// `rng` makes the result deterministic (tests). Refuses bad ids/addresses and duplicates.
committee_result<committee_bundle> make_committee(uint16_t threshold,
                                                  const std::vector<member_spec>& members,
                                                  const random_source& rng = {});

/// Paths written by write_committee.
struct committee_paths {
  std::string committee_file;             ///< dir/committee.json
  std::vector<std::string> member_files;  ///< dir/member-<id>.json, in member order
};

/// The committee file's name inside the output directory.
inline constexpr std::string_view committee_file_name = "committee.json";
/// "member-<id>.json".
std::string member_file_name(std::string_view id);

/// Writes committee.json (0644) and one member-<id>.json (0600) per member into `dir`
/// (created 0700 if missing), each durably (temp file, fsync, link, fsync dir). Refuses to
/// overwrite any existing file (already_exists) so keys are never replaced by accident.
committee_result<committee_paths> write_committee(const std::string& dir,
                                                  const committee_bundle& bundle);

/// Serializes the committee file (JSON text).
std::string committee_to_json(const committee& c);
/// Serializes a member file (JSON text holding secrets; wipe it after use).
std::string member_to_json(const member_secret& m);

/// Reads and validates a committee file; refuses one writable by group/others.
committee_result<committee> load_committee(const std::string& path);
/// Validates committee-file JSON text (`source` names it in messages).
committee_result<committee> parse_committee(std::string_view text, const std::string& source);

/// Reads and validates a member file against `c`; refuses one accessible by group/others.
committee_result<member_secret> load_member(const std::string& path, const committee& c);
/// Validates member-file JSON text against `c` (`source` names it in messages).
committee_result<member_secret> parse_member(std::string_view text, const std::string& source,
                                             const committee& c);

}  // namespace dsdn::multi
