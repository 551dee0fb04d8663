// URL parsing for the HTTP client: http[s]://host[:port][/path].

#include <cctype>
#include <cstdlib>

#include "dsdn/http/client.hpp"

namespace dsdn::http {

result<url, client_errc> parse_url(const std::string& text) {
  url u;
  std::string rest;
  if (text.rfind("http://", 0) == 0) {
    rest = text.substr(7);
  } else if (text.rfind("https://", 0) == 0) {
    u.tls = true;
    u.port = 443;
    rest = text.substr(8);
  } else {
    return {client_errc::bad_url, "URL '" + text + "' must start with http:// or https://"};
  }
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) u.base_path = rest.substr(slash);
  while (!u.base_path.empty() && u.base_path.back() == '/') u.base_path.pop_back();
  std::string port_text;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string::npos || close == 1)
      return {client_errc::bad_url, "URL '" + text + "' has a malformed IPv6 host"};
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':')
        return {client_errc::bad_url, "URL '" + text + "' has junk after the IPv6 host"};
      port_text = authority.substr(close + 2);
    }
  } else {
    auto colon = authority.find(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
  }
  if (u.host.empty()) return {client_errc::bad_url, "URL '" + text + "' has no host"};
  if (!port_text.empty() || authority.find(':') != std::string::npos) {
    if (port_text.empty() || port_text.size() > 5)
      return {client_errc::bad_url, "URL '" + text + "' has an invalid port"};
    for (char c : port_text)
      if (!std::isdigit(static_cast<unsigned char>(c)))
        return {client_errc::bad_url, "URL '" + text + "' has an invalid port"};
    long p = std::strtol(port_text.c_str(), nullptr, 10);
    if (p < 1 || p > 65535) return {client_errc::bad_url, "URL '" + text + "' has an invalid port"};
    u.port = static_cast<uint16_t>(p);
  }
  return u;
}

}  // namespace dsdn::http
