#pragma once
// How the management commands talk to a coordinator and report the answer:
//   2xx (202 included)  the response JSON pretty-printed (2 spaces, the server's key order) on
//                       stdout, exit 0
//   other status        `Error: HTTP <code> <reason> — <json or text>` on stderr, exit 1
//   transport failure   `Error: Connection failed: <why> (is the coordinator running at <url>?)`
//                       on stderr, exit 1
//   bad --coordinator-url  `Error: ...` on stderr, exit 2 (usage)

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "dsdn/cli/options.hpp"

namespace dsdn::cli {

/// A request a management command sends.
struct api_request {
  std::string method = "GET";
  std::string target;                  // starts with '/', path segments already escaped
  std::optional<nlohmann::json> body;  // sent as application/json when present
};

/// Adjusts a successful response's JSON before it is printed (e.g. echo a workload label).
/// The JSON keeps the server's key order.
using response_decorator = std::function<void(nlohmann::ordered_json&)>;

/// Sends `req` to the coordinator named by `opt` and prints the outcome; returns the exit code.
int call_and_print(const client_options& opt, const api_request& req, cli_io io,
                   const response_decorator& decorate = {});

/// `ready`: prints `ready` (exit 0) or `not ready: <reason>` (exit 1) on stdout; the reason is
/// the body's "error" (or "reason"/"status"), else the HTTP status, else the transport error.
int check_ready(const client_options& opt, cli_io io);

/// Percent-encodes one path segment (everything but unreserved characters and ':').
std::string path_segment(std::string_view text);

}  // namespace dsdn::cli
