#pragma once
// Field rules shared by the state machine (authoritative) and the request edges (fast 4xx).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dsdn::core {

/// A rule violation: which field, and a message that names it.
struct field_error {
  std::string field;
  std::string message;
};

/// `[A-Za-z0-9._:-]{1,128}`
std::optional<field_error> check_node_id(std::string_view id, const char* field = "node_id");
/// 1..64 printable ASCII characters (0x20..0x7e).
std::optional<field_error> check_zone(std::string_view zone, const char* field = "zone");
/// `host:port`, port 1..65535, host non-empty (`[v6]:port` for IPv6); at most 261 bytes.
std::optional<field_error> check_addr(std::string_view addr, const char* field = "addr");
/// 1 .. 1,000,000
std::optional<field_error> check_capacity_gb(uint64_t gb, const char* field = "capacity_gb");
/// hex, 1..128 characters (either case; stored lower-case, see normalize_hash)
std::optional<field_error> check_object_hash(std::string_view hash, const char* field = "hash");
/// >= 1
std::optional<field_error> check_object_size(uint64_t size, const char* field = "size");
/// 1..64
std::optional<field_error> check_replication_factor(uint64_t rf, const char* field = "rf");
/// finite; a fraction 0..1 when `fraction`, else >= 0
std::optional<field_error> check_stat(double value, bool fraction, const char* field);
/// finite (weights may be any finite value, including negative to invert a preference)
std::optional<field_error> check_weight(double value, const char* field);

/// Lower-cases a hex object hash (the stored form).
std::string normalize_hash(std::string_view hash);

}  // namespace dsdn::core
