#pragma once
// Celestia namespaces: the 29-byte encoding, parsing of user input and the node's validation
// rules (../shared/specs/celestia/NAMESPACE.md, go-square v4 share/namespace.go). No I/O.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dsdn/core/result.hpp"

namespace dsdn::da {

/// Why a namespace was refused. The messages carry go-square's wording where go-square has one.
enum class namespace_errc : uint8_t {
  bad_encoding = 1,          // neither hex nor base64, odd hex, empty input
  bad_length,                // not 29 bytes (nor a v0 sub-ID of 1..10 bytes)
  unsupported_version,       // version other than 0 and 255
  bad_v0_prefix,             // version 0 without the 18 leading zero ID bytes
  parity_or_tail_padding,    // the parity or tail padding namespace (never for data)
  reserved,                  // primary (v0 <= 00..00ff) or secondary (>= ff ff..ff 00) reserved
  unsupported_blob_version,  // a valid namespace, but blobs need version 0
};
/// "bad_encoding", "bad_length", ...
const char* to_string(namespace_errc e);

template <class T>
using namespace_result = result<T, namespace_errc>;

/// NamespaceVersionSize + NamespaceIDSize.
inline constexpr size_t namespace_size = 29;
/// NamespaceIDSize.
inline constexpr size_t namespace_id_size = 28;
/// NamespaceVersionZeroPrefixSize: ID bytes that must be zero in a version 0 namespace.
inline constexpr size_t namespace_v0_prefix_size = 18;
/// NamespaceVersionZeroIDSize: the user part (sub-ID) of a version 0 namespace.
inline constexpr size_t namespace_v0_sub_id_size = 10;
/// NamespaceVersionZero, the only version accepted for blobs.
inline constexpr uint8_t namespace_version_zero = 0;
/// NamespaceVersionMax, used only by the secondary reserved namespaces.
inline constexpr uint8_t namespace_version_max = 255;

/// A Celestia namespace: a version byte and a 28-byte ID; 29 bytes on the wire.
/// Holding one says nothing about validity: use the parse/from functions, which validate.
struct celestia_namespace {
  uint8_t version = 0;
  std::array<uint8_t, namespace_id_size> id{};

  /// The 29-byte encoding: version || id.
  std::array<uint8_t, namespace_size> bytes() const;
  /// 58 lower-case hex characters (go-square `Namespace.String()`, logs, error messages).
  std::string hex() const;
  /// Standard padded base64 of the 29 bytes (40 characters): the JSON-RPC `namespace` form.
  std::string base64() const;

  /// Version 0 and <= 00 || 00*27 || ff (tx, PFB, padding, ... namespaces).
  bool is_primary_reserved() const;
  /// >= ff || ff*27 || 00 (tail padding, parity, ...).
  bool is_secondary_reserved() const;
  /// Primary or secondary reserved.
  bool is_reserved() const { return is_primary_reserved() || is_secondary_reserved(); }
  /// ff*29.
  bool is_parity_shares() const;
  /// ff || ff*27 || fe.
  bool is_tail_padding() const;

  /// Byte-wise comparison of the 29-byte encoding (the square order of blobs).
  int compare(const celestia_namespace& other) const;
  bool operator==(const celestia_namespace& o) const { return compare(o) == 0; }
  bool operator!=(const celestia_namespace& o) const { return compare(o) != 0; }
  bool operator<(const celestia_namespace& o) const { return compare(o) < 0; }
};

/// 00 || 00*27 || ff, the highest primary reserved namespace.
celestia_namespace max_primary_reserved_namespace();
/// ff || ff*27 || 00, the lowest secondary reserved namespace.
celestia_namespace min_secondary_reserved_namespace();
/// ff || ff*27 || fe.
celestia_namespace tail_padding_namespace();
/// ff*29.
celestia_namespace parity_shares_namespace();

/// go-square `NewNamespaceFromBytes`: exactly 29 bytes, version 0 or 255, and for version 0 the
/// 18-byte zero prefix (NAMESPACE.md section 3, steps 1-3). Reserved namespaces pass: they are
/// valid namespaces, only not for blobs (see validate_for_blob).
namespace_result<celestia_namespace> namespace_from_bytes(const uint8_t* data, size_t size);

/// go-square `NewV0Namespace`: a sub-ID of at most 10 bytes, left-padded with zeros to 10.
namespace_result<celestia_namespace> namespace_v0(const uint8_t* sub_id, size_t size);

/// The wire form (JSON-RPC params and results): standard padded base64 of exactly 29 bytes,
/// checked like go-square's `Namespace.UnmarshalJSON` (steps 1-3).
namespace_result<celestia_namespace> namespace_from_base64(std::string_view b64);

/// User input (config, flags), checked like namespace_from_bytes (steps 1-3). Accepted forms:
/// - hex, with or without `0x`, of either the full 29 bytes (58 digits) or a v0 sub-ID of
///   1..10 bytes (2..20 digits, left-padded as celestia CLI does);
/// - standard padded base64 of the full 29 bytes (the wire form) or of a v0 sub-ID.
/// A string made only of hex digits is read as hex; anything else without `0x` as base64.
namespace_result<celestia_namespace> parse_namespace(std::string_view text);

/// parse_namespace followed by validate_for_blob: a namespace a user blob may be submitted in.
namespace_result<celestia_namespace> parse_blob_namespace(std::string_view text);

/// go-square `ValidateForBlob` on an already valid namespace (steps 4-6): refuses the parity and
/// tail padding namespaces, every reserved namespace and every version other than 0.
std::optional<failure<namespace_errc>> validate_for_blob(const celestia_namespace& ns);

/// Standard padded base64 (RFC 4648 section 4), as Go's `encoding/json` writes `[]byte`.
std::string base64_encode(const uint8_t* data, size_t size);
/// Decodes standard padded base64 (length a multiple of 4, `=` only at the end); nothing on any
/// other input. Like Go's `base64.StdEncoding`, non-zero unused bits in the last group are
/// ignored.
std::optional<std::vector<uint8_t>> base64_decode(std::string_view text);

}  // namespace dsdn::da
