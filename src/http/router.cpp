#include "router.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "context.hpp"
#include "handlers.hpp"
#include "json_io.hpp"

namespace dsdn::http {

namespace {

using handler_fn = void (*)(const call&);

/// One method + path pair. `{name}` segments are parameters.
struct route {
  const char* method;
  const char* pattern;
  handler_fn handler;
  bool json_body;  // Content-Type must be application/json
};

// Every POST changes state (or may: /schedule is read-only but kept behind the token like the
// other POSTs, so the rule stays "GETs are open, POSTs need the token").
const route routes[] = {
    {"POST", "/register", post_register, true},
    {"GET", "/nodes", get_nodes, false},
    {"GET", "/node/{id}", get_node, false},
    {"GET", "/node/{id}/stats", get_node_stats, false},
    {"POST", "/node/{id}/stats", post_node_stats, true},
    {"GET", "/placement/{hash}", get_placement, false},
    {"POST", "/schedule", post_schedule, true},
    {"GET", "/scheduler/config", get_scheduler_config, false},
    {"POST", "/scheduler/config", post_scheduler_config, true},
    {"POST", "/object/register", post_object_register, true},
    {"GET", "/object/{hash}", get_object, false},
    {"POST", "/replica/mark_missing", post_replica_missing, true},
    {"POST", "/replica/mark_healed", post_replica_healed, true},
    {"POST", "/da/post", post_da_post, true},
    {"GET", "/da/metrics", get_da_metrics, false},
    {"GET", "/da/routing", get_da_routing, false},
    {"GET", "/fallback/status", get_fallback_status, false},
    {"GET", "/fallback/pending", get_fallback_pending, false},
    {"POST", "/fallback/reconcile", post_fallback_reconcile, false},
    {"GET", "/fallback/consistency", get_fallback_consistency, false},
    {"GET", "/committee/status", get_committee_status, false},
    {"POST", "/committee/sign", post_committee_sign, true},
    {"GET", "/health", get_health, false},
    {"GET", "/ready", get_ready, false},
    {"GET", "/system/info", get_system_info, false},
    {"GET", "/metrics", get_metrics, false},
};

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 1;  // the path starts with '/'
  for (;;) {
    size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string::npos ? slash : slash - start));
    if (slash == std::string::npos)
      return out;
    start = slash + 1;
  }
}

/// Matches `segments` against `pattern`; fills decoded parameters. Returns the number of
/// literal segments (for precedence) or -1.
int match(const char* pattern, const std::vector<std::string>& segments,
          std::vector<std::string>& params) {
  auto parts = split_path(pattern);
  if (parts.size() != segments.size())
    return -1;
  int literals = 0;
  std::vector<std::string> found;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!parts[i].empty() && parts[i].front() == '{') {
      if (segments[i].empty())
        return -1;
      found.push_back(percent_decode(segments[i], false));
    } else if (parts[i] == segments[i]) {
      ++literals;
    } else {
      return -1;
    }
  }
  params = std::move(found);
  return literals;
}

std::vector<std::pair<std::string, std::string>> parse_query(const std::string& q) {
  std::vector<std::pair<std::string, std::string>> out;
  size_t start = 0;
  while (start <= q.size()) {
    size_t amp = q.find('&', start);
    std::string item = q.substr(start, amp == std::string::npos ? amp : amp - start);
    if (!item.empty()) {
      size_t eq = item.find('=');
      std::string key = percent_decode(item.substr(0, eq), true);
      std::string value = eq == std::string::npos ? "" : percent_decode(item.substr(eq + 1), true);
      out.emplace_back(std::move(key), std::move(value));
    }
    if (amp == std::string::npos)
      break;
    start = amp + 1;
  }
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

bool is_json_media_type(const std::string& content_type) {
  std::string media = content_type.substr(0, content_type.find(';'));
  auto not_space = [](unsigned char ch) { return !std::isspace(ch); };
  media.erase(media.begin(), std::find_if(media.begin(), media.end(), not_space));
  media.erase(std::find_if(media.rbegin(), media.rend(), not_space).base(), media.end());
  std::transform(media.begin(), media.end(), media.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return media == "application/json";
}

}  // namespace

std::string percent_decode(const std::string& in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size() && hex_value(in[i + 1]) >= 0 &&
        hex_value(in[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(in[i + 1]) * 16 + hex_value(in[i + 2]));
      i += 2;
    } else if (plus_is_space && in[i] == '+') {
      out += ' ';
    } else {
      out += in[i];
    }
  }
  return out;
}

bool bearer_matches(const std::string& header, const std::string& token) {
  static const std::string scheme = "bearer ";
  if (header.size() < scheme.size())
    return false;
  for (size_t i = 0; i < scheme.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(header[i])) != scheme[i])
      return false;
  const std::string given = header.substr(scheme.size());
  // Constant time in the contents: every byte of the expected token is compared.
  unsigned char diff = given.size() == token.size() ? 0 : 1;
  for (size_t i = 0; i < token.size(); ++i) {
    unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff |= static_cast<unsigned char>(g ^ static_cast<unsigned char>(token[i]));
  }
  return diff == 0;
}

const char* dispatch(const std::shared_ptr<server_context>& ctx, request_head head,
                     std::string body, const std::shared_ptr<responder>& out) {
  auto in = std::make_shared<incoming>();
  in->method = std::move(head.method);
  size_t qmark = head.target.find('?');
  in->path = head.target.substr(0, qmark);
  if (qmark != std::string::npos)
    in->query = parse_query(head.target.substr(qmark + 1));
  in->body = std::move(body);
  call c{ctx, nullptr, out};

  const route* best = nullptr;
  int best_literals = -1;
  std::vector<std::string> allowed;
  if (!in->path.empty() && in->path.front() == '/') {
    auto segments = split_path(in->path);
    for (const route& r : routes) {
      std::vector<std::string> params;
      int literals = match(r.pattern, segments, params);
      if (literals < 0)
        continue;
      if (std::find(allowed.begin(), allowed.end(), r.method) == allowed.end())
        allowed.emplace_back(r.method);
      if (in->method == r.method && literals > best_literals) {
        best = &r;
        best_literals = literals;
        in->params = std::move(params);
      }
    }
  }
  c.in = in;
  if (!best && allowed.empty()) {
    send_failure(c, 404, "no route for " + in->method + " " + in->path);
    return "unmatched";
  }
  if (!best) {
    std::sort(allowed.begin(), allowed.end());
    std::string allow;
    for (auto& m : allowed)
      allow += (allow.empty() ? "" : ", ") + m;
    reply r;
    r.status = 405;
    r.body = dump(json{{"error", "method " + in->method + " not allowed for " + in->path}});
    r.headers.emplace_back("Allow", allow);
    c.send(std::move(r));
    return "unmatched";
  }
  if (in->method == "POST" && !ctx->cfg.api_token.empty() &&
      !bearer_matches(head.authorization, ctx->cfg.api_token)) {
    reply r;
    r.status = 401;
    r.body = dump(json{{"error", "missing or invalid API token"}});
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    c.send(std::move(r));
    return best->pattern;
  }
  if (best->json_body && !is_json_media_type(head.content_type)) {
    send_failure(c, 415, "Content-Type must be application/json");
    return best->pattern;
  }
  best->handler(c);
  return best->pattern;
}

}  // namespace dsdn::http
