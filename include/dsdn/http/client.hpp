#pragma once
// A small blocking HTTP/1.1 client (Boost.Beast, plain TCP and TLS via OpenSSL) with a total
// deadline per request. Used by the management CLI; the DA clients build on it.

#include <chrono>
#include <map>
#include <string>

#include "dsdn/core/result.hpp"

namespace dsdn::http {

/// A parsed `http://host:port/base` or `https://...` URL.
struct url {
  bool tls = false;
  std::string host;
  uint16_t port = 80;
  std::string base_path;  // without a trailing '/', may be empty
};

enum class client_errc : uint8_t {
  bad_url = 1,
  resolve,  // host name did not resolve
  connect,  // refused / unreachable
  timeout,  // the deadline passed
  tls,      // handshake or certificate failure
  io,       // read/write failure, malformed response
};

/// Parses `http[s]://host[:port][/path]`; trailing '/' trimmed; IPv6 as `[::1]`.
result<url, client_errc> parse_url(const std::string& text);

struct response {
  int status = 0;
  std::string reason;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
};

struct request_options {
  std::chrono::milliseconds timeout{60000};
  std::string bearer_token;  // adds Authorization: Bearer when non-empty
  std::string content_type = "application/json";
};

/// Sends one request (`method` "GET", "POST", ...; `target` starts with '/', appended to the
/// base path) and returns the response, whatever its status.
result<response, client_errc> send(const url& base, const std::string& method,
                                   const std::string& target, const std::string& body,
                                   const request_options& options);

}  // namespace dsdn::http
