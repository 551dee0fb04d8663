#pragma once
// Method + path routing, API-token and Content-Type checks, then the handler.

#include <memory>
#include <string>

#include "call.hpp"

namespace dsdn::http {

struct server_context;

/// The request line and the headers routing needs.
struct request_head {
  std::string method;
  std::string target;  // path and query, as received
  std::string content_type;
  std::string authorization;
};

/// Routes one request: answers unknown paths (404), wrong methods (405 + Allow), missing or
/// wrong API tokens on state-changing requests (401) and non-JSON bodies (415) itself, else
/// runs the route's handler. Returns the route template for metrics ("unmatched" for 404).
/// Runs on the connection's strand.
const char* dispatch(const std::shared_ptr<server_context>& ctx, request_head head,
                     std::string body, const std::shared_ptr<responder>& out);

/// Decodes %XX escapes (and '+' as space when `plus_is_space`); invalid escapes stay as-is.
std::string percent_decode(const std::string& in, bool plus_is_space);

/// True when `header` is "Bearer <token>" (scheme case-insensitive); constant time in the
/// token's contents.
bool bearer_matches(const std::string& header, const std::string& token);

}  // namespace dsdn::http
