#include "dsdn/multi/identifier.hpp"

#include "dsdn/multi/hash.hpp"

namespace dsdn::multi {

frost_result<identifier> identifier::from_u64(uint64_t v) {
  if (v == 0) {
    return {frost_errc::invalid_identifier, "identifier is zero"};
  }
  return identifier(scalar::from_u64(v));
}

frost_result<identifier> identifier::from_bytes(const uint8_t* bytes32) {
  auto s = scalar::from_bytes(bytes32);
  if (!s) {
    return {frost_errc::invalid_identifier, "identifier is not a canonical scalar (>= L)"};
  }
  if (s->is_zero()) {
    return {frost_errc::invalid_identifier, "identifier is zero"};
  }
  return identifier(s.value());
}

frost_result<identifier> identifier::derive(const uint8_t* data, size_t size) {
  scalar s = hid({{data, size}});
  if (s.is_zero()) {
    return {frost_errc::invalid_identifier, "derived identifier is zero"};
  }
  return identifier(s);
}

std::string identifier::to_string() const {
  const auto& b = bytes();
  bool small = true;
  for (size_t i = 8; i < b.size(); ++i) {
    small = small && b[i] == 0;
  }
  if (small) {
    uint64_t v = 0;
    for (size_t i = 8; i-- > 0;) {
      v = (v << 8) | b[i];
    }
    return std::to_string(v);
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (uint8_t c : b) {
    s += digits[c >> 4];
    s += digits[c & 15];
  }
  return s;
}

bool operator<(const identifier& a, const identifier& b) {
  // Little-endian: the most significant byte is the last one.
  const auto& x = a.bytes();
  const auto& y = b.bytes();
  for (size_t i = x.size(); i-- > 0;) {
    if (x[i] != y[i]) {
      return x[i] < y[i];
    }
  }
  return false;
}

}  // namespace dsdn::multi
