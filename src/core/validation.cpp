#include "dsdn/core/validation.hpp"

#include <array>
#include <cmath>
#include <cstdio>

namespace dsdn::core {

namespace {

// Longest value quoted back in a message; longer values are cut and marked with "...".
constexpr size_t max_quoted = 64;

// Character classes as one table so each check is a single load per byte.
enum char_class : uint8_t {
  cls_node_id = 1,  // [A-Za-z0-9._:-]
  cls_host = 2,     // [A-Za-z0-9._-]
  cls_v6 = 4,       // [0-9A-Fa-f:.]
  cls_hex = 8,      // [0-9A-Fa-f]
};

constexpr std::array<uint8_t, 256> make_classes() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    bool digit = c >= '0' && c <= '9';
    bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    bool hex = digit || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
    uint8_t v = 0;
    if (digit || alpha || c == '.' || c == '_' || c == '-')
      v |= cls_node_id | cls_host;
    if (c == ':')
      v |= cls_node_id | cls_v6;
    if (hex || c == '.')
      v |= cls_v6;
    if (hex)
      v |= cls_hex;
    t[static_cast<size_t>(c)] = v;
  }
  return t;
}

constexpr std::array<uint8_t, 256> classes = make_classes();

bool in_class(char c, char_class k) {
  return (classes[static_cast<unsigned char>(c)] & k) != 0;
}

// 'value' with non-printable bytes as \xNN, cut at max_quoted bytes.
std::string quote(std::string_view v) {
  std::string out = "'";
  size_t n = v.size() < max_quoted ? v.size() : max_quoted;
  for (size_t i = 0; i < n; ++i) {
    auto c = static_cast<unsigned char>(v[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  if (v.size() > max_quoted)
    out += "...";
  return out + "'";
}

field_error fail(const char* field, std::string message) {
  return field_error{field, std::string(field) + " " + std::move(message)};
}

std::string num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

}  // namespace

std::optional<field_error> check_node_id(std::string_view id, const char* field) {
  if (id.empty())
    return fail(field, "must not be empty");
  if (id.size() > 128)
    return fail(field, "must be at most 128 characters, got " + std::to_string(id.size()));
  for (size_t i = 0; i < id.size(); ++i) {
    if (!in_class(id[i], cls_node_id))
      return fail(field, "must match [A-Za-z0-9._:-], got " + quote(id.substr(i, 1)) +
                             " at position " + std::to_string(i) + " of " + quote(id));
  }
  return std::nullopt;
}

std::optional<field_error> check_zone(std::string_view zone, const char* field) {
  if (zone.empty())
    return fail(field, "must not be empty");
  if (zone.size() > 64)
    return fail(field, "must be at most 64 characters, got " + std::to_string(zone.size()));
  for (size_t i = 0; i < zone.size(); ++i) {
    auto c = static_cast<unsigned char>(zone[i]);
    if (c < 0x20 || c > 0x7e)
      return fail(field, "must be printable ASCII, got " + quote(zone.substr(i, 1)) +
                             " at position " + std::to_string(i) + " of " + quote(zone));
  }
  return std::nullopt;
}

std::optional<field_error> check_addr(std::string_view addr, const char* field) {
  if (addr.empty())
    return fail(field, "must be host:port, got empty");
  if (addr.size() > 261)
    return fail(field, "must be at most 261 bytes, got " + std::to_string(addr.size()));
  std::string_view port;
  if (addr.front() == '[') {
    size_t close = addr.find(']');
    if (close == std::string_view::npos)
      return fail(field, "has an unbalanced '[' in " + quote(addr));
    std::string_view v6 = addr.substr(1, close - 1);
    if (v6.empty())
      return fail(field, "has an empty IPv6 literal in " + quote(addr));
    size_t colons = 0;
    for (char c : v6) {
      if (!in_class(c, cls_v6))
        return fail(field, "has an invalid IPv6 literal in " + quote(addr));
      colons += c == ':' ? 1 : 0;
    }
    if (colons < 2)
      return fail(field, "has an invalid IPv6 literal in " + quote(addr));
    if (close + 1 >= addr.size() || addr[close + 1] != ':')
      return fail(field, "must be [v6]:port, got " + quote(addr));
    port = addr.substr(close + 2);
  } else {
    size_t colon = addr.find(':');
    if (colon == std::string_view::npos)
      return fail(field, "must be host:port, got " + quote(addr));
    if (addr.find(':', colon + 1) != std::string_view::npos)
      return fail(field, "must be host:port (use [v6]:port for IPv6), got " + quote(addr));
    std::string_view host = addr.substr(0, colon);
    port = addr.substr(colon + 1);
    if (host.empty())
      return fail(field, "has an empty host in " + quote(addr));
    for (char c : host) {
      if (!in_class(c, cls_host))
        return fail(field, "host must match [A-Za-z0-9._-], got " + quote(addr));
    }
  }
  if (port.empty() || port.size() > 5)
    return fail(field, "port must be 1..65535, got " + quote(port));
  uint32_t value = 0;
  for (char c : port) {
    if (c < '0' || c > '9')
      return fail(field, "port must be 1..65535, got " + quote(port));
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value < 1 || value > 65535)
    return fail(field, "port must be 1..65535, got " + quote(port));
  return std::nullopt;
}

std::optional<field_error> check_capacity_gb(uint64_t gb, const char* field) {
  if (gb < 1 || gb > 1000000)
    return fail(field, "must be between 1 and 1000000, got " + std::to_string(gb));
  return std::nullopt;
}

std::optional<field_error> check_object_hash(std::string_view hash, const char* field) {
  if (hash.empty())
    return fail(field, "must be 1..128 hex characters, got empty");
  if (hash.size() > 128)
    return fail(field, "must be at most 128 hex characters, got " + std::to_string(hash.size()));
  for (size_t i = 0; i < hash.size(); ++i) {
    if (!in_class(hash[i], cls_hex))
      return fail(field, "must be hex, got " + quote(hash.substr(i, 1)) + " at position " +
                             std::to_string(i) + " of " + quote(hash));
  }
  return std::nullopt;
}

std::optional<field_error> check_object_size(uint64_t size, const char* field) {
  if (size < 1)
    return fail(field, "must be at least 1, got 0");
  return std::nullopt;
}

std::optional<field_error> check_replication_factor(uint64_t rf, const char* field) {
  if (rf < 1 || rf > 64)
    return fail(field, "must be between 1 and 64, got " + std::to_string(rf));
  return std::nullopt;
}

std::optional<field_error> check_stat(double value, bool fraction, const char* field) {
  if (!std::isfinite(value))
    return fail(field, "must be finite, got " + num(value));
  if (fraction && (value < 0.0 || value > 1.0))
    return fail(field, "must be between 0 and 1, got " + num(value));
  if (!fraction && value < 0.0)
    return fail(field, "must be >= 0, got " + num(value));
  return std::nullopt;
}

std::optional<field_error> check_weight(double value, const char* field) {
  if (!std::isfinite(value))
    return fail(field, "must be finite, got " + num(value));
  return std::nullopt;
}

std::string normalize_hash(std::string_view hash) {
  std::string out(hash);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace dsdn::core
