#include "dsdn/da/namespace.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "dsdn/core/crypto.hpp"

namespace dsdn::da {

namespace {

using bytes29 = std::array<uint8_t, namespace_size>;

failure<namespace_errc> fail(namespace_errc code, std::string message) {
  return failure<namespace_errc>{code, std::move(message)};
}

// User input is echoed in messages; a pasted blob must not turn into a megabyte of log.
std::string quoted(std::string_view text) {
  constexpr size_t max_shown = 80;
  if (text.size() <= max_shown) {
    return "'" + std::string(text) + "'";
  }
  return "'" + std::string(text.substr(0, max_shown)) + "...' (" + std::to_string(text.size()) +
         " characters)";
}

// Go's %v of a []byte: "[0 0 1 255]". go-square prints the ID this way in the prefix error.
std::string go_byte_slice(const uint8_t* data, size_t size) {
  std::string s = "[";
  for (size_t i = 0; i < size; ++i) {
    if (i > 0) {
      s += ' ';
    }
    s += std::to_string(data[i]);
  }
  return s + "]";
}

celestia_namespace from_bytes29(const bytes29& b) {
  celestia_namespace ns;
  ns.version = b[0];
  std::memcpy(ns.id.data(), b.data() + 1, namespace_id_size);
  return ns;
}

celestia_namespace filled(uint8_t fill, uint8_t last) {
  bytes29 b;
  b.fill(fill);
  b[namespace_size - 1] = last;
  return from_bytes29(b);
}

bool all_hex_digits(std::string_view s) {
  return s.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
}

std::optional<std::vector<uint8_t>> hex_decode(std::string_view s) {
  if (s.size() % 2 != 0) {
    return std::nullopt;
  }
  std::vector<uint8_t> out(s.size() / 2);
  if (!core::from_hex(s, out.data(), out.size())) {
    return std::nullopt;
  }
  return out;
}

constexpr char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') {
    return c - 'A';
  }
  if (c >= 'a' && c <= 'z') {
    return c - 'a' + 26;
  }
  if (c >= '0' && c <= '9') {
    return c - '0' + 52;
  }
  if (c == '+') {
    return 62;
  }
  if (c == '/') {
    return 63;
  }
  return -1;
}

// Bytes (29-byte namespace or 1..10-byte v0 sub-ID) to a namespace checked by steps 1-3.
namespace_result<celestia_namespace> from_decoded(const std::vector<uint8_t>& bytes) {
  if (!bytes.empty() && bytes.size() <= namespace_v0_sub_id_size) {
    return namespace_v0(bytes.data(), bytes.size());
  }
  if (bytes.size() != namespace_size) {
    return fail(namespace_errc::bad_length,
                "invalid namespace length: " + std::to_string(bytes.size()) +
                    ". Must be 29 bytes (or a version 0 sub-ID of 1 to 10 bytes)");
  }
  return namespace_from_bytes(bytes.data(), bytes.size());
}

}  // namespace

const char* to_string(namespace_errc e) {
  switch (e) {
    case namespace_errc::bad_encoding:
      return "bad_encoding";
    case namespace_errc::bad_length:
      return "bad_length";
    case namespace_errc::unsupported_version:
      return "unsupported_version";
    case namespace_errc::bad_v0_prefix:
      return "bad_v0_prefix";
    case namespace_errc::parity_or_tail_padding:
      return "parity_or_tail_padding";
    case namespace_errc::reserved:
      return "reserved";
    case namespace_errc::unsupported_blob_version:
      return "unsupported_blob_version";
  }
  return "unknown";
}

std::array<uint8_t, namespace_size> celestia_namespace::bytes() const {
  bytes29 b;
  b[0] = version;
  std::memcpy(b.data() + 1, id.data(), namespace_id_size);
  return b;
}

std::string celestia_namespace::hex() const {
  return core::to_hex(bytes());
}

std::string celestia_namespace::base64() const {
  const auto b = bytes();
  return base64_encode(b.data(), b.size());
}

int celestia_namespace::compare(const celestia_namespace& other) const {
  if (version != other.version) {
    return version < other.version ? -1 : 1;
  }
  const int c = std::memcmp(id.data(), other.id.data(), namespace_id_size);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

bool celestia_namespace::is_primary_reserved() const {
  return compare(max_primary_reserved_namespace()) <= 0;
}

bool celestia_namespace::is_secondary_reserved() const {
  return compare(min_secondary_reserved_namespace()) >= 0;
}

bool celestia_namespace::is_parity_shares() const {
  return *this == parity_shares_namespace();
}

bool celestia_namespace::is_tail_padding() const {
  return *this == tail_padding_namespace();
}

celestia_namespace max_primary_reserved_namespace() {
  return filled(0x00, 0xff);
}

celestia_namespace min_secondary_reserved_namespace() {
  return filled(0xff, 0x00);
}

celestia_namespace tail_padding_namespace() {
  return filled(0xff, 0xfe);
}

celestia_namespace parity_shares_namespace() {
  return filled(0xff, 0xff);
}

namespace_result<celestia_namespace> namespace_from_bytes(const uint8_t* data, size_t size) {
  if (size != namespace_size || data == nullptr) {
    return fail(namespace_errc::bad_length,
                "invalid namespace length: " + std::to_string(size) + ". Must be 29 bytes");
  }
  const uint8_t version = data[0];
  if (version != namespace_version_zero && version != namespace_version_max) {
    return fail(namespace_errc::unsupported_version,
                "unsupported namespace version " + std::to_string(version));
  }
  const uint8_t* id = data + 1;
  if (version == namespace_version_zero &&
      std::any_of(id, id + namespace_v0_prefix_size, [](uint8_t b) { return b != 0; })) {
    return fail(namespace_errc::bad_v0_prefix, "unsupported namespace id with version 0. ID " +
                                                   go_byte_slice(id, namespace_id_size) +
                                                   " must start with 18 leading zeros");
  }
  celestia_namespace ns;
  ns.version = version;
  std::memcpy(ns.id.data(), id, namespace_id_size);
  return ns;
}

namespace_result<celestia_namespace> namespace_v0(const uint8_t* sub_id, size_t size) {
  if (size > namespace_v0_sub_id_size) {
    return fail(namespace_errc::bad_length,
                "subID must be <= 10, but it was " + std::to_string(size) + " bytes");
  }
  celestia_namespace ns;
  ns.version = namespace_version_zero;
  if (size > 0) {
    std::memcpy(ns.id.data() + namespace_id_size - size, sub_id, size);
  }
  return ns;
}

namespace_result<celestia_namespace> namespace_from_base64(std::string_view b64) {
  auto bytes = base64_decode(b64);
  if (!bytes) {
    return fail(namespace_errc::bad_encoding,
                "namespace " + quoted(b64) + " is not valid standard padded base64");
  }
  return namespace_from_bytes(bytes->data(), bytes->size());
}

namespace_result<celestia_namespace> parse_namespace(std::string_view text) {
  if (text.empty()) {
    return fail(namespace_errc::bad_encoding, "namespace is empty");
  }
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    auto bytes = hex_decode(text.substr(2));
    if (!bytes || bytes->empty()) {
      return fail(namespace_errc::bad_encoding,
                  "namespace " + quoted(text) + " is not an even number of hex digits after 0x");
    }
    return from_decoded(*bytes);
  }
  if (all_hex_digits(text)) {
    auto bytes = hex_decode(text);
    if (!bytes) {
      return fail(namespace_errc::bad_encoding,
                  "namespace " + quoted(text) + " has an odd number of hex digits");
    }
    return from_decoded(*bytes);
  }
  auto bytes = base64_decode(text);
  if (!bytes) {
    return fail(namespace_errc::bad_encoding,
                "namespace " + quoted(text) + " is neither hex nor standard padded base64");
  }
  return from_decoded(*bytes);
}

namespace_result<celestia_namespace> parse_blob_namespace(std::string_view text) {
  auto ns = parse_namespace(text);
  if (!ns) {
    return ns;
  }
  if (auto err = validate_for_blob(ns.value())) {
    return *err;
  }
  return ns;
}

std::optional<failure<namespace_errc>> validate_for_blob(const celestia_namespace& ns) {
  if (ns.is_parity_shares() || ns.is_tail_padding()) {
    return fail(namespace_errc::parity_or_tail_padding,
                "invalid data namespace(" + ns.hex() +
                    "): parity and tail padding namespace are forbidden");
  }
  if (ns.is_reserved()) {
    return fail(namespace_errc::reserved,
                "invalid data namespace(" + ns.hex() + "): reserved data is forbidden");
  }
  if (ns.version != namespace_version_zero) {
    return fail(namespace_errc::unsupported_blob_version,
                "blob version " + std::to_string(ns.version) + " is not supported");
  }
  return std::nullopt;
}

std::string base64_encode(const uint8_t* data, size_t size) {
  std::string out;
  out.reserve((size + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    const uint32_t v = uint32_t{data[i]} << 16 | uint32_t{data[i + 1]} << 8 | data[i + 2];
    out += base64_alphabet[v >> 18 & 63];
    out += base64_alphabet[v >> 12 & 63];
    out += base64_alphabet[v >> 6 & 63];
    out += base64_alphabet[v & 63];
  }
  if (size - i == 1) {
    const uint32_t v = uint32_t{data[i]} << 16;
    out += base64_alphabet[v >> 18 & 63];
    out += base64_alphabet[v >> 12 & 63];
    out += "==";
  } else if (size - i == 2) {
    const uint32_t v = uint32_t{data[i]} << 16 | uint32_t{data[i + 1]} << 8;
    out += base64_alphabet[v >> 18 & 63];
    out += base64_alphabet[v >> 12 & 63];
    out += base64_alphabet[v >> 6 & 63];
    out += '=';
  }
  return out;
}

std::optional<std::vector<uint8_t>> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return std::nullopt;
  }
  size_t padding = 0;
  if (!text.empty() && text.back() == '=') {
    padding = text.size() >= 2 && text[text.size() - 2] == '=' ? 2 : 1;
  }
  std::vector<uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    const size_t digits = last ? 4 - padding : 4;
    uint32_t v = 0;
    for (size_t k = 0; k < 4; ++k) {
      int d = 0;
      if (k < digits) {
        d = base64_value(text[i + k]);
        if (d < 0) {
          return std::nullopt;  // also catches '=' anywhere but the end
        }
      }
      v = v << 6 | static_cast<uint32_t>(d);
    }
    out.push_back(static_cast<uint8_t>(v >> 16));
    if (digits >= 3) {
      out.push_back(static_cast<uint8_t>(v >> 8));
    }
    if (digits == 4) {
      out.push_back(static_cast<uint8_t>(v));
    }
  }
  return out;
}

}  // namespace dsdn::da
