#pragma once
// The committee's signing domain: every byte string the group key signs is
//
//     "DSDN/v1/" || kind || "/" || payload
//
// where `kind` is one of a closed set of names (below), made of [a-z-] only. Because no kind
// contains "/", the first "/" after the prefix ends the kind, so the encoding is injective:
// two (kind, payload) pairs that differ give different messages, and a message of one kind
// can never be read as a message of another (decode_domain_message(encode(k, p)) == (k, p)).
// A member signs only messages that decode here and whose payload it has validated for that
// kind; no endpoint signs arbitrary bytes under the receipt kind.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "dsdn/core/result.hpp"

namespace dsdn::multi {

/// The fixed prefix of every signed message (version 1 of the domain).
inline constexpr std::string_view domain_prefix = "DSDN/v1/";

/// What a signed message is. Closed: a new kind is a new enumerator and a new name.
enum class message_kind : uint8_t {
  operator_message = 1,  ///< "operator-message": bytes an operator asked the committee to sign
  receipt = 2,           ///< "receipt": a validated usage receipt
};

/// Every kind, in enumerator order (for tests and listings).
inline constexpr message_kind all_message_kinds[] = {message_kind::operator_message,
                                                     message_kind::receipt};

/// The kind's name as it appears in the encoding ("operator-message", "receipt").
std::string_view kind_name(message_kind kind);
/// The kind called `name`, or nullopt for any other string (exact, case-sensitive match).
std::optional<message_kind> parse_kind(std::string_view name);

/// Why a byte string is not a domain-separated message.
enum class domain_errc : uint8_t {
  missing_prefix = 1,  ///< does not start with "DSDN/v1/"
  missing_separator,   ///< no "/" after the kind
  unknown_kind,        ///< the kind is not one of message_kind's names
};

/// A decoded message: its kind and the payload bytes after "DSDN/v1/<kind>/".
struct domain_message {
  message_kind kind;
  std::vector<uint8_t> payload;
};

/// "DSDN/v1/" || kind_name(kind) || "/" || payload.
std::vector<uint8_t> encode_domain_message(message_kind kind, const uint8_t* payload, size_t size);
/// encode_domain_message of a byte vector.
inline std::vector<uint8_t> encode_domain_message(message_kind kind,
                                                  const std::vector<uint8_t>& payload) {
  return encode_domain_message(kind, payload.data(), payload.size());
}

/// Splits a signed message into kind and payload; refuses a missing prefix, a missing "/"
/// after the kind and an unknown kind (the message quotes what was found).
result<domain_message, domain_errc> decode_domain_message(const uint8_t* data, size_t size);
/// decode_domain_message of a byte vector.
inline result<domain_message, domain_errc> decode_domain_message(const std::vector<uint8_t>& m) {
  return decode_domain_message(m.data(), m.size());
}

}  // namespace dsdn::multi
