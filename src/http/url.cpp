// URL parsing for the HTTP client: http[s]://host[:port][/path].

#include <cctype>
#include <cstdlib>

#include "dsdn/http/client.hpp"

namespace dsdn::http {

namespace {

bool starts_with_ci(const std::string& text, const std::string& prefix) {
  if (text.size() < prefix.size())
    return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i])
      return false;
  return true;
}

/// Letters, digits, '-', '.', '_' (a DNS name or an IPv4 literal).
bool valid_host_name(const std::string& host) {
  for (char c : host) {
    auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && c != '-' && c != '.' && c != '_')
      return false;
  }
  return true;
}

/// Hex digits, ':' and '.' (an IPv6 literal, possibly with an embedded IPv4 part).
bool valid_ipv6_text(const std::string& host) {
  for (char c : host)
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.')
      return false;
  return host.find(':') != std::string::npos;
}

}  // namespace

result<url, client_errc> parse_url(const std::string& text) {
  auto bad = [&](const std::string& why) -> result<url, client_errc> {
    return {client_errc::bad_url, "URL '" + text + "' " + why};
  };
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f)
      return bad("contains whitespace or control characters");
  }
  url u;
  std::string rest;
  if (starts_with_ci(text, "http://")) {
    rest = text.substr(7);
  } else if (starts_with_ci(text, "https://")) {
    u.tls = true;
    u.port = 443;
    rest = text.substr(8);
  } else {
    return bad("must start with http:// or https://");
  }
  if (rest.find_first_of("?#") != std::string::npos)
    return bad("must not contain a query or fragment");
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos)
    u.base_path = rest.substr(slash);
  while (!u.base_path.empty() && u.base_path.back() == '/')
    u.base_path.pop_back();
  if (authority.find('@') != std::string::npos)
    return bad("must not contain user information ('user@')");
  std::string port_text;
  bool has_port = false;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos || close == 1)
      return bad("has a malformed IPv6 host");
    u.host = authority.substr(1, close - 1);
    if (!valid_ipv6_text(u.host))
      return bad("has a malformed IPv6 host");
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':')
        return bad("has junk after the IPv6 host");
      has_port = true;
      port_text = authority.substr(close + 2);
    }
  } else {
    auto colon = authority.find(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) {
      has_port = true;
      port_text = authority.substr(colon + 1);
    }
    if (!u.host.empty() && !valid_host_name(u.host))
      return bad("has an invalid host '" + u.host + "' (an IPv6 host needs brackets: [::1])");
  }
  if (u.host.empty())
    return bad("has no host");
  if (has_port) {
    if (port_text.empty() || port_text.size() > 5)
      return bad("has an invalid port");
    for (char c : port_text)
      if (!std::isdigit(static_cast<unsigned char>(c)))
        return bad("has an invalid port");
    long p = std::strtol(port_text.c_str(), nullptr, 10);
    if (p < 1 || p > 65535)
      return bad("has an invalid port (1..65535)");
    u.port = static_cast<uint16_t>(p);
  }
  return u;
}

}  // namespace dsdn::http
