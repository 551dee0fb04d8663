// The management commands' request/print cycle (rules: include/dsdn/cli/api.hpp).

#include "dsdn/cli/api.hpp"

#include <cctype>
#include <chrono>

#include "dsdn/http/client.hpp"

namespace dsdn::cli {

namespace {

using json = nlohmann::ordered_json;

std::string dump(const json& j, int indent) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

/// The response after the usage and transport checks, or the exit code already reported.
struct sent {
  std::optional<http::response> response;
  int exit_code = exit_ok;
  std::string transport_error;  // set when the coordinator could not be reached
};

sent send(const client_options& opt, const api_request& req, cli_io io) {
  sent out;
  auto base_text = trim_trailing_slashes(opt.coordinator_url);
  auto base = http::parse_url(base_text);
  if (!base) {
    io.err << "Error: invalid --coordinator-url: " << base.error().message << "\n";
    out.exit_code = exit_usage;
    return out;
  }
  http::request_options ro;
  ro.timeout = std::chrono::milliseconds(opt.timeout_ms);
  ro.bearer_token = opt.api_token;
  std::string body =
      req.body ? req.body->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) : "";
  auto res = http::send(base.value(), req.method, req.target, body, ro);
  if (!res) {
    out.transport_error = res.error().message;
    out.exit_code = exit_failure;
    if (res.error().code == http::client_errc::bad_url) {
      io.err << "Error: " << res.error().message << "\n";
      out.exit_code = exit_usage;
      out.transport_error.clear();
    }
    return out;
  }
  out.response = std::move(res).value();
  return out;
}

std::string connection_failed(const std::string& why, const client_options& opt) {
  return "Connection failed: " + why + " (is the coordinator running at " +
         trim_trailing_slashes(opt.coordinator_url) + "?)";
}

}  // namespace

int call_and_print(const client_options& opt, const api_request& req, cli_io io,
                   const response_decorator& decorate) {
  auto s = send(opt, req, io);
  if (!s.transport_error.empty())
    io.err << "Error: " << connection_failed(s.transport_error, opt) << "\n";
  if (!s.response)
    return s.exit_code;
  const auto& res = *s.response;
  auto parsed = json::parse(res.body, nullptr, false);
  bool ok = res.status >= 200 && res.status < 300;
  if (!ok) {
    io.err << "Error: HTTP " << res.status << " " << res.reason << " — ";
    if (!parsed.is_discarded())
      io.err << dump(parsed, 2) << "\n";
    else if (res.body.empty())
      io.err << "(empty body)\n";
    else
      io.err << res.body << (res.body.back() == '\n' ? "" : "\n");
    return exit_failure;
  }
  if (parsed.is_discarded()) {
    // A 2xx without a JSON body: print what came, it is still the answer.
    if (!res.body.empty())
      io.out << res.body << (res.body.back() == '\n' ? "" : "\n");
    return exit_ok;
  }
  if (decorate)
    decorate(parsed);
  io.out << dump(parsed, 2) << "\n";
  return exit_ok;
}

int check_ready(const client_options& opt, cli_io io) {
  auto s = send(opt, api_request{"GET", "/ready", std::nullopt}, io);
  if (!s.transport_error.empty()) {
    io.out << "not ready: " << connection_failed(s.transport_error, opt) << "\n";
    return exit_failure;
  }
  if (!s.response)
    return s.exit_code;
  const auto& res = *s.response;
  if (res.status >= 200 && res.status < 300) {
    io.out << "ready\n";
    return exit_ok;
  }
  std::string reason;
  auto parsed = json::parse(res.body, nullptr, false);
  if (parsed.is_object()) {
    for (const char* key : {"error", "reason", "status"}) {
      auto it = parsed.find(key);
      if (it != parsed.end() && it->is_string() && !it->get<std::string>().empty()) {
        reason = it->get<std::string>();
        break;
      }
    }
  }
  std::string status = "HTTP " + std::to_string(res.status) + " " + res.reason;
  io.out << "not ready: " << (reason.empty() ? status : reason + " (" + status + ")") << "\n";
  return exit_failure;
}

std::string path_segment(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~' || c == ':') {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 0xf];
    }
  }
  return out;
}

}  // namespace dsdn::cli
