#include "dsdn/multi/domain.hpp"

#include <string>

namespace dsdn::multi {
namespace {

// Longest piece of a bad kind quoted back in an error message.
constexpr size_t max_kind_size = 32;

std::string printable(std::string_view s) {
  std::string out;
  for (const char c : s.substr(0, max_kind_size)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  return s.size() > max_kind_size ? out + "..." : out;
}

}  // namespace

std::string_view kind_name(message_kind kind) {
  switch (kind) {
    case message_kind::operator_message:
      return "operator-message";
    case message_kind::receipt:
      return "receipt";
  }
  return "unknown";
}

std::optional<message_kind> parse_kind(std::string_view name) {
  for (const message_kind k : all_message_kinds) {
    if (kind_name(k) == name) {
      return k;
    }
  }
  return std::nullopt;
}

std::vector<uint8_t> encode_domain_message(message_kind kind, const uint8_t* payload, size_t size) {
  const std::string_view name = kind_name(kind);
  std::vector<uint8_t> out;
  out.reserve(domain_prefix.size() + name.size() + 1 + size);
  out.insert(out.end(), domain_prefix.begin(), domain_prefix.end());
  out.insert(out.end(), name.begin(), name.end());
  out.push_back('/');
  if (size > 0) {
    out.insert(out.end(), payload, payload + size);
  }
  return out;
}

result<domain_message, domain_errc> decode_domain_message(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), data == nullptr ? 0 : size);
  if (text.substr(0, domain_prefix.size()) != domain_prefix) {
    return {domain_errc::missing_prefix, "signed message does not start with \"DSDN/v1/\""};
  }
  const std::string_view rest = text.substr(domain_prefix.size());
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) {
    return {domain_errc::missing_separator,
            "signed message has no \"/\" after its kind \"" + printable(rest) + "\""};
  }
  const auto kind = parse_kind(rest.substr(0, slash));
  if (!kind) {
    return {domain_errc::unknown_kind,
            "signed message has unknown kind \"" + printable(rest.substr(0, slash)) + "\""};
  }
  const size_t start = domain_prefix.size() + slash + 1;
  return domain_message{*kind, std::vector<uint8_t>(data + start, data + size)};
}

}  // namespace dsdn::multi
