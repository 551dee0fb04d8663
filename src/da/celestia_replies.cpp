// celestia-node JSON-RPC reply parsing (API.md sections 1-4, EXAMPLES.md).
// Replies are parsed strictly where leniency could turn garbage into "no blobs here" (an object
// that is not a JSON-RPC 2.0 reply is malformed, never an empty result).

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "dsdn/da/celestia_rpc.hpp"

namespace dsdn::da::celestia {

namespace {

using json = nlohmann::json;

constexpr size_t max_excerpt = 200;
constexpr size_t max_node_message = 1000;
/// No celestia-node reply nests deeper than a handful of levels (a header's validator set is
/// the deepest). Parsing stops at the first deeper value: a reply of millions of '[' would
/// otherwise cost tens of bytes of memory per byte.
constexpr int max_reply_depth = 32;

struct too_deep {};

/// The reply as JSON; discarded when it is not JSON or nests deeper than max_reply_depth.
json parse_reply(std::string_view body) {
  try {
    return json::parse(
        body.begin(), body.end(),
        [](int depth, json::parse_event_t, json&) {
          if (depth > max_reply_depth) {
            throw too_deep{};  // the only way to stop nlohmann's parser early
          }
          return true;
        },
        false);
  } catch (const too_deep&) {
    return json(json::value_t::discarded);
  }
}

/// A bounded, printable excerpt of a reply for error messages and logs (a hostile node must
/// not fill the log or inject line breaks).
std::string excerpt(std::string_view body, size_t limit = max_excerpt) {
  std::string out;
  for (char c : body.substr(0, limit)) {
    auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  if (body.size() > limit) {
    out += "... (" + std::to_string(body.size()) + " bytes)";
  }
  return out;
}

failure<rpc_fault> fault(error_class cls, int status, std::string message,
                         std::optional<int64_t> code = std::nullopt) {
  return failure<rpc_fault>{rpc_fault{cls, status, code}, std::move(message)};
}

failure<rpc_fault> malformed(int status, std::string message) {
  return fault(error_class::malformed, status, std::move(message));
}

/// The `result` of a JSON-RPC 2.0 reply (null when absent), or the classified failure.
rpc_result<json> envelope(int status, std::string_view body) {
  if (status == 401) {
    // go-jsonrpc's auth handler answers 401 with an empty body (not JSON).
    std::string text =
        "the node refused the auth token (invalid, expired, or not sent as 'Bearer <token>')";
    if (!body.empty()) {
      text += ": " + excerpt(body);
    }
    return fault(error_class::auth, status, std::move(text));
  }
  json j = parse_reply(body);
  if (j.is_object()) {
    auto err = j.find("error");
    if (err != j.end() && !err->is_null()) {
      std::optional<int64_t> code;
      std::string message;
      if (err->is_object()) {
        auto c = err->find("code");
        if (c != err->end() && c->is_number_integer()) {
          code = c->get<int64_t>();
        }
        auto m = err->find("message");
        if (m != err->end() && m->is_string()) {
          message = excerpt(m->get_ref<const std::string&>(), max_node_message);
        }
      }
      if (message.empty()) {
        message = excerpt(err->dump());
      }
      auto cls = code ? classify(status, *code, message) : classify(status, 1, message);
      return fault(cls, status, std::move(message), code);
    }
  }
  if (status < 200 || status > 299) {
    std::string text = "HTTP " + std::to_string(status);
    if (!body.empty()) {
      text += ": " + excerpt(body);
    }
    return fault(classify_http_status(status), status, std::move(text));
  }
  if (j.is_discarded()) {
    return malformed(status, "the reply is not JSON: " + excerpt(body));
  }
  auto version = j.is_object() ? j.find("jsonrpc") : j.end();
  if (!j.is_object() || version == j.end() || *version != "2.0" || !j.contains("id")) {
    return malformed(status, "the reply is not a JSON-RPC 2.0 response: " + excerpt(body));
  }
  // go-jsonrpc before v0.4 (node <= v0.14) omitted a nil result.
  auto r = j.find("result");
  return r == j.end() ? json(nullptr) : std::move(*r);
}

/// A JSON unsigned integer, or a string of decimal digits (tmjson's int64 form).
std::optional<uint64_t> as_height(const json& v) {
  if (v.is_number_unsigned()) {
    return v.get<uint64_t>();
  }
  if (v.is_number_integer() && v.get<int64_t>() >= 0) {
    return static_cast<uint64_t>(v.get<int64_t>());
  }
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    if (s.empty() || s.size() > 20) {
      return std::nullopt;
    }
    uint64_t out = 0;
    for (char c : s) {
      if (c < '0' || c > '9') {
        return std::nullopt;
      }
      uint64_t digit = static_cast<uint64_t>(c - '0');
      if (out > (UINT64_MAX - digit) / 10) {
        return std::nullopt;
      }
      out = out * 10 + digit;
    }
    return out;
  }
  return std::nullopt;
}

/// Decodes a base64 field of exactly `size` bytes into `out`; false otherwise.
template <size_t N>
bool fixed_bytes(const json& v, std::array<uint8_t, N>& out) {
  if (!v.is_string()) {
    return false;
  }
  auto bytes = base64_decode(v.get_ref<const std::string&>());
  if (!bytes || bytes->size() != N) {
    return false;
  }
  std::copy(bytes->begin(), bytes->end(), out.begin());
  return true;
}

rpc_blob parse_blob(const json& v) {
  rpc_blob b;
  if (!v.is_object()) {
    b.defect = "not a JSON object";
    return b;
  }
  auto ns = v.find("namespace");
  if (ns == v.end() || !ns->is_string()) {
    b.defect = "no namespace";
    return b;
  }
  auto parsed_ns = namespace_from_base64(ns->get_ref<const std::string&>());
  if (!parsed_ns) {
    b.defect = "bad namespace: " + parsed_ns.error().message;
    return b;
  }
  b.ns = parsed_ns.value();
  auto data = v.find("data");
  auto decoded = (data != v.end() && data->is_string())
                     ? base64_decode(data->get_ref<const std::string&>())
                     : std::nullopt;
  if (!decoded || decoded->empty()) {
    b.defect = "missing, empty or non-base64 data";
    return b;
  }
  b.data = std::move(*decoded);
  auto version = v.find("share_version");
  if (version != v.end()) {
    if (!version->is_number_unsigned() || version->get<uint64_t>() > 255) {
      b.defect = "bad share_version";
      return b;
    }
    b.share_version = static_cast<uint8_t>(version->get<uint64_t>());
  }
  auto c = v.find("commitment");
  if (c != v.end() && !c->is_null()) {
    commitment_bytes bytes{};
    if (!fixed_bytes(*c, bytes)) {
      b.defect = "commitment is not base64 of 32 bytes";
      return b;
    }
    b.commitment = bytes;
  }
  auto signer = v.find("signer");
  if (signer != v.end() && !signer->is_null()) {
    signer_bytes bytes{};
    if (!fixed_bytes(*signer, bytes)) {
      b.defect = "signer is not base64 of 20 bytes";
      return b;
    }
    b.signer = bytes;
  }
  auto index = v.find("index");
  if (index != v.end()) {
    if (!index->is_number_integer()) {
      b.defect = "index is not an integer";
      return b;
    }
    b.index = index->get<int64_t>();
  }
  return b;
}

}  // namespace

rpc_result<uint64_t> parse_submit_response(int http_status, std::string_view body) {
  auto r = envelope(http_status, body);
  if (!r) {
    return r.error();
  }
  auto height = as_height(r.value());
  if (!height || !r.value().is_number() || *height == 0) {
    return malformed(http_status, "blob.Submit returned no inclusion height: " + excerpt(body));
  }
  return *height;
}

rpc_result<std::vector<rpc_blob>> parse_get_all_response(int http_status, std::string_view body) {
  auto r = envelope(http_status, body);
  if (!r) {
    if (r.error().code.cls == error_class::not_found) {
      return std::vector<rpc_blob>{};  // nodes before v0.15 report an empty height this way
    }
    return r.error();
  }
  const json& v = r.value();
  std::vector<rpc_blob> out;
  if (v.is_null()) {
    return out;
  }
  if (!v.is_array()) {
    return malformed(http_status, "blob.GetAll returned neither a list nor null: " + excerpt(body));
  }
  out.reserve(v.size());
  for (const auto& item : v) {
    out.push_back(parse_blob(item));
  }
  return out;
}

rpc_result<std::optional<rpc_blob>> parse_get_response(int http_status, std::string_view body) {
  auto r = envelope(http_status, body);
  if (!r) {
    if (r.error().code.cls == error_class::not_found) {
      return std::optional<rpc_blob>{};
    }
    return r.error();
  }
  if (r.value().is_null()) {
    return std::optional<rpc_blob>{};
  }
  auto b = parse_blob(r.value());
  if (!b.defect.empty()) {
    return malformed(http_status, "blob.Get returned a bad blob: " + b.defect);
  }
  return std::optional<rpc_blob>{std::move(b)};
}

rpc_result<uint64_t> parse_header_response(int http_status, std::string_view body) {
  auto r = envelope(http_status, body);
  if (!r) {
    return r.error();
  }
  const json& v = r.value();
  if (v.is_object()) {
    auto header = v.find("header");
    if (header != v.end() && header->is_object()) {
      auto height = header->find("height");
      if (height != header->end()) {
        if (auto h = as_height(*height); h && *h > 0) {
          return *h;
        }
      }
    }
  }
  return malformed(http_status,
                   "the reply holds no ExtendedHeader with a header.height: " + excerpt(body));
}

void order_blobs(std::vector<rpc_blob>& blobs) {
  bool all_indexed =
      std::all_of(blobs.begin(), blobs.end(), [](const rpc_blob& b) { return b.index >= 0; });
  if (all_indexed) {
    std::stable_sort(blobs.begin(), blobs.end(),
                     [](const rpc_blob& a, const rpc_blob& b) { return a.index < b.index; });
  }
}

commitment_result<commitment_bytes> compute_commitment(const rpc_blob& b) {
  const signer_bytes* signer = b.signer ? &*b.signer : nullptr;
  return share_commitment(b.ns, b.data.data(), b.data.size(), b.share_version, signer,
                          default_subtree_root_threshold);
}

std::string check_blob(const rpc_blob& b) {
  if (!b.defect.empty()) {
    return b.defect;
  }
  auto computed = compute_commitment(b);
  if (!computed) {
    return "no commitment can be computed: " + computed.error().message;
  }
  if (b.commitment && *b.commitment != computed.value()) {
    return "commitment " + commitment_base64(*b.commitment) + " does not match its data (" +
           commitment_base64(computed.value()) + ")";
  }
  return {};
}

}  // namespace dsdn::da::celestia
